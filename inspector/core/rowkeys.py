"""`RowKeys`: the (split, row) address of every row of a dataset, without a list of millions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np


class RowKeys(Sequence):
    """The (split, row) address of every embedded row, computed on demand (no list of millions).

    Behaves as the list ``[(split, 0), (split, 1), ..., (next_split, 0), ...]`` would.
    """

    def __init__(self, splits: Sequence[str], counts: Sequence[int]):
        self.splits = list(splits)
        self.counts = [int(c) for c in counts]
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int64)

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        s = int(np.searchsorted(self.offsets, i, side="right")) - 1
        return (self.splits[s], int(i - self.offsets[s]))

    def __iter__(self) -> Iterator[tuple[str, int]]:
        for split, count in zip(self.splits, self.counts, strict=True):
            for row in range(count):
                yield (split, row)

    def __eq__(self, other) -> bool:
        return len(self) == len(other) and all(
            a == tuple(b) for a, b in zip(self, other, strict=True)
        )

    def index(self, key) -> int:  # type: ignore[override]
        """The position of `(split, row)`."""
        split, row = key
        s = self.splits.index(split)
        if not 0 <= row < self.counts[s]:
            raise ValueError(f"{key!r} is not an embedded row")
        return int(self.offsets[s] + row)
