"""Marker masking for pre-formatted text: train what follows a response marker.

A `text` row that already holds a whole conversation (``human: … \\n bot: …``, Phi-3's
``<|user|> … <|assistant|> …``, Alpaca's ``### Response:``) has no turns for a template to mask.
`--response-template` and `--instruction-template` name the markers that start the model's
answers and the user's messages; `split_by_markers` cuts the text at them into turns, so the
usual machinery (spans, offsets, masks, linter) trains what follows each response marker up to
the next instruction marker, and masks the markers themselves.

This is the rule of TRL's removed ``DataCollatorForCompletionOnlyLM``, matched on characters
instead of token ids: a marker tokenizes differently in context than alone (``[INST]`` after
BOS, ``### Response:`` after a newline), which silently made the collator find nothing and
train nothing. Characters map to tokens through the fast tokenizer's offsets, so that cannot
happen here. As in the collator, without an instruction marker only the *last* response
marker opens a trained answer (everything before it is prompt).

A marker that starts with a letter or digit only matches where the character before it is not
one (``bot:`` does not match inside ``robot:``), which token matching also never did.

`suggest_markers` finds well-known markers in a sample of texts, for `info` and
`tokens --stats`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from inspector.core.data.conversation import ASSISTANT, SYSTEM, TEXT, USER, Turn
from inspector.core.tokens.rendered import CONTENT, END, MARKUP, Builder, Rendered

RESPONSE, INSTRUCTION = "response", "instruction"

#: Well-known (response marker, instruction marker) pairs, most specific first.
KNOWN_MARKERS: tuple[tuple[str, str], ...] = (
    ("<|im_start|>assistant", "<|im_start|>user"),
    ("<|start_header_id|>assistant<|end_header_id|>", "<|start_header_id|>user<|end_header_id|>"),
    ("<|assistant|>", "<|user|>"),
    ("[/INST]", "[INST]"),
    ("### Response:", "### Instruction:"),
    ("### Assistant:", "### Human:"),
    ("### Answer:", "### Question:"),
    ("Assistant:", "Human:"),
    ("ASSISTANT:", "USER:"),
    ("bot:", "human:"),
    ("gpt:", "human:"),
    ("<start_of_turn>model", "<start_of_turn>user"),
)


@dataclass(frozen=True)
class Markers:
    """The response and instruction markers given by the user (each possibly several)."""

    response: tuple[str, ...] = ()
    instruction: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.response)

    def to_json(self) -> dict:
        return {"response": list(self.response), "instruction": list(self.instruction)}


def _pattern(markers: Iterable[str]) -> str:
    parts = []
    for m in sorted(set(markers), key=len, reverse=True):  # longest first at one position
        guard = r"(?<![^\W_])" if (m[0].isalnum() or m[0] == "_") else ""
        parts.append(guard + re.escape(m))
    return "|".join(parts)


_COMPILED: dict[Markers, re.Pattern] = {}


def _regex(markers: Markers) -> re.Pattern:
    rx = _COMPILED.get(markers)
    if rx is None:
        groups = [f"(?P<r>{_pattern(markers.response)})"]
        if markers.instruction:
            groups.append(f"(?P<i>{_pattern(markers.instruction)})")
        rx = _COMPILED[markers] = re.compile("|".join(groups))
    return rx


def find_markers(text: str, markers: Markers) -> list[tuple[int, int, str]]:
    """Every marker in `text` as ``(start, end, RESPONSE | INSTRUCTION)``, left to right."""
    if not markers:
        return []
    out = []
    for m in _regex(markers).finditer(text):
        out.append((m.start(), m.end(), RESPONSE if m.group("r") is not None else INSTRUCTION))
    if not markers.instruction:  # the collator's rule: only the last response marker counts
        out = out[-1:]
    return out


def split_by_markers(text: str, eos: str | None, markers: Markers, name: str) -> Rendered:
    """A text document cut into turns at its markers, then EOS (the tokenizer adds BOS).

    Text before the first marker is a `user` turn (a `system` one when instruction markers
    follow it); each instruction marker opens a `user` turn, each response marker a trained
    `assistant` turn running to the next marker. A row with no response marker trains nothing.
    """
    found = find_markers(text, markers)
    turns: list[Turn] = []
    b = Builder()
    pos = 0

    def segment(role: str, start: int, stop: int, marker: tuple[int, int] | None) -> None:
        i = len(turns)
        turns.append(Turn(role, text[start:stop], trained=role == ASSISTANT))
        if marker is not None:
            b.add(text[marker[0] : marker[1]], i, MARKUP)
        b.add(text[start:stop], i, CONTENT)

    if found and found[0][0] > 0:
        lead = text[: found[0][0]]
        if lead.strip():
            later_instruction = any(kind == INSTRUCTION for _, _, kind in found)
            segment(SYSTEM if later_instruction else USER, 0, found[0][0], None)
        else:
            b.add(lead)
        pos = found[0][0]
    elif not found:
        segment(USER, 0, len(text), None)
        pos = len(text)
    for k, (start, end, kind) in enumerate(found):
        stop = found[k + 1][0] if k + 1 < len(found) else len(text)
        segment(ASSISTANT if kind == RESPONSE else USER, end, stop, (start, end))
        pos = stop
    assert pos == len(text)
    last = len(turns) - 1
    b.add(eos, last if last >= 0 and turns[last].role == ASSISTANT else -1, END)
    rendered = b.result(turns, True, name)
    rendered.open_ends = True
    return rendered


def trim_before_markers(enc, ranges: list[tuple[int, int]], rendered: Rendered):
    """Token ranges without the tokens that reach into a marker after a trained answer.

    SentencePiece glues the space before ``human:`` to it (``▁human``): that token belongs to
    the next user message, as the collator (masking from the marker's own tokens) had it.
    """
    starts = sorted(p.start for p in rendered.pieces if p.part == MARKUP and p.turn >= 0)
    out = []
    for a, b in ranges:
        for pos in starts:
            t = enc.char_to_token(pos)
            if t is not None and a <= t < b:
                b = t  # the first marker inside the range ends it (ranges end at one)
                break
        if b > a:
            out.append((a, b))
    return out


def has_response_marker(text: str, markers: Markers) -> bool:
    """Whether `text` holds at least one response marker."""
    return any(kind == RESPONSE for _, _, kind in find_markers(text, markers))


def contains_marker(text: str, marker: str) -> bool:
    """Whether one marker occurs in `text` (with the word-boundary rule above)."""
    return bool(find_markers(text, Markers((marker,))))


@dataclass
class Suggestion:
    """A known marker pair, how many sampled texts hold each, and rows lacking the response."""

    response: str
    instruction: str
    rows: int
    with_instruction: int
    missing: list[int]
    """The first rows (0-based) of the sample where the response marker never occurs."""
    sampled: int = 0
    """How many texts were read."""

    def to_json(self) -> dict:
        return {
            "response_template": self.response,
            "instruction_template": self.instruction,
            "rows": self.rows,
            "rows_with_instruction_template": self.with_instruction,
            "rows_without": self.sampled - self.rows,
            "rows_without_examples": self.missing,
        }


#: A suggestion is made when at least this share of the sampled texts holds the marker.
SUGGEST_SHARE = 0.05
#: Rows read for suggestions, and rows listed as lacking a marker.
SUGGEST_ROWS = 5000
SHOW_MISSING = 10


def suggest_markers(
    texts: Iterable[tuple[int, str]], limit: int = 3
) -> tuple[int, list[Suggestion]]:
    """Known markers found in `(row, text)` items: ``(texts read, suggestions, most rows first)``.

    A marker inside a more specific one that matched the same text (``Assistant:`` inside
    ``### Assistant:``) is counted only for the more specific one.
    """
    counts = [[0, 0] for _ in KNOWN_MARKERS]
    missing: list[list[int]] = [[] for _ in KNOWN_MARKERS]
    n = 0
    for row, text in texts:
        n += 1
        taken: list[str] = []
        for k, (resp, instr) in enumerate(KNOWN_MARKERS):
            if not any(resp in t for t in taken) and contains_marker(text, resp):
                taken.append(resp)
                counts[k][0] += 1
                counts[k][1] += contains_marker(text, instr)
            elif len(missing[k]) < SHOW_MISSING:
                missing[k].append(row)
    out = [
        Suggestion(resp, instr, c[0], c[1], miss, n)
        for (resp, instr), c, miss in zip(KNOWN_MARKERS, counts, missing, strict=True)
        if n and c[0] >= max(1, SUGGEST_SHARE * n)
    ]
    out.sort(key=lambda s: -s.rows)
    return n, out[:limit]


def text_rows(ds, split: str, limit: int = SUGGEST_ROWS):
    """`(row, text)` of the first `limit` text rows of a split (other rows are skipped)."""
    stop = min(ds.num_rows(split), limit)
    for row, conv, _problem in ds.iter_conversations(split, 0, stop):
        if conv is not None and len(conv.turns) == 1 and conv.turns[0].role == TEXT:
            yield row, conv.turns[0].content


def marker_report(ds, split: str, markers: Markers | None = None) -> dict:
    """What `info` and `tokens --stats` print about markers of a text split (JSON-ready)."""
    sampled, found = suggest_markers(text_rows(ds, split))
    out: dict = {"sampled_rows": sampled, "suggested": [s.to_json() for s in found]}
    if markers:
        out["given"] = markers.to_json()
    return out
