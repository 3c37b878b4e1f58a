"""Template tokens and role markers leaking into content, and unfilled placeholders."""

from __future__ import annotations

import re

from inspector.core.data.conversation import ASSISTANT, Conversation
from inspector.core.flags.base import ERROR, WARNING, Rule, model_turns, turns_of

#: Special tokens of the common chat templates (ChatML, Llama 2 and 3, Mistral, Phi-3, Gemma,
#: GPT-2's end of text). Inside any turn they are data that a template will render as real
#: control tokens, or text that teaches the model to emit them.
SPECIAL_TOKENS = re.compile(
    r"<\|(?:im_start|im_end|im_sep|endoftext|eot_id|start_header_id|end_header_id|"
    r"begin_of_text|end_of_text|user|assistant|system|end|eom_id|python_tag)\|>"
    r"|\[/?INST\]|<</?SYS>>|<start_of_turn>|<end_of_turn>|</s>|<s>(?=\s*\[INST\])"
)
#: Role markers of plain-text templates (Alpaca's `### Response:`, Anthropic's transcripts,
#: Vicuna's `USER:`/`ASSISTANT:`) inside an assistant turn: the answer contains a new turn.
ROLE_MARKERS = re.compile(
    r"^#{2,4} ?(?:Instruction|Response|Input|Human|Assistant|System)s?:"
    r"|\n\n(?:Human|Assistant): "
    r"|^(?:USER|ASSISTANT|SYSTEM):",
    re.MULTILINE,
)
#: Unfilled template slots and filler text.
PLACEHOLDERS = re.compile(
    r"\{\{\s*\w{1,40}\s*\}\}"  # {{name}}; not {{ secrets.TOKEN }}, which is real template code
    r"|<\s*(?:noinput|nooutput|no input|no output|placeholder|insert[\w ]{0,30})\s*>"
    r"|\[\s*(?:insert|enter|add|put)\b[^\]\n]{0,40}\]"  # [Insert date], [Enter name]
    r"|\[\s*your (?:full )?(?:name|company|address|email|e-mail|phone|title|position|city|"
    r"contact|organization|website|signature)[^\]\n]{0,30}\]"  # [Your Name], [Your Company]
    r"|\blorem ipsum\b",
    re.IGNORECASE,
)


class TemplateLeak(Rule):
    """Chat-template control tokens in any turn; plain-text role markers in assistant turns."""

    codes = {"template_leak": (ERROR, "template tokens or role markers inside a turn's text")}

    def check(self, conv: Conversation):
        flagged = set()
        for loc in turns_of(conv):
            m = SPECIAL_TOKENS.search(loc.turn.content)
            if m:
                flagged.add(loc.where)
                yield self.finding("template_leak", m.group(), loc.where, m.span())
        for loc in model_turns(conv, rejected=True):
            if loc.where in flagged:
                continue
            m = ROLE_MARKERS.search(loc.turn.content)
            if m:
                yield self.finding("template_leak", m.group().strip(), loc.where, m.span())


_FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)


def _in_code(text: str, pos: int) -> bool:
    """Whether `pos` falls inside a fenced code block (example code's filler and template
    slots are the code's own)."""
    if "```" not in text:
        return False
    return any(m.start() <= pos < m.end() for m in _FENCE.finditer(text))


class Placeholder(Rule):
    """Unfilled placeholders: `{{name}}`, `<noinput>`, `[Your Name]`, lorem ipsum.

    Not raised for the task's own material: inside a fenced code block (a template's
    `{{name}}`, a LaTeX example's lorem ipsum), or in an answer when the same placeholder
    occurs in the prompt (the user gave the template, or asked for lorem ipsum).
    """

    codes = {"placeholder": (WARNING, "an unfilled placeholder or filler text")}

    def check(self, conv: Conversation):
        asked = None
        for loc in turns_of(conv):
            text = loc.turn.content
            for m in PLACEHOLDERS.finditer(text):
                if _in_code(text, m.start()):
                    continue
                if loc.turn.role == ASSISTANT:
                    if asked is None:
                        asked = " ".join(
                            t.content.lower() for t in conv.turns if t.role != ASSISTANT
                        )
                    if m.group().lower() in asked or (
                        "lorem" in m.group().lower() and "lorem" in asked
                    ):
                        continue
                yield self.finding("placeholder", m.group(), loc.where, m.span())
                break
