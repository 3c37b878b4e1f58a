"""Leakage-safe train/validation/test splits: duplicate groups never straddle two splits.

Rows are joined into *units*: the connected components of the duplicate groups (exact, near,
...), so if A is a near copy of B and B an exact copy of C, all three travel together. Units,
not rows, are dealt to splits with a seeded generator: multi-row units first, largest first
(each to the split furthest below its target), then the single rows, shuffled, fill every
split up to its target exactly. With `strata` (cluster ids) the same is done inside each
stratum, so every cluster is spread over the splits in the requested proportions.

Rows are addressed by a *global* index: the input splits' rows one after another, in the
dataset's split order.
"""

from __future__ import annotations

import math

import numpy as np

from inspector.core.errors import InputError

SPLIT_NAMES = ("train", "validation", "test")


def parse_ratios(spec: str) -> tuple[float, ...]:
    """Parse ``"0.85,0.10,0.05"`` (two or three fractions summing to 1); raises `InputError`."""
    try:
        ratios = tuple(float(x) for x in spec.split(",") if x.strip())
    except ValueError:
        raise InputError(f"--split {spec!r}: give fractions like 0.85,0.10,0.05.") from None
    if not all(math.isfinite(r) for r in ratios):
        raise InputError(
            f"--split {spec!r}: every fraction must be a finite number (not nan or inf), "
            "e.g. 0.85,0.10,0.05."
        )
    if not 2 <= len(ratios) <= 3 or any(r < 0 for r in ratios):
        raise InputError(
            f"--split {spec!r}: give two or three non-negative fractions (train, validation"
            "[, test]), e.g. 0.85,0.10,0.05."
        )
    if abs(sum(ratios) - 1.0) > 1e-6:
        raise InputError(f"--split {spec!r}: the fractions add up to {sum(ratios):g}, not 1.")
    return ratios


def quotas(n: int, ratios: tuple[float, ...]) -> np.ndarray:
    """Row counts per split summing to `n`, by largest remainder (ties to the earlier split)."""
    raw = np.asarray(ratios, dtype=float) * n
    if not np.isfinite(raw).all() or (raw < 0).any():
        raise InputError(f"split fractions {list(ratios)} must be finite and non-negative.")
    out = np.floor(raw).astype(np.int64)
    rest = n - int(out.sum())
    order = sorted(range(len(ratios)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[:rest]:
        out[i] += 1
    return out


def units_of(n_rows: int, groups: list[np.ndarray]) -> np.ndarray:
    """Unit id per global row: connected components of the groups (each an array of rows)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    heads, tails = [], []
    for g in groups:
        g = np.asarray(g, dtype=np.int64)
        if g.size > 1:
            heads.append(g[:-1])
            tails.append(g[1:])
    if not heads:
        return np.arange(n_rows, dtype=np.int64)
    a, b = np.concatenate(heads), np.concatenate(tails)
    graph = coo_matrix((np.ones(a.size, dtype=np.int8), (a, b)), shape=(n_rows, n_rows))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def carried_quotas(n: int, ratios, carry: np.ndarray) -> np.ndarray:
    """Quotas for one stratum of `n` rows, rounding with the remainders earlier strata left
    (`carry`, updated in place), so the strata add up to the whole's quotas within one row."""
    raw = np.asarray(ratios, dtype=float) * n + carry
    if not np.isfinite(raw).all():
        raise InputError(f"split fractions {list(ratios)} must be finite.")
    out = np.maximum(np.floor(raw), 0).astype(np.int64)
    while out.sum() > n:
        out[int(np.argmax(out - raw))] -= 1
    order = sorted(range(len(ratios)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[: n - int(out.sum())]:
        out[i] += 1
    carry[:] = raw - out
    return out


def _deal(sizes: np.ndarray, target: np.ndarray, rng) -> np.ndarray:
    """Split index for each unit (given its kept-row count) so split sizes meet `target`."""
    if target.sum() != sizes.sum() or (target < 0).any():  # would never settle below
        raise InputError(f"split quotas {target.tolist()} do not add up to {int(sizes.sum())}.")
    filled = np.zeros(target.size, dtype=np.int64)
    choice = np.full(sizes.size, -1, dtype=np.int8)
    order = rng.permutation(sizes.size)
    big = order[sizes[order] > 1]
    big = big[np.argsort(-sizes[big], kind="stable")]  # largest first, random among equals
    for u in big.tolist():
        k = int(np.argmax(target - filled))  # the split furthest below its quota
        choice[u] = k
        filled[k] += sizes[u]
    singles = order[sizes[order] == 1]
    need = np.maximum(target - filled, 0)
    # Big units can overshoot a quota; then the others get fewer rows than asked, taken from
    # the splits with the most room first.
    while need.sum() > singles.size:
        need[int(np.argmax(need))] -= 1
    while need.sum() < singles.size:
        need[int(np.argmax(target - filled - need))] += 1
    choice[singles] = np.repeat(np.arange(target.size, dtype=np.int8), need)
    return choice


def assign(
    kept: np.ndarray,
    units: np.ndarray,
    ratios: tuple[float, ...],
    seed: int,
    strata: np.ndarray | None = None,
) -> np.ndarray:
    """Output split per global row (-1 for rows not kept).

    `kept` is a boolean mask, `units` the unit id per row (`units_of`), `strata` an optional
    stratum id per row (a unit's stratum is that of its first kept row).
    """
    rng = np.random.default_rng(seed)
    out = np.full(kept.size, -1, dtype=np.int8)
    rows = np.flatnonzero(kept)
    if rows.size == 0:
        return out
    _, first, inverse, sizes = np.unique(
        units[rows], return_index=True, return_inverse=True, return_counts=True
    )
    choice = np.full(sizes.size, -1, dtype=np.int8)
    if strata is None:
        choice[:] = _deal(sizes, quotas(int(sizes.sum()), ratios), rng)
    else:
        unit_stratum = strata[rows[first]]
        carry = np.zeros(len(ratios))
        for s in np.unique(unit_stratum).tolist():
            members = np.flatnonzero(unit_stratum == s)
            target = carried_quotas(int(sizes[members].sum()), ratios, carry)
            choice[members] = _deal(sizes[members], target, rng)
    out[rows] = choice[inverse.reshape(-1)]
    return out


def crossing(groups: list[np.ndarray], split_of_row: np.ndarray) -> int:
    """How many groups have kept members (split >= 0) in more than one split."""
    n = 0
    for g in groups:
        where = split_of_row[np.asarray(g, dtype=np.int64)]
        where = where[where >= 0]
        if where.size > 1 and (where != where[0]).any():
            n += 1
    return n
