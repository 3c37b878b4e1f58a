"""Shared preambles: text that many rows carry verbatim (a system prompt pasted into the user
turn, a tool description, a template header), found per dataset and left out where it would
make every row look alike.

`find_preambles(texts)` looks at a sample of prompts and returns `Preambles`: the long
prefixes and the long lines shared by many of them. `Preambles.strip(text)` removes them from
one text, unless nothing would be left (a prompt that is only the shared text keeps it, so
rows whose whole instruction is the same still compare equal).

Prefixes are found from the sorted sample: rows sharing a prefix sit side by side, and the
longest common prefix of neighbours marks the runs. Each row gets the longest prefix that
enough rows share, cut back to a line or word boundary, so a preamble found on data that
already had shared openings strips the same remainder as on the data without it.

Used by the scan (prompt near duplicates) and the semantic layer (the text it embeds); the
app's previews can show `Preambles.split(text)` to dim the shared part.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

#: A preamble is at least this many characters long: shorter shared openings ("Write a
#: short story about") are part of the request, not boilerplate around it.
MIN_CHARS = 80
#: ... shared by at least this many rows of the sample ...
MIN_ROWS = 5
#: ... and at least this share of them (one row in a hundred).
MIN_SHARE = 0.01
#: Rows read to find preambles: enough for any preamble shared by 1% of the rows.
SAMPLE_ROWS = 5000
#: At most this many preambles are kept (the most widely shared).
MAX_PREAMBLES = 64
#: Characters of a preamble shown in reports.
SHOWN_CHARS = 300


@dataclass
class Preamble:
    """One shared text: a prefix of rows or a whole line; `rows` counts the rows it was
    stripped from (in the sample when found, then in every row `strip` saw)."""

    text: str
    kind: str  # "prefix" or "line"
    sample_rows: int
    rows: int = 0

    def to_json(self) -> dict:
        shown = self.text if len(self.text) <= SHOWN_CHARS else self.text[: SHOWN_CHARS - 1] + "…"
        return {"kind": self.kind, "chars": len(self.text), "rows": self.rows, "text": shown}


@dataclass
class Preambles:
    """The shared texts of one dataset; empty when none is shared widely enough."""

    items: list[Preamble] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.items)

    def split(self, text: str) -> tuple[str, str]:
        """`(shared, rest)`: the longest shared prefix of `text` and what follows it."""
        best = None
        for p in self.items:
            if p.kind == "prefix" and text.startswith(p.text):
                if best is None or len(p.text) > len(best.text):
                    best = p
        return ("", text) if best is None else (best.text, text[len(best.text) :])

    def strip(self, text: str, count: bool = False) -> str:
        """`text` without its shared prefix and shared lines; `text` itself when nothing
        else would remain. With `count`, the preambles removed count this row."""
        if not self.items or len(text) < MIN_CHARS:
            return text
        used = []
        best = None
        for p in self.items:
            if p.kind == "prefix" and text.startswith(p.text):
                if best is None or len(p.text) > len(best.text):
                    best = p
        rest = text
        if best is not None:
            rest = text[len(best.text) :]
            used.append(best)
        lines = [p for p in self.items if p.kind == "line" and p.text in rest]
        if lines:
            shared = {p.text: p for p in lines}
            kept = []
            for ln in rest.split("\n"):
                hit = shared.get(ln.strip())
                if hit is None:
                    kept.append(ln)
                elif hit not in used:
                    used.append(hit)
            rest = "\n".join(kept)
        if not rest.strip():
            return text
        if count:
            for p in used:
                p.rows += 1
        return rest.lstrip()

    def to_json(self) -> list[dict]:
        return [p.to_json() for p in self.items]


def _boundary(text: str, end: int) -> int:
    """The last line or word boundary at or before `end` (the whole of `text[:end]` if it ends
    on one)."""
    if end >= len(text) or text[end].isspace() or text[end - 1].isspace():
        return end
    cut = max(text.rfind(" ", 0, end), text.rfind("\n", 0, end), text.rfind("\t", 0, end))
    return cut + 1 if cut >= 0 else 0


def _prefixes(texts: list[str], need: int) -> dict[str, int]:
    """Shared prefixes (cut to a boundary) -> how many distinct texts carry each as their
    longest shared prefix."""
    order = sorted(set(texts))
    if len(order) < need:
        return {}
    lcp = np.array(
        [len(os.path.commonprefix([a, b])) for a, b in zip(order, order[1:], strict=False)],
        dtype=np.int64,
    )
    found: dict[str, int] = {}
    # Intervals of neighbours whose common prefix is long, each with the length of the
    # preamble around it (`base`); an interval is split at its weakest links to find longer
    # prefixes shared by enough rows inside (an LCP-interval walk). A longer prefix counts
    # only when it adds `MIN_CHARS` to the one around it, so a preamble put before rows that
    # share a short opening ("Generate a list of") strips the preamble, not the opening too.
    stack = [(0, len(order) - 1, 0)]
    while stack:
        lo, hi, base = stack.pop()  # texts order[lo..hi], links lcp[lo..hi-1]
        if hi - lo + 1 < need:
            continue
        links = lcp[lo:hi]
        long = links >= MIN_CHARS
        if not long.all():
            # Runs of long links only.
            edges = np.flatnonzero(np.diff(np.concatenate(([0], long.view(np.int8), [0]))))
            for a, b in zip(edges[::2], edges[1::2], strict=True):
                stack.append((lo + int(a), lo + int(b), base))
            continue
        depth = int(links.min())
        head = order[lo][: _boundary(order[lo], depth)]
        own = len(head) - base >= MIN_CHARS
        deeper = links > depth
        edges = np.flatnonzero(np.diff(np.concatenate(([0], deeper.view(np.int8), [0]))))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            if b - a + 1 >= need:
                stack.append((lo + int(a), lo + int(b), len(head) if own else base))
        if own:
            found[head] = hi - lo + 1
    return found


def _lines(texts: list[str], need: int) -> dict[str, int]:
    """Long lines that many texts carry (each text counted once per line)."""
    counts: Counter[str] = Counter()
    for t in texts:
        if len(t) >= MIN_CHARS and "\n" in t:
            counts.update({ln.strip() for ln in t.split("\n") if len(ln.strip()) >= MIN_CHARS})
    return {ln: c for ln, c in counts.items() if c >= need}


def find_preambles(texts: Sequence[str]) -> Preambles:
    """The prefixes and lines of at least `MIN_CHARS` characters shared verbatim by at least
    `MIN_ROWS` of `texts` and `MIN_SHARE` of them (a sample of a dataset's prompts)."""
    texts = [t for t in texts if t]
    need = max(MIN_ROWS, int(np.ceil(MIN_SHARE * len(texts))))
    if len(texts) < need:
        return Preambles()
    items = [Preamble(t, "prefix", c) for t, c in _prefixes(texts, need).items()]
    prefixes = [p.text for p in items]
    for ln, c in _lines(texts, need).items():
        # A line that is the start of a shared prefix is that prefix already.
        if not any(p.startswith(ln) or ln in p for p in prefixes):
            items.append(Preamble(ln, "line", c))
    items.sort(key=lambda p: (-p.sample_rows, -len(p.text), p.text))
    return Preambles(items[:MAX_PREAMBLES])


def sample_positions(n: int, k: int = SAMPLE_ROWS) -> np.ndarray:
    """Up to `k` row positions of `0..n-1`, spread evenly over the rows (deterministic)."""
    if n <= k:
        return np.arange(n, dtype=np.int64)
    return np.unique(np.linspace(0, n - 1, k).astype(np.int64))
