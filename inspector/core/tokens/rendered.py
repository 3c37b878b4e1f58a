"""A rendered conversation: the text a template wrote and the span of every turn's pieces.

The three template modules (`templates`, `builtin_templates`, `chat_template`) all build these;
keeping them here lets each of those import it without importing the others back.
A `Piece` is one span of the text: a turn's markup (headers such as ``### Response:``), its
content, its reasoning (``<think>…</think>`` before an answer), or its end-of-turn marker (the
EOS or ``<|im_end|>`` that teaches the model to stop).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from inspector.core.data.conversation import TEXT, Turn

MARKUP, CONTENT, END = "markup", "content", "end"
#: The part of an assistant turn holding its reasoning trace (with the tags that wrap it).
REASONING = "reasoning"
#: `--reasoning`: whether a trained turn's reasoning is trained with it or masked.
REASONING_MODES = ("train", "mask")
#: Role shown for template text that belongs to no turn (a preamble, a BOS, blank lines).
TEMPLATE_ROLE = "template"


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
    part: str  # MARKUP, CONTENT, REASONING or END


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
    open_ends: bool = False
    """True when only the last turn can have an end-of-turn marker (text cut at its markers:
    earlier answers end where the next marker starts), so the linter does not ask for one."""

    def trained_turns(self, mode: str) -> list[int]:
        """Indices of the turns the masking mode trains on (`all` trains every turn)."""
        return trained_turns(self.turns, mode)

    def spans(self, turn: int, part: str) -> list[tuple[int, int]]:
        """The `(start, end)` spans of one part of one turn, in text order."""
        return [(p.start, p.end) for p in self.pieces if p.turn == turn and p.part == part]

    def trained_spans(self, mode: str, reasoning: str = "train") -> list[tuple[int, int]]:
        """Character spans whose tokens are trained, for `completion` or `assistant` mode;
        `reasoning="mask"` leaves every reasoning piece out (whatever a template marked)."""
        parts = (CONTENT, END, REASONING) if reasoning == "train" else (CONTENT, END)
        out: list[tuple[int, int]] = []
        for i in self.trained_turns(mode):
            if self.generation is not None and self.turns[i].role != TEXT:
                out.extend(self.generation.get(i, []))
            else:
                out.extend((p.start, p.end) for p in self.pieces if p.turn == i and p.part in parts)
        merged: list[tuple[int, int]] = []
        for a, b in sorted(s for s in out if s[1] > s[0]):
            if merged and a <= merged[-1][1]:  # touching spans (content, then its end marker)
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        if reasoning == "mask":
            merged = without(merged, self.reasoning_spans())
        return merged

    def reasoning_spans(self) -> list[tuple[int, int]]:
        """The spans of every turn's reasoning, in text order."""
        return sorted((p.start, p.end) for p in self.pieces if p.part == REASONING)


def without(spans: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint `spans` minus sorted `holes`."""
    out = []
    for a, b in spans:
        for h0, h1 in holes:
            if h1 <= a or h0 >= b:
                continue
            if h0 > a:
                out.append((a, h0))
            a = max(a, h1)
        if a < b:
            out.append((a, b))
    return out


class Builder:
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
