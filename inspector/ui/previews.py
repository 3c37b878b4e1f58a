"""One-line previews of rows, read lazily from Arrow for just the rows on screen.

The rows view asks for the previews of the twenty-odd rows it is about to draw; consecutive
rows of a split are read as one Arrow slice and normalized together. Results are kept in a
bounded cache so scrolling back and forth does not read them again.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from inspector.core.data import USER

_SPACE = re.compile(r"\s+")
#: Characters of a preview kept (wider than any terminal line).
PREVIEW_CHARS = 400
CACHE_ROWS = 20_000


def one_line(text: str, limit: int = PREVIEW_CHARS) -> str:
    """`text` on one line, whitespace collapsed, cut at `limit` characters."""
    return _SPACE.sub(" ", text[: limit * 2]).strip()[:limit]


def _first_user(conv) -> str:
    """The first user turn: what tells rows apart (a system prompt is often the same in all)."""
    for turn in conv.turns:
        if turn.role == USER and turn.content.strip():
            return turn.content
    return conv.prompt_text()  # no user turn: the system prompt (or nothing) it is


def preview(conv) -> str:
    """The first user turn and the response of a conversation, on one line."""
    prompt = one_line(_first_user(conv), PREVIEW_CHARS // 2)
    response = one_line(conv.response_text(), PREVIEW_CHARS // 2)
    if not prompt:
        return response or "(empty)"
    return f"{prompt} → {response}" if response else prompt


class Previews:
    """Bounded cache of row previews, keyed by global row id."""

    def __init__(self, session):
        self.session = session
        self._cache: OrderedDict[int, str] = OrderedDict()

    def get(self, gids) -> dict[int, str]:
        """Previews of `gids`, reading the missing ones in as few Arrow slices as possible."""
        out: dict[int, str] = {}
        missing = []
        for g in gids:
            hit = self._cache.get(g)
            if hit is None:
                missing.append(g)
            else:
                out[g] = hit
        starts = set(self.session.offsets.tolist())
        for lo, hi in _runs(sorted(set(missing)), starts):
            split, row = self.session.locate(lo)
            for r, conv, problem in self.session.ds.iter_conversations(
                split, row, row + (hi - lo), batch_size=hi - lo
            ):
                text = preview(conv) if conv is not None else f"⚠ {problem}"
                g = lo + (r - row)
                out[g] = text
                self._cache[g] = text
        while len(self._cache) > CACHE_ROWS:
            self._cache.popitem(last=False)
        return out

    def forget(self) -> None:
        self._cache.clear()


def _runs(gids: list[int], split_starts: set[int]):
    """`(first, last + 1)` runs of consecutive ids, never crossing into another split."""
    start = prev = None
    for g in gids:
        if start is None:
            start = prev = g
        elif g == prev + 1 and g - start < 256 and g not in split_starts:
            prev = g
        else:
            yield start, prev + 1
            start = prev = g
    if start is not None:
        yield start, prev + 1
