"""Text normalization and n-gram shingles shared by near-duplicate and contamination checks.

Normalized units: Unicode NFKC, lower case, then the script-aware units of
`inspector.core.data.units` (a word in scripts written with spaces, one character in Chinese,
Japanese, Thai and the like), so punctuation, spacing and case never make two texts differ,
accented or Indic words are not cut at their marks, and a Chinese sentence is many units, not
one. Tokenizing runs in numba over the UTF-8 bytes of all texts at once; `word_spans` runs the
same kernel on one text to locate evidence, so the two always agree. "Word" in the names below
means such a unit.

A row's shingles are the hashes of its runs of `n` consecutive units (or characters of the
normalized text, runs of unit characters joined by one space). Hashes are stable across
processes and machines, so shingles of a test set and of a dataset can be compared and cached.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

UNITS = ("word", "char")


@dataclass(frozen=True, slots=True)
class Tokens:
    """Per-row token hashes in Arrow's list layout: row `i` is `values[offsets[i]:offsets[i+1]]`."""

    values: np.ndarray  # uint64
    offsets: np.ndarray  # int64, len = rows + 1

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def counts(self) -> np.ndarray:
        return np.diff(self.offsets)

    def row(self, i: int) -> np.ndarray:
        return self.values[self.offsets[i] : self.offsets[i + 1]]


def _word_table() -> np.ndarray:
    from inspector.core.data.units import kind_table

    return kind_table()


def normalize_text(text: str) -> str:
    """NFKC and lower case: the text that words are cut from."""
    return unicodedata.normalize("NFKC", text).lower()


def _encode(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All normalized texts as one UTF-8 byte array plus each text's byte offsets."""
    encoded = [normalize_text(t).encode("utf-8", "replace") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def word_tokens(texts: Sequence[str]) -> Tokens:
    """Every text's normalized units (words, or characters of unspaced scripts), each as a
    stable 64-bit hash."""
    from inspector.core.scan import kernels

    data, offsets = _encode(texts)
    values, out_off, _ = kernels.tokenize(data, offsets, _word_table(), False, False)
    return Tokens(values, out_off)


def char_tokens(texts: Sequence[str]) -> Tokens:
    """Every normalized text (its runs of unit characters joined by single spaces) as hashed
    characters."""
    from inspector.core.scan import kernels

    data, offsets = _encode(texts)
    values, out_off, _ = kernels.tokenize(data, offsets, _word_table(), True, False)
    return Tokens(values, out_off)


def tokens(texts: Sequence[str], unit: str = "word") -> Tokens:
    """Word or character tokens of each text (see the module docstring)."""
    if unit == "word":
        return word_tokens(texts)
    if unit == "char":
        return char_tokens(texts)
    raise ValueError(f"unknown shingle unit {unit!r}; use one of {UNITS}")


def ngrams(toks: Tokens, n: int) -> Tokens:
    """Hashes of each row's runs of `n` tokens, in text order (a shorter row: one run)."""
    from inspector.core.scan import kernels

    if n < 1:
        raise ValueError("n-gram length must be at least 1")
    values, offsets = kernels.ngram_hashes(toks.values, toks.offsets, n)
    return Tokens(values, offsets)


def shingle_bags(texts: Sequence[str], n: int = 5, unit: str = "word") -> Tokens:
    """Each text's shingle hashes in text order, repeats kept: enough for MinHash, and for
    `minhash.jaccard`, which makes sets of only the rows it compares."""
    return ngrams(tokens(texts, unit), n)


def shingle_sets(texts: Sequence[str], n: int = 5, unit: str = "word") -> Tokens:
    """Each text as a set of shingle hashes (sorted, no repeats): the input to Jaccard."""
    from inspector.core.scan import kernels

    grams = ngrams(tokens(texts, unit), n)
    values, offsets = kernels.sort_unique_rows(grams.values, grams.offsets)
    return Tokens(values, offsets)


def word_spans(text: str) -> tuple[str, list[tuple[int, int]], np.ndarray]:
    """One text's normalized form, its units' `(start, end)` offsets in it, and their hashes.

    Used to show evidence (which words of a row overlap a test item); the hashes are the ones
    `word_tokens` gives for the same text.
    """
    from inspector.core.scan import kernels

    norm = normalize_text(text)
    raw = norm.encode("utf-8", "replace")
    data = np.frombuffer(raw, dtype=np.uint8)
    offsets = np.array([0, len(raw)], dtype=np.int64)
    hashes, _, byte_spans = kernels.tokenize(data, offsets, _word_table(), False, True)
    if len(raw) == len(norm):
        spans = [(int(a), int(b)) for a, b in byte_spans]
    else:
        # Map byte offsets to character offsets: count the bytes that start a character.
        starts = np.concatenate(([0], np.cumsum((data & 0xC0) != 0x80)))
        spans = [(int(starts[a]), int(starts[b])) for a, b in byte_spans]
    return norm, spans, hashes
