"""Near-duplicate pairs by MinHash LSH, every candidate checked by its true Jaccard similarity.

The pipeline, all over flat arrays: shingle sets (`inspector.core.scan.shingles`) -> one MinHash
signature per row (`num_perm` affine permutations of 32-bit shingle hashes) -> LSH banding
(`bands` x `rows_per_band` signature values hashed into bucket keys) -> candidate pairs sharing
a bucket -> exact Jaccard of the two shingle sets -> pairs at or above the threshold.

Because every candidate is verified, LSH only decides recall; so the banding is chosen for
recall first (see `choose_bands`), not to balance false positives against false negatives as
`datasketch.MinHashLSH` does by default.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from inspector.core.scan.shingles import Tokens

#: Permutations per signature; datasketch's and text-dedup's default, a common accuracy/speed
#: balance (standard error of a Jaccard estimate ~ 1/sqrt(128) ~ 0.09 before banding).
DEFAULT_NUM_PERM = 128
#: The probability that a pair exactly at the threshold becomes a candidate, which the banding
#: must reach (a false-negative rate of 0.5% at the threshold, less above it).
RECALL_AT_THRESHOLD = 0.995
#: Buckets larger than this link members in a chain instead of all pairs (a template shared by
#: thousands of rows would otherwise make millions of candidates).
MAX_BUCKET = 64
SEED = 20240531


@dataclass(frozen=True, slots=True)
class Banding:
    """How signatures are cut for LSH: `bands` bands of `rows_per_band` values."""

    bands: int
    rows_per_band: int

    def candidate_probability(self, similarity: float) -> float:
        """The chance a pair with this Jaccard similarity shares at least one bucket."""
        return 1.0 - (1.0 - similarity**self.rows_per_band) ** self.bands


def choose_bands(threshold: float, num_perm: int = DEFAULT_NUM_PERM) -> Banding:
    """The banding that reaches `RECALL_AT_THRESHOLD` at `threshold` with the fewest candidates.

    Among all `(bands, rows_per_band)` that fit in `num_perm`, keep those whose candidate
    probability at the threshold is high enough, and pick the one with the smallest expected
    share of dissimilar pairs (the area under the candidate curve below the threshold), since
    those cost verification time only.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError("the Jaccard threshold must be in (0, 1]")
    xs = np.linspace(0.0, threshold, 256)
    best: tuple[float, Banding] | None = None
    for r in range(1, num_perm + 1):
        banding = Banding(num_perm // r, r)
        if banding.candidate_probability(threshold) < RECALL_AT_THRESHOLD:
            continue
        curve = 1.0 - (1.0 - xs**r) ** banding.bands
        cost = float(np.sum((curve[1:] + curve[:-1]) / 2 * np.diff(xs)))
        if best is None or cost < best[0]:
            best = (cost, banding)
    # r = 1 with num_perm bands always qualifies for any threshold in (0, 1].
    assert best is not None
    return best[1]


def permutations(num_perm: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """The affine permutation parameters `(a, b)`, `a` odd so each is a bijection mod 2**32."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**32, size=num_perm, dtype=np.uint64).astype(np.uint32) | np.uint32(1)
    b = rng.integers(0, 2**32, size=num_perm, dtype=np.uint64).astype(np.uint32)
    return a, b


def signatures(shingles: Tokens, num_perm: int = DEFAULT_NUM_PERM, seed: int = SEED) -> np.ndarray:
    """A `(rows, num_perm)` uint32 MinHash signature matrix."""
    from inspector.core.scan import kernels

    a, b = permutations(num_perm, seed)
    return kernels.minhash_signatures(shingles.values, shingles.offsets, a, b)


def candidate_pairs(
    sig: np.ndarray,
    banding: Banding,
    active: np.ndarray | None = None,
    cancel: threading.Event | None = None,
) -> np.ndarray:
    """Unique `(i, j)` pairs (i < j) of rows sharing a bucket in any band.

    `active` (bool per row) limits the search to some rows, e.g. those with shingles.
    """
    from inspector.core.progress import check
    from inspector.core.scan import kernels

    ids = np.arange(sig.shape[0], dtype=np.int64)
    if active is not None:
        ids = ids[active]
    if len(ids) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    keys = kernels.band_keys(np.ascontiguousarray(sig[ids]), banding.bands, banding.rows_per_band)
    found = []
    for band in range(banding.bands):
        check(cancel)
        found.append(band_pairs(keys[band], ids))
    return unique_pairs(found, sig.shape[0])


def band_pairs(keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The candidate pairs of one band: rows `ids` (ascending) whose bucket `keys` are equal."""
    from inspector.core.scan import kernels

    order = np.argsort(keys, kind="stable")
    return kernels.bucket_pairs(keys[order], ids[order], MAX_BUCKET)


def unique_pairs(found: list[np.ndarray], rows: int) -> np.ndarray:
    """The distinct pairs of every band's candidates, sorted."""
    found = [p for p in found if len(p)]
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    n = np.int64(rows)
    codes = np.unique(pairs[:, 0] * n + pairs[:, 1])
    return np.stack([codes // n, codes % n], axis=1)


def jaccard(shingles: Tokens, pairs: np.ndarray) -> np.ndarray:
    """Exact Jaccard similarity of each pair of rows' shingle sets.

    Rows may hold their shingles in any order, with repeats: only the rows named in `pairs`
    are turned into sorted sets, which is far cheaper than sorting every row up front when,
    as usual, few rows have a candidate.
    """
    from inspector.core.scan import kernels

    if len(pairs) == 0:
        return np.zeros(0, dtype=np.float64)
    rows = np.unique(pairs)
    values, offsets = kernels.sort_unique_subset(shingles.values, shingles.offsets, rows)
    local = np.searchsorted(rows, pairs)
    return kernels.jaccard_pairs(values, offsets, np.ascontiguousarray(local))


@dataclass(frozen=True, slots=True)
class NearPairs:
    """Verified near-duplicate pairs among distinct shingle sets, plus exact copies.

    Rows with identical shingles (the same values, repeated as often, in any order) are
    collapsed onto their first row (`rep_of[i]` is that row; rows without shingles map to
    themselves and pair with nothing), and only those representatives are paired:
    `pairs[k]` (i < j) have Jaccard `similarity[k]`.
    """

    pairs: np.ndarray  # int64 (k, 2), representatives, i < j
    similarity: np.ndarray  # float64 (k,)
    rep_of: np.ndarray  # int64 (rows,)
    candidates: int  # how many candidate pairs LSH produced (for reports and benchmarks)

    def expanded(self) -> tuple[np.ndarray, np.ndarray]:
        """Every row pair implied (copies included), for tests and recall measurements.

        Quadratic in the size of a set of copies: do not call on data with huge copy groups.
        """
        members: dict[int, list[int]] = {}
        for row, rep in enumerate(self.rep_of.tolist()):
            members.setdefault(rep, []).append(row)
        out_pairs, out_sims = [], []
        for rows in members.values():
            for x in range(len(rows)):
                for y in range(x + 1, len(rows)):
                    out_pairs.append((rows[x], rows[y]))
                    out_sims.append(1.0)
        for (i, j), sim in zip(self.pairs.tolist(), self.similarity.tolist(), strict=True):
            for a in members[i]:
                for b in members[j]:
                    out_pairs.append((min(a, b), max(a, b)))
                    out_sims.append(sim)
        return np.array(out_pairs, dtype=np.int64).reshape(-1, 2), np.array(out_sims)


def representatives(shingles: Tokens) -> tuple[np.ndarray, np.ndarray]:
    """`(rep_of, is_rep)`: rows with identical shingles collapsed onto their first row (see
    `NearPairs`), and which rows are representatives that have shingles (the rows LSH pairs)."""
    from inspector.core.scan import kernels

    rows = len(shingles)
    has = shingles.counts() > 0
    set_key = kernels.multiset_hashes(shingles.values, shingles.offsets)
    # The first row of each identical set is its representative. Two different sets with one
    # key would take a 64-bit hash collision (odds about rows**2 / 2**65).
    order = np.lexsort((np.arange(rows), set_key))
    sorted_keys = set_key[order]
    starts = np.ones(rows, dtype=bool)
    starts[1:] = sorted_keys[1:] != sorted_keys[:-1]
    rep_of = np.empty(rows, dtype=np.int64)
    rep_of[order] = order[np.maximum.accumulate(np.where(starts, np.arange(rows), 0))]
    rep_of[~has] = np.nonzero(~has)[0]
    return rep_of, (rep_of == np.arange(rows)) & has


def near_pairs(
    shingles: Tokens,
    threshold: float = 0.8,
    num_perm: int = DEFAULT_NUM_PERM,
    banding: Banding | None = None,
    cancel: threading.Event | None = None,
) -> NearPairs:
    """Pairs of rows whose shingle sets have Jaccard >= `threshold` (up to LSH recall).

    `shingles` may be sets (`shingles.shingle_sets`) or bags in text order
    (`shingles.shingle_bags`, cheaper: nothing is sorted up front). Rows with identical
    shingles are collapsed before LSH, so a row copied a thousand times costs one signature in
    each bucket, never a million candidate pairs.
    """
    banding = banding or choose_bands(threshold, num_perm)
    rep_of, is_rep = representatives(shingles)
    sig = signatures(shingles, num_perm)
    cand = candidate_pairs(sig, banding, active=is_rep, cancel=cancel)
    sim = jaccard(shingles, cand)
    keep = sim >= threshold
    return NearPairs(cand[keep], sim[keep], rep_of, candidates=len(cand))
