"""The packing simulator: packs, padding and lost tokens for several lengths and strategies.

For each target length it compares plain padding (batches of `batch_size` rows in data order,
each padded to its longest row, rows truncated to the length) with `bfd` and `wrapped` packing
of the whole split. Efficiency is real tokens over the slots a trainer computes on; padding
fraction is the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from inspector.core.tokens.pack import pack

DEFAULT_PACK_LENGTHS = (1024, 2048, 4096, 8192)


@dataclass(frozen=True, slots=True)
class SimRow:
    """One strategy at one length."""

    length: int
    strategy: str  # "padding", "bfd" or "wrapped"
    sequences: int  # packs, or rows for padding
    tokens: int  # real tokens kept
    slots: int  # tokens computed on, padding included
    tokens_lost: int  # tokens cut off by truncation
    split_rows: int  # rows spread over more than one pack (wrapped only)

    @property
    def efficiency(self) -> float:
        return self.tokens / self.slots if self.slots else 0.0

    @property
    def padding_fraction(self) -> float:
        return 1.0 - self.efficiency if self.slots else 0.0

    def to_json(self) -> dict:
        return {
            **asdict(self),
            "efficiency": self.efficiency,
            "padding_fraction": self.padding_fraction,
        }


def padding_row(lengths: np.ndarray, length: int, batch_size: int) -> SimRow:
    """Padding every batch of `batch_size` consecutive rows to its longest (truncated) row."""
    kept = np.minimum(lengths, length)
    n = len(kept)
    slots = 0
    if n:
        full = n - n % batch_size
        if full:
            slots += int(kept[:full].reshape(-1, batch_size).max(axis=1).sum()) * batch_size
        if n % batch_size:
            slots += int(kept[full:].max()) * (n % batch_size)
    return SimRow(length, "padding", n, int(kept.sum()), slots, int((lengths - kept).sum()), 0)


def simulate(
    lengths: Sequence[int] | np.ndarray,
    pack_lengths: Iterable[int] = DEFAULT_PACK_LENGTHS,
    strategies: Iterable[str] = ("bfd", "wrapped"),
    batch_size: int = 8,
) -> list[SimRow]:
    """Rows of the simulator's table: for each length, padding then each packing strategy."""
    lengths = np.asarray(lengths, dtype=np.int64)
    out = []
    for length in pack_lengths:
        out.append(padding_row(lengths, int(length), batch_size))
        for strategy in strategies:
            packing = pack(lengths, int(length), strategy)
            split = 0
            if strategy == "wrapped" and len(packing.rows):
                split = int(np.count_nonzero(np.bincount(packing.rows) > 1))
            out.append(
                SimRow(
                    int(length),
                    strategy,
                    len(packing),
                    packing.tokens,
                    len(packing) * int(length),
                    packing.tokens_lost,
                    split,
                )
            )
    return out
