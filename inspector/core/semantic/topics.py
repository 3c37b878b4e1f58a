"""Titles for clusters without a language model: class-based TF-IDF keywords and central examples.

A cluster's keywords are the words that are frequent in it and rare in the others (c-TF-IDF, as
in BERTopic): each row counts a word once, a cluster's counts are divided by its size, and
weighted by ``log(1 + A / f)`` where ``A`` is the average number of words per cluster and ``f``
the word's count over all clusters. English stop words and bare numbers are left out. Its
examples are the rows closest (cosine) to the cluster's mean vector.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

#: Fragments that contractions leave behind once apostrophes split words ("don't" -> "don").
_CONTRACTIONS = {
    "don",
    "doesn",
    "didn",
    "isn",
    "aren",
    "wasn",
    "weren",
    "won",
    "wouldn",
    "shouldn",
    "couldn",
    "haven",
    "hasn",
    "ll",
    "ve",
    "re",
    "im",
    "ive",
    "dont",
}
#: Words of two or more letters; digits and underscores excluded, so "42" or "__init__" never
#: become a title.
_WORD = r"(?u)\b[^\W\d_]{2,}\b"
_WORD_RE = re.compile(_WORD)


def _keyword_tokens(text: str) -> list[str]:
    """Candidate keywords: words of two or more letters; in scripts written without spaces
    (Chinese, Japanese, Thai...), where a whole sentence would be one "word", the character
    bigrams of each run instead (most Chinese words are one or two characters)."""
    if text.isascii():
        return _WORD_RE.findall(text)
    from inspector.core.data import units

    _, run_re, char_re = units.run_patterns()
    out = []
    for run in run_re.findall(text):
        cs = char_re.findall(run)
        out.extend(a + b for a, b in zip(cs, cs[1:], strict=False))
    out.extend(_WORD_RE.findall(run_re.sub(" ", text)))
    return out


#: Rows per cluster read for its keywords: enough for stable words, bounded for huge clusters.
DOCS_PER_CLUSTER = 500


@dataclass
class ClusterInfo:
    """One cluster: its id, how big it is, and what it is about."""

    id: int
    size: int
    share: float
    """`size` over all rows clustered (rows with no text included)."""
    keywords: list[str] = field(default_factory=list)
    examples: list[int] = field(default_factory=list)
    """Positions of the most central rows, most central first."""
    example_texts: list[str] = field(default_factory=list)


def keywords_by_class(docs: dict[int, list[str]], top_n: int = 6) -> dict[int, list[str]]:
    """The `top_n` c-TF-IDF keywords of each class of documents (see the module docstring)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    ids = [c for c in docs if docs[c]]
    flat = [d for c in ids for d in docs[c]]
    if not flat:
        return {c: [] for c in docs}
    vec = CountVectorizer(
        binary=True,
        lowercase=True,
        tokenizer=_keyword_tokens,
        token_pattern=None,
        stop_words=sorted(ENGLISH_STOP_WORDS | _CONTRACTIONS),
    )
    try:
        counts = vec.fit_transform(flat).tocsr()
    except ValueError:  # every document was only stop words or numbers
        return {c: [] for c in docs}
    words = vec.get_feature_names_out()
    sizes = np.array([len(docs[c]) for c in ids])
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    per_class = np.vstack(
        [np.asarray(counts[bounds[i] : bounds[i + 1]].sum(axis=0)).ravel() for i in range(len(ids))]
    ).astype(np.float64)
    freq = per_class.sum(axis=0)
    avg = per_class.sum() / len(ids)
    idf = np.log1p(avg / np.maximum(freq, 1))
    scores = per_class / np.maximum(per_class.sum(axis=1, keepdims=True), 1) * idf
    out: dict[int, list[str]] = {c: [] for c in docs}
    for i, c in enumerate(ids):
        top = np.argsort(-scores[i], kind="stable")[:top_n]
        out[c] = [str(words[j]) for j in top if per_class[i, j] > 0]
    return out


def central_members(
    vectors: np.ndarray, members: np.ndarray, k: int = 3, limit: int = 20_000, seed: int = 0
) -> np.ndarray:
    """The `k` members closest to the members' mean direction, most central first.

    A cluster larger than `limit` is judged on a seeded sample of that size, so a cluster of
    millions of memory-mapped rows is never read whole.
    """
    members = np.sort(members)
    if members.size > limit:
        pick = np.random.default_rng(seed).choice(members.size, limit, replace=False)
        members = members[np.sort(pick)]
    if members.size == 0:
        return members
    block = np.asarray(vectors[members], dtype=np.float32)
    centroid = block.mean(axis=0)
    norm = np.linalg.norm(centroid)
    if norm == 0:
        return members[:k]
    sims = block @ (centroid / norm)
    order = np.argsort(-sims, kind="stable")[:k]
    return members[order]


def describe_clusters(
    vectors: np.ndarray,
    labels: np.ndarray,
    text_at: Callable[[Sequence[int]], list[str]],
    *,
    seed: int = 0,
    n_examples: int = 3,
    top_n: int = 6,
) -> list[ClusterInfo]:
    """Size, share, keywords and central examples of every label in `labels` (noise -1 too).

    `text_at(positions)` returns the texts of the given row positions; only a bounded sample
    per cluster is read, so this stays cheap on millions of rows.
    """
    rng = np.random.default_rng(seed)
    total = max(len(labels), 1)
    ids = sorted(int(c) for c in np.unique(labels) if c >= 0)
    if np.any(labels == -1):
        ids.append(-1)
    infos, docs = [], {}
    for c in ids:
        members = np.flatnonzero(labels == c)
        sample = members
        if members.size > DOCS_PER_CLUSTER:
            sample = np.sort(rng.choice(members, DOCS_PER_CLUSTER, replace=False))
        docs[c] = [t for t in text_at(sample) if t]
        central = central_members(vectors, members, n_examples, seed=seed)
        infos.append(
            ClusterInfo(
                id=c,
                size=int(members.size),
                share=members.size / total,
                examples=[int(i) for i in central],
                example_texts=text_at(central),
            )
        )
    words = keywords_by_class(docs, top_n=top_n)
    for info in infos:
        info.keywords = words.get(info.id, [])
    return infos
