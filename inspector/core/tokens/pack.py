"""Packing tokenized rows into fixed-capacity sequences, keeping every sequence's boundaries.

Two strategies over a whole split (never batch by batch):

- `bfd`, best-fit decreasing: rows longest first, each into the open pack with the least room
  that still fits it (a new pack when none does). Rows longer than the capacity are truncated
  (keeping their start); no row is split. Rows of equal length are placed together: a pack with
  `r` tokens of room takes ``r // l`` rows of length `l` in a row, which is what one-by-one BFD
  does, so a million lengths pack in well under a second with a sorted list of the distinct
  room sizes instead of a tree over packs.
- `wrapped`: concatenate every row in order and cut every `capacity` tokens; nothing is lost,
  but rows straddling a cut are split across two packs.

Packs are numbered by the first row they hold, and hold their rows in row order, so the result
is deterministic and the first pack starts with row 0. A pack keeps `seq_lengths` and
`position_ids` restarting at 0 for each sequence, the layout flash-attention's varlen kernels
and transformers' `DataCollatorWithFlattening` read.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from inspector.core.tokens.tokenize import IGNORE_INDEX

STRATEGIES = ("bfd", "wrapped")


@dataclass
class Packing:
    """Which part of which row goes into which pack.

    Entry `e` is tokens ``starts[e] : starts[e] + sizes[e]`` of row ``rows[e]``; pack `p` holds
    entries ``bounds[p] : bounds[p + 1]``.
    """

    strategy: str
    capacity: int
    rows: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray
    bounds: np.ndarray
    tokens_lost: int

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def pack(self, p: int) -> list[tuple[int, int, int]]:
        """`(row, start, size)` for each sequence of pack `p`, in order."""
        a, b = self.bounds[p], self.bounds[p + 1]
        return [
            (int(r), int(s), int(n))
            for r, s, n in zip(self.rows[a:b], self.starts[a:b], self.sizes[a:b], strict=True)
        ]

    @property
    def pack_tokens(self) -> np.ndarray:
        """Tokens held by each pack."""
        return np.add.reduceat(self.sizes, self.bounds[:-1]) if len(self) else np.zeros(0, int)

    @property
    def tokens(self) -> int:
        return int(self.sizes.sum())

    @property
    def efficiency(self) -> float:
        """Real tokens over the slots of `len(self)` packs of `capacity` tokens."""
        return self.tokens / (len(self) * self.capacity) if len(self) else 0.0

    def pack_of_row(self, row: int) -> list[int]:
        """The packs holding (part of) `row`."""
        entries = np.flatnonzero(self.rows == row)
        return sorted({int(np.searchsorted(self.bounds, e, side="right") - 1) for e in entries})


def _finish(strategy, capacity, rows, starts, sizes, pack_ids, lost, ordered=False) -> Packing:
    """Number packs by their first row, order entries by (pack, row), build bounds.

    `ordered` says the entries already come in that order (wrapped packing), skipping the sorts.
    """
    n_packs = int(pack_ids.max()) + 1 if len(pack_ids) else 0
    if not ordered:
        first = np.full(n_packs, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, pack_ids, rows)
        rank = np.empty(n_packs, dtype=np.int64)
        rank[np.argsort(first, kind="stable")] = np.arange(n_packs)
        pack_ids = rank[pack_ids]
        # One integer key sorts faster than a lexsort; a row appears once per pack in BFD.
        order = np.argsort(pack_ids * (int(rows.max()) + 1) + rows, kind="stable")
        rows, starts, sizes, pack_ids = rows[order], starts[order], sizes[order], pack_ids[order]
    counts = np.bincount(pack_ids, minlength=n_packs)
    bounds = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return Packing(strategy, capacity, rows, starts, sizes, bounds, int(lost))


def pack_bfd(lengths: Sequence[int] | np.ndarray, capacity: int) -> Packing:
    """Best-fit-decreasing packing of rows with these token `lengths` (see module doc)."""
    if capacity < 1:
        raise ValueError("capacity must be positive")
    lengths = np.asarray(lengths, dtype=np.int64)
    eff = np.minimum(lengths, capacity)
    lost = int((lengths - eff).sum())
    rows = np.flatnonzero(eff > 0)
    order = rows[np.argsort(-eff[rows], kind="stable")]
    size = eff[order]
    pack_of = np.empty(len(order), dtype=np.int64)
    by_room: dict[int, list[int]] = {}  # room left -> packs with exactly that room
    rooms: list[int] = []  # sorted keys of by_room
    n_packs = 0

    def put(room: int, packs: list[int]) -> None:
        if room <= 0 or not packs:
            return
        if room in by_room:
            by_room[room].extend(packs)
        else:
            by_room[room] = list(packs)
            insort(rooms, room)

    cuts = np.flatnonzero(np.diff(size)) + 1
    for start, stop in zip(np.r_[0, cuts], np.r_[cuts, len(order)], strict=True):
        length = int(size[start])
        pos, todo = int(start), int(stop - start)
        while todo:
            k = bisect_left(rooms, length)
            if k == len(rooms):  # nothing open fits: open new packs of `per` rows each
                per = capacity // length
                full, rest = divmod(todo, per)
                ids = np.arange(n_packs, n_packs + full + (1 if rest else 0))
                pack_of[pos : pos + full * per] = np.repeat(ids[:full], per)
                if rest:
                    pack_of[pos + full * per : pos + todo] = ids[-1]
                    put(capacity - rest * length, [int(ids[-1])])
                put(capacity - per * length, ids[:full].tolist())
                n_packs += len(ids)
                break
            room = rooms[k]
            packs = by_room[room]
            per = room // length
            take = min(len(packs), todo // per)
            if take == 0:  # fewer rows left than this pack takes: it takes them all
                chosen = [packs.pop()]
                used = todo
            else:
                chosen = packs[-take:]
                del packs[-take:]
                used = take * per
            pack_of[pos : pos + used] = np.repeat(chosen, used // len(chosen))
            if not packs:
                del by_room[room]
                rooms.pop(k)
            put(room - (used // len(chosen)) * length, chosen)
            pos += used
            todo -= used
    return _finish("bfd", capacity, order, np.zeros(len(order), np.int64), size, pack_of, lost)


def pack_wrapped(lengths: Sequence[int] | np.ndarray, capacity: int) -> Packing:
    """Concatenate rows in order and cut every `capacity` tokens (rows may be split)."""
    if capacity < 1:
        raise ValueError("capacity must be positive")
    lengths = np.asarray(lengths, dtype=np.int64)
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    row_starts = ends - lengths
    cuts = np.arange(0, total, capacity, dtype=np.int64)
    # Segment starts: every row start and every cut, merged (both are already sorted).
    points = np.concatenate((row_starts[lengths > 0], cuts))
    points.sort(kind="stable")
    if len(points):
        points = points[np.r_[True, points[1:] != points[:-1]]]
    seg_end = np.append(points[1:], total)
    rows = np.searchsorted(ends, points, side="right")
    return _finish(
        "wrapped",
        capacity,
        rows,
        points - row_starts[rows],
        seg_end - points,
        points // capacity,
        0,
        ordered=True,
    )


def pack(lengths: Sequence[int] | np.ndarray, capacity: int, strategy: str = "bfd") -> Packing:
    """Pack with the named strategy (`bfd` or `wrapped`)."""
    if strategy == "bfd":
        return pack_bfd(lengths, capacity)
    if strategy == "wrapped":
        return pack_wrapped(lengths, capacity)
    raise ValueError(f"unknown packing strategy {strategy!r}; choose one of {STRATEGIES}")


def assemble(
    packing: Packing,
    p: int,
    get_row: Callable[[int], tuple[Sequence[int], Sequence[int]]],
    pad_id: int | None = None,
) -> dict[str, list[int]]:
    """Build pack `p` from rows' `(input_ids, labels)`: `input_ids`, `labels`, `position_ids`,
    `seq_lengths` and `rows`.

    The first label of every sequence is set to -100: with positions restarting there, that
    token is never predicted from its own sequence. With `pad_id` the pack is padded to
    `capacity` (labels -100, positions 0, not counted in `seq_lengths`).
    """
    ids: list[int] = []
    labels: list[int] = []
    positions: list[int] = []
    seq_lengths: list[int] = []
    rows: list[int] = []
    for row, start, size in packing.pack(p):
        row_ids, row_labels = get_row(row)
        piece_labels = list(row_labels[start : start + size])
        if piece_labels:
            piece_labels[0] = IGNORE_INDEX
        ids.extend(row_ids[start : start + size])
        labels.extend(piece_labels)
        positions.extend(range(size))
        seq_lengths.append(size)
        rows.append(row)
    if pad_id is not None and len(ids) < packing.capacity:
        pad = packing.capacity - len(ids)
        ids.extend([pad_id] * pad)
        labels.extend([IGNORE_INDEX] * pad)
        positions.extend([0] * pad)
    return {
        "input_ids": ids,
        "labels": labels,
        "position_ids": positions,
        "seq_lengths": seq_lengths,
        "rows": rows,
    }
