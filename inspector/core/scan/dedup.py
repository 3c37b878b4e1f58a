"""Duplicate groups: exact (normalized text hash), near (MinHash LSH + true Jaccard), semantic.

Every function works on row indices `0..n-1` in the caller's order (the scan numbers rows of
all splits in split order) and returns groups whose first member is the representative: the
earliest row, the one "drop every duplicate but the first" keeps.

- exact: rows whose normalized text hashes equal (`normalize_exact`: NFKC, case folded,
  whitespace runs collapsed; punctuation kept, since it can change meaning in code and maths).
- near: rows whose word 5-gram sets have Jaccard >= 0.8; MinHash LSH proposes pairs and every
  pair is verified on the real sets, so no reported pair is below the threshold. Groups are the
  connected components of verified pairs, so two members of a big group may be less similar
  than the threshold to each other; each member carries its own similarity to the representative.
- semantic: rows whose embeddings have cosine > 0.95.
"""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from collections.abc import Generator, Sequence
from dataclasses import dataclass

import numpy as np

from inspector.core.progress import Progress, check
from inspector.core.scan.shingles import Tokens

#: Jaccard threshold for near duplicates: the default of text-dedup's and datatrove's MinHash
#: deduplication (Lee et al. 2022, "Deduplicating Training Data Makes Language Models Better",
#: also used 0.8 on 5-grams).
NEAR_THRESHOLD = 0.8
#: Word n-gram length of near-duplicate shingles (Lee et al. 2022 and datatrove use 5).
NEAR_NGRAM = 5
#: Cosine threshold for semantic duplicates (SemDeDup, Abbas et al. 2023, keeps pairs within
#: 1 - eps of each other with eps around 0.05 for strong duplicates).
SEMANTIC_THRESHOLD = 0.95
#: Thresholds of the default sweep (how many rows each would remove).
SWEEP = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
#: Rows per block when comparing embeddings all-against-all.
SEMANTIC_BLOCK = 2048


@dataclass(frozen=True, slots=True)
class Group:
    """Duplicate rows; `members[0]` is the representative. `similarity[k]` is member k's
    similarity to the representative (1.0 for exact groups and for the representative)."""

    members: np.ndarray
    similarity: np.ndarray

    def __len__(self) -> int:
        return len(self.members)


def normalize_exact(text: str) -> str:
    """The form exact duplicates are compared in: NFKC, case folded, whitespace collapsed."""
    if not text.isascii():  # ASCII is already NFKC; skipping the call saves a pass per row
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.casefold().split())


def text_hash(text: str) -> int:
    """A 64-bit hash of `normalize_exact(text)` (signed, to fit numpy's int64)."""
    digest = hashlib.blake2b(normalize_exact(text).encode("utf-8", "replace"), digest_size=8)
    return int.from_bytes(digest.digest(), "little", signed=True)


def exact_groups(hashes: np.ndarray, valid: np.ndarray | None = None) -> list[Group]:
    """Groups of rows with equal hashes (rows where `valid` is false take no part).

    A false match would take two different texts with one 64-bit hash: odds about n**2/2**65,
    one in 30 million for a million rows.
    """
    hashes = np.asarray(hashes, dtype=np.int64)
    ids = np.arange(len(hashes)) if valid is None else np.nonzero(valid)[0]
    if len(ids) < 2:
        return []
    order = ids[np.lexsort((ids, hashes[ids]))]
    h = hashes[order]
    bounds = np.nonzero(np.concatenate(([True], h[1:] != h[:-1], [True])))[0]
    groups = [order[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b - a > 1]
    groups.sort(key=lambda g: g[0])
    return [Group(g, np.ones(len(g))) for g in groups]


def components(n: int, pairs: np.ndarray) -> list[np.ndarray]:
    """Connected components (of two rows or more) of an undirected graph on rows 0..n-1."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if len(pairs) == 0:
        return []
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), (n, n))
    _, labels = connected_components(graph, directed=False)
    order = np.argsort(labels, kind="stable")  # stable: members stay in row order
    lab = labels[order]
    bounds = np.nonzero(np.concatenate(([True], lab[1:] != lab[:-1], [True])))[0]
    groups = [order[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b - a > 1]
    groups.sort(key=lambda g: g[0])
    return groups


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """What one near-duplicate threshold would do: `groups` groups, `rows_removed` rows gone."""

    threshold: float
    groups: int
    rows_removed: int

    def to_json(self) -> dict:
        return {
            "threshold": self.threshold,
            "groups": self.groups,
            "rows_removed": self.rows_removed,
        }


@dataclass(frozen=True, slots=True)
class NearResult:
    """Near-duplicate groups at `threshold`, the verified pairs behind them, and the sweep."""

    threshold: float
    groups: list[Group]
    pairs: np.ndarray  # (k, 2) rows, verified at >= the lowest threshold searched
    similarity: np.ndarray  # (k,)
    sweep: list[SweepPoint]
    candidates: int


def _graph_edges(near, min_similarity: float) -> np.ndarray:
    """Edges for components: verified pairs at `min_similarity` plus each copy to its original."""
    keep = near.similarity >= min_similarity
    copies = np.nonzero(near.rep_of != np.arange(len(near.rep_of)))[0]
    copy_edges = np.stack([near.rep_of[copies], copies], axis=1)
    return np.concatenate([near.pairs[keep], copy_edges]).astype(np.int64)


def near_groups(
    shingles: Tokens,
    threshold: float = NEAR_THRESHOLD,
    sweep: Sequence[float] = SWEEP,
    num_perm: int | None = None,
    cancel: threading.Event | None = None,
    pairs=None,
) -> Generator[Progress, None, NearResult]:
    """Near-duplicate groups of rows given their shingle sets; a progress generator.

    LSH is tuned for the lowest of `threshold` and the `sweep` thresholds, so the sweep's
    counts come from the same verified pairs as the groups. `pairs` replaces
    `minhash.near_pairs` (same arguments, same result), e.g. with a cluster's version of it.
    """
    from inspector.core.scan import minhash

    n = len(shingles)
    lowest = min([threshold, *sweep])
    yield Progress("near duplicates", 0, 3)
    check(cancel)
    found = (pairs or minhash.near_pairs)(
        shingles, lowest, num_perm or minhash.DEFAULT_NUM_PERM, cancel=cancel
    )
    yield Progress("near duplicates", 2, 3)
    groups = []
    for members in components(n, _graph_edges(found, threshold)):
        rep = np.full(len(members), members[0])
        sims = minhash.jaccard(shingles, np.stack([rep, members], axis=1))
        groups.append(Group(members, sims))
    points = []
    for t in sorted(set(sweep)):
        comps = components(n, _graph_edges(found, t))
        points.append(SweepPoint(t, len(comps), int(sum(len(c) - 1 for c in comps))))
    yield Progress("near duplicates", 3, 3)
    return NearResult(threshold, groups, found.pairs, found.similarity, points, found.candidates)


def semantic_pairs(
    vectors: np.ndarray,
    threshold: float = SEMANTIC_THRESHOLD,
    cancel: threading.Event | None = None,
    block: int = SEMANTIC_BLOCK,
) -> Generator[Progress, None, tuple[np.ndarray, np.ndarray]]:
    """All pairs `(i, j)`, i < j, of rows whose (L2-normalized) vectors have cosine > threshold.

    Exact, blockwise all-against-all: n**2/2 dot products, a few seconds per 100k rows of
    384-dimensional vectors with a BLAS matmul.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    n = len(vectors)
    found_pairs, found_sims = [], []
    for start in range(0, n, block):
        check(cancel)
        stop = min(start + block, n)
        sims = vectors[start:stop] @ vectors[start:].T
        rows, cols = np.nonzero(sims > threshold)
        cols_global = cols + start
        keep = cols_global > rows + start
        found_pairs.append(np.stack([rows[keep] + start, cols_global[keep]], axis=1))
        found_sims.append(sims[rows[keep], cols[keep]].astype(np.float64))
        yield Progress("semantic duplicates", stop, n)
    if not found_pairs:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0)
    return np.concatenate(found_pairs).astype(np.int64), np.concatenate(found_sims)


def semantic_groups(
    vectors: np.ndarray,
    threshold: float = SEMANTIC_THRESHOLD,
    cancel: threading.Event | None = None,
) -> Generator[Progress, None, list[Group]]:
    """Groups of rows linked by cosine > threshold; a progress generator."""
    vectors = np.asarray(vectors, dtype=np.float32)
    pairs, _ = yield from semantic_pairs(vectors, threshold, cancel)
    groups = []
    for members in components(len(vectors), pairs):
        sims = (vectors[members] @ vectors[members[0]]).astype(np.float64)
        groups.append(Group(members, sims))
    return groups
