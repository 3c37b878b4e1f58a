"""Prompt templates: a conversation rendered to text, with the character span of every turn.

A template turns the `Turn`s of a `Conversation` into one string and records, for every piece of
that string, which turn it belongs to and whether it is the turn's markup (headers such as
``### Response:`` or ``<|im_start|>assistant\\n``), its content, or its end-of-turn marker (the EOS
or ``<|im_end|>`` that teaches the model to stop). The tokenizer's offset mapping later turns those
character spans into per-token roles and labels (`inspector.core.tokenize`).

Built-in templates: `alpaca` (the Stanford Alpaca text quoted in the SFT seed notebook, with and
without its input section), `chatml`, `mistral` (``[INST] … [/INST]``, a system prompt merged
into the first user turn), `llama3`, `phi3`; `tokenizer` renders with the tokenizer's own Jinja
`chat_template` (see `inspector.core.chat_template`). A document of the `text` format renders
as its content followed by EOS whatever the template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from inspector.core.conversation import ASSISTANT, SYSTEM, TEXT, TOOL, USER, Turn

MARKUP, CONTENT, END = "markup", "content", "end"
#: Role shown for template text that belongs to no turn (a preamble, a BOS, blank lines).
TEMPLATE_ROLE = "template"

TEMPLATE_NAMES = ("alpaca", "chatml", "mistral", "llama3", "phi3", "tokenizer")

ALPACA_PREAMBLE = (
    "Below is an instruction that describes a task. "
    "Write a response that appropriately completes the request."
)
ALPACA_PREAMBLE_INPUT = (
    "Below is an instruction that describes a task, paired with an input that provides further "
    "context. Write a response that appropriately completes the request."
)


@dataclass(frozen=True, slots=True)
class Piece:
    """A span `[start, end)` of the rendered text: part of turn `turn` (-1: of no turn)."""

    start: int
    end: int
    turn: int
    part: str  # MARKUP, CONTENT or END


@dataclass(slots=True)
class Rendered:
    """A conversation rendered by a template.

    `add_special_tokens` says whether the tokenizer should add its own BOS/EOS (False when the
    template already wrote them, as chat templates do). `generation` holds, per turn, the spans
    a chat template marked with ``{% generation %}``: when set, those spans and nothing else are
    the trainable text of assistant turns, exactly as transformers' `assistant_masks`.
    """

    text: str
    turns: list[Turn]
    pieces: list[Piece]
    add_special_tokens: bool
    generation: dict[int, list[tuple[int, int]]] | None = None
    template: str = ""

    def trained_turns(self, mode: str) -> list[int]:
        """Indices of the turns the masking mode trains on (`all` trains every turn)."""
        if mode == "all":
            return list(range(len(self.turns)))
        marked = [i for i, t in enumerate(self.turns) if t.trained]
        if mode == "completion":
            return marked[-1:]
        return marked

    def spans(self, turn: int, part: str) -> list[tuple[int, int]]:
        """The `(start, end)` spans of one part of one turn, in text order."""
        return [(p.start, p.end) for p in self.pieces if p.turn == turn and p.part == part]

    def trained_spans(self, mode: str) -> list[tuple[int, int]]:
        """Character spans whose tokens are trained, for `completion` or `assistant` mode."""
        out: list[tuple[int, int]] = []
        for i in self.trained_turns(mode):
            if self.generation is not None and self.turns[i].role != TEXT:
                out.extend(self.generation.get(i, []))
            else:
                out.extend((p.start, p.end) for p in self.pieces
                           if p.turn == i and p.part in (CONTENT, END))
        merged: list[tuple[int, int]] = []
        for a, b in sorted(s for s in out if s[1] > s[0]):
            if merged and a <= merged[-1][1]:  # touching spans (content, then its end marker)
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        return merged


class _Builder:
    """Accumulates text and its pieces."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pieces: list[Piece] = []
        self.pos = 0

    def add(self, text: str | None, turn: int = -1, part: str = MARKUP) -> None:
        text = text or ""
        # Empty content still gets a piece, so an empty response is visible as a turn.
        if text or part == CONTENT:
            self.pieces.append(Piece(self.pos, self.pos + len(text), turn, part))
        self.parts.append(text)
        self.pos += len(text)

    def result(self, turns: list[Turn], add_special_tokens: bool, name: str) -> Rendered:
        return Rendered("".join(self.parts), turns, self.pieces, add_special_tokens, None, name)


def calls_are_content(turn: Turn) -> bool:
    """ShareGPT's `function_call` turns hold the call itself as their text: render it once."""
    return (turn.source_role or "").lower() == "function_call"


def tool_calls_text(turn: Turn) -> str:
    """Tool calls of an assistant turn as JSON lines, the way built-in templates render them."""
    calls = []
    for call in turn.tool_calls or []:
        args = call.get("arguments")
        try:
            args = json.loads(args) if isinstance(args, str) else args
        except ValueError:
            pass  # keep arguments exactly as given when they are not JSON
        calls.append(json.dumps({"name": call.get("name"), "arguments": args}, ensure_ascii=False))
    return "\n".join(calls)


def render_text(turns: list[Turn], eos: str | None, name: str) -> Rendered:
    """A `text` document (pre-training style): content, then EOS; the tokenizer adds BOS."""
    b = _Builder()
    for i, turn in enumerate(turns):
        if i:
            b.add("\n\n")
        b.add(turn.content, i, CONTENT)
        b.add(eos, i, END)
    return b.result(turns, True, name)


def _content(b: _Builder, turn: Turn, i: int, calls_prefix: str | None = None) -> None:
    """A turn's content and then its tool calls (after `calls_prefix`, default a newline)."""
    b.add(turn.content, i, CONTENT)
    if turn.tool_calls and not calls_are_content(turn):
        prefix = calls_prefix if calls_prefix is not None else ("\n" if turn.content else "")
        b.add(prefix, i, MARKUP)
        b.add(tool_calls_text(turn), i, CONTENT)


def render_alpaca(turns: list[Turn], bos: str | None, eos: str | None) -> Rendered:
    """Alpaca: preamble, ``### Instruction:``, optional ``### Input:``, ``### Response:``.

    A system turn replaces the preamble; later user turns repeat the instruction section.
    """
    b = _Builder()
    first_user = next((t for t in turns if t.role == USER), None)
    has_input = bool(first_user and first_user.fields and first_user.fields.get("input"))
    start = 0
    if turns and turns[0].role == SYSTEM:
        b.add(turns[0].content, 0, CONTENT)
        start = 1
    else:
        b.add(ALPACA_PREAMBLE_INPUT if has_input else ALPACA_PREAMBLE)
    for i in range(start, len(turns)):
        turn = turns[i]
        if turn.role == ASSISTANT:
            _content(b, turn, i)
            b.add(eos, i, END)
            continue
        b.add("\n\n")
        if turn.role == USER:
            fields = turn.fields or {}
            if "instruction" in fields:
                b.add("### Instruction:\n", i)
                b.add(fields["instruction"], i, CONTENT)
                if fields.get("input"):
                    b.add("\n\n### Input:\n", i)
                    b.add(fields["input"], i, CONTENT)
            else:
                b.add("### Instruction:\n", i)
                b.add(turn.content, i, CONTENT)
        elif turn.role == TOOL:
            b.add("### Tool result:\n", i)
            b.add(turn.content, i, CONTENT)
        else:  # a later system turn
            b.add(turn.content, i, CONTENT)
            continue
        b.add("\n\n### Response:\n", i)
    return b.result(turns, True, "alpaca")


def _render_tagged(turns, name, header, end, sep, bos=None, role_names=None) -> Rendered:
    """Templates of the shape ``<header(role)>content<end><sep>`` per turn (ChatML, Phi-3, Llama 3)."""
    b = _Builder()
    if bos:
        b.add(bos)
    for i, turn in enumerate(turns):
        role = (role_names or {}).get(turn.role, turn.role)
        b.add(header.format(role=role), i)
        _content(b, turn, i)
        b.add(end, i, END)
        b.add(sep)
    return b.result(turns, bos is None, name)


def render_chatml(turns: list[Turn], bos: str | None, eos: str | None) -> Rendered:
    return _render_tagged(turns, "chatml", "<|im_start|>{role}\n", "<|im_end|>", "\n")


def render_phi3(turns: list[Turn], bos: str | None, eos: str | None) -> Rendered:
    return _render_tagged(turns, "phi3", "<|{role}|>\n", "<|end|>", "\n")


def render_llama3(turns: list[Turn], bos: str | None, eos: str | None) -> Rendered:
    return _render_tagged(
        turns, "llama3", "<|start_header_id|>{role}<|end_header_id|>\n\n", "<|eot_id|>", "",
        bos="<|begin_of_text|>", role_names={TOOL: "ipython"},
    )


def render_mistral(turns: list[Turn], bos: str | None, eos: str | None) -> Rendered:
    """Mistral's ``[INST]`` format as in the seed's template: BOS, ``[INST] user [/INST]answer</s>``.

    Mistral has no system role: the system prompt goes into the first user turn, before the
    user's text and separated by a blank line.
    """
    b = _Builder()
    b.add(bos or "")
    pending: list[int] = []  # system turns waiting for the next user turn

    def flush_system(owner: int, trailing: bool) -> None:
        for k, s in enumerate(pending):
            b.add(turns[s].content, s, CONTENT)
            if trailing or k < len(pending) - 1:
                b.add("\n\n", s)
        pending.clear()

    for i, turn in enumerate(turns):
        if turn.role == SYSTEM:
            pending.append(i)
        elif turn.role == USER:
            b.add("[INST] ", i)
            flush_system(i, trailing=True)
            b.add(turn.content, i, CONTENT)
            b.add(" [/INST]", i)
        else:
            if pending:  # a system prompt with no user turn after it
                owner = pending[0]
                b.add("[INST] ", owner)
                flush_system(owner, trailing=False)
                b.add(" [/INST]", owner)
            if turn.role == TOOL:
                b.add("[TOOL_RESULTS] ", i)
                b.add(turn.content, i, CONTENT)
                b.add(" [/TOOL_RESULTS]", i)
            else:
                _content(b, turn, i, calls_prefix="[TOOL_CALLS] ")
                b.add(eos, i, END)
    if pending:
        owner = pending[0]
        b.add("[INST] ", owner)
        flush_system(owner, trailing=False)
        b.add(" [/INST]", owner)
    return b.result(turns, not bos, "mistral")


_BUILTIN = {
    "alpaca": render_alpaca,
    "chatml": render_chatml,
    "mistral": render_mistral,
    "llama3": render_llama3,
    "phi3": render_phi3,
}


@dataclass
class Template:
    """A named template bound to a tokenizer (whose BOS/EOS strings and chat template it uses)."""

    name: str
    tokenizer: Any = field(repr=False)

    def render(self, turns: list[Turn], tools: str | None = None) -> Rendered:
        """Render `turns` (raises `RowError` when the chat template refuses the row)."""
        bos, eos = self.tokenizer.bos_token, self.tokenizer.eos_token
        if turns and all(t.role == TEXT for t in turns):
            return render_text(turns, eos, self.name)
        if self.name == "tokenizer":
            from inspector.core.chat_template import render_chat_template

            return render_chat_template(turns, self.tokenizer, tools)
        return _BUILTIN[self.name](turns, bos, eos)


def default_template_name(fmt: str | None, tokenizer: Any) -> str:
    """The tokenizer's chat template when it has one, else `alpaca` for Alpaca data, else `mistral`."""
    if getattr(tokenizer, "chat_template", None):
        return "tokenizer"
    return "alpaca" if fmt == "alpaca" else "mistral"


def get_template(name: str | None, tokenizer: Any, fmt: str | None = None) -> Template:
    """Bind a template to a tokenizer; `name=None` picks `default_template_name`."""
    from inspector.core.errors import InputError

    name = name or default_template_name(fmt, tokenizer)
    if name not in TEMPLATE_NAMES:
        raise InputError(f"Unknown template {name!r}; choose one of {', '.join(TEMPLATE_NAMES)}.")
    if name == "tokenizer" and not getattr(tokenizer, "chat_template", None):
        raise InputError(
            "--template tokenizer: this tokenizer has no chat_template; pick one of "
            f"{', '.join(n for n in TEMPLATE_NAMES if n != 'tokenizer')}."
        )
    return Template(name, tokenizer)
