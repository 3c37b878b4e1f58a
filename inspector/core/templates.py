"""Prompt templates: a conversation rendered to text, with the character span of every turn.

A template turns the `Turn`s of a `Conversation` into one string and records, for every piece of
that string, which turn it belongs to and whether it is the turn's markup (headers such as
``### Response:`` or ``<|im_start|>assistant\\n``), its content, or its end-of-turn marker (the EOS
or ``<|im_end|>`` that teaches the model to stop). The tokenizer's offset mapping later turns those
character spans into per-token roles and labels (`inspector.core.tokenize`).

Built-in templates (`inspector.core.builtin_templates`): `alpaca` (the Stanford Alpaca text quoted
in the SFT seed notebook, with and without its input section), `chatml`, `mistral`
(``[INST] … [/INST]``, a system prompt merged into the first user turn), `llama3`, `phi3`;
`tokenizer` renders with the tokenizer's own Jinja `chat_template` (see
`inspector.core.chat_template`). A document of the `text` format renders as its content
followed by EOS whatever the template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from inspector.core.conversation import TEXT, Turn

MARKUP, CONTENT, END = "markup", "content", "end"
#: Role shown for template text that belongs to no turn (a preamble, a BOS, blank lines).
TEMPLATE_ROLE = "template"

TEMPLATE_NAMES = ("alpaca", "chatml", "mistral", "llama3", "phi3", "tokenizer")


def trained_turns(turns: list[Turn], mode: str) -> list[int]:
    """Indices of `turns` the masking mode trains on: `all` every turn, `assistant` the turns
    the source marks trained, `completion` only the last of those."""
    if mode == "all":
        return list(range(len(turns)))
    marked = [i for i, t in enumerate(turns) if t.trained]
    if mode == "completion":
        return marked[-1:]
    return marked


class Piece(NamedTuple):
    """A span `[start, end)` of the rendered text: part of turn `turn` (-1: of no turn).

    A named tuple: rendering builds several per row, and a frozen dataclass costs ~3x to make.
    """

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
        return trained_turns(self.turns, mode)

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
                out.extend(
                    (p.start, p.end)
                    for p in self.pieces
                    if p.turn == i and p.part in (CONTENT, END)
                )
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


@dataclass
class Template:
    """A named template bound to a tokenizer (whose BOS/EOS strings and chat template it uses)."""

    name: str
    tokenizer: Any = field(repr=False)

    def render(self, turns: list[Turn], tools: str | None = None) -> Rendered:
        """Render `turns` (raises `RowError` when the chat template refuses the row)."""
        bos, eos = self.tokenizer.bos_token, self.tokenizer.eos_token
        if turns and all(t.role == TEXT for t in turns):
            from inspector.core.builtin_templates import render_text

            return render_text(turns, eos, self.name)
        if self.name == "tokenizer":
            from inspector.core.chat_template import render_chat_template

            return render_chat_template(turns, self.tokenizer, tools)
        from inspector.core.builtin_templates import BUILTIN

        return BUILTIN[self.name](turns, bos, eos, given_tools(tools))


def given_tools(tools: str | None) -> str | None:
    """A row's tool definitions, or None when it has none (LLaMA-Factory writes ``[]``)."""
    if tools is None or tools.strip() in ("", "[]", "{}", "null"):
        return None
    return tools


def default_template_name(fmt: str | None, tokenizer: Any) -> str:
    """The chat template of the tokenizer if any, else `alpaca` for Alpaca data, else `mistral`."""
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
