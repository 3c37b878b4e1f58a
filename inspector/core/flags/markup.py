"""Template tokens and role markers leaking into content, and unfilled placeholders."""

from __future__ import annotations

import re

from inspector.core.data.conversation import Conversation
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


class Placeholder(Rule):
    """Unfilled placeholders: `{{name}}`, `<noinput>`, `[Your Name]`, lorem ipsum."""

    codes = {"placeholder": (WARNING, "an unfilled placeholder or filler text")}

    def check(self, conv: Conversation):
        for loc in turns_of(conv):
            m = PLACEHOLDERS.search(loc.turn.content)
            if m:
                yield self.finding("placeholder", m.group(), loc.where, m.span())
