"""Benchmark contamination: which rows contain test items, by word n-gram overlap or near match.

- n-gram overlap: a row is contaminated when it shares a run of `n` normalized units (13 by
  default, as GPT-3's decontamination did, Brown et al. 2020 appendix C; units are words, or
  characters of scripts written without spaces, see `inspector.core.data.units`) with a test
  item. Each hit carries the longest overlapping run, cut from the row's normalized text.
- short items: a test item, or one piece of it (a turn of a multi-turn item, one of its text
  fields), shorter than `n` units is contaminating when its whole normalized text occurs as
  one run inside a row (kind ``"ngram"``, the run as evidence), if it is at least
  `MIN_SHORT_ITEM_WORDS` words long (in word equivalents, `units.word_count`); a shorter
  piece ("Prove the Pythagorean theorem.") only when a user turn of the row (or an Alpaca
  instruction) equals it (kind ``"prompt"``). Instruction benchmarks are mostly such short
  items. False positives measured on unrelated data: 0 hits of the LLaMA-Factory Alpaca demo
  (999 rows) against MT-Bench's 160 turns and against GSM8K (tests/core/test_contamination.py).
- near match: a row whose word 5-gram set has Jaccard >= 0.8 with a test item's (a lightly
  edited copy), found with the same MinHash LSH and exact verification as near duplicates.

A test set is any file `inspector.core.data.load` reads; its text columns are found automatically
(string columns, or lists of strings, whose values average `MIN_FIELD_CHARS` characters or
more) or named with `fields`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inspector.core.errors import InputError
from inspector.core.scan import shingles

#: n-gram length for overlap (GPT-3's 13-gram decontamination; also used by the Llama 2 and
#: OLMo contamination analyses as the common baseline).
NGRAM = 13
#: A test item (or piece) shorter than `NGRAM` units is matched as a whole run inside a row if
#: it is at least this many words long (word equivalents); shorter ones ("Yes", "Paris",
#: "Can you parallelize it?") would match everywhere, and count only when a prompt equals them.
MIN_SHORT_ITEM_WORDS = 5
#: Jaccard threshold for a near match (the near-duplicate default).
NEAR_THRESHOLD = 0.8
#: Word n-gram length of near-match shingles (the near-duplicate default).
NEAR_NGRAM = 5
#: A column is text when its values average at least this many characters (ids and labels
#: such as "HumanEval/0" or "writing" are shorter).
MIN_FIELD_CHARS = 20
#: Characters of a test item kept in a hit.
ITEM_CHARS = 500


@dataclass(frozen=True, slots=True)
class TestSet:
    """The items of one test file: `texts[i]` is item i's text fields joined by blank lines;
    `parts[i]` its pieces (each field's value, each element of a list field such as
    MT-Bench's turns), matched one by one when short (None: each text is one piece)."""

    name: str
    path: str
    fields: list[str]
    texts: list[str]
    parts: list[list[str]] | None = None

    def __len__(self) -> int:
        return len(self.texts)

    def pieces(self, i: int) -> list[str]:
        """Item `i`'s whole text and, when it has several, each of its pieces."""
        parts = self.parts[i] if self.parts is not None else []
        return [self.texts[i]] + (parts if len(parts) > 1 else [])


def _as_parts(value) -> list[str]:
    """A cell's text pieces: a string, or each string (or message content) of a list."""
    if isinstance(value, str):
        return [value]
    parts = []
    if isinstance(value, list):
        for v in value:
            if isinstance(v, str):
                parts.append(v)
            elif isinstance(v, dict):
                c = v.get("content", v.get("value"))
                if isinstance(c, str):
                    parts.append(c)
    return parts


def _as_text(value) -> str:
    """A cell as text: strings as they are, lists of strings (or of messages) joined."""
    return "\n\n".join(_as_parts(value))


def load_test_set(path: str | Path, fields: Sequence[str] | None = None) -> TestSet:
    """Read a test file (any loadable format) and pick its text fields; raises `InputError`."""
    from inspector.core.data.load import load

    path = Path(path)
    loaded = load(path)
    tables = [loaded.splits[s] for s in loaded.splits]
    columns = tables[0].column_names
    if fields:
        missing = [f for f in fields if f not in columns]
        if missing:
            raise InputError(
                f"{path}: no column {', '.join(map(repr, missing))} to compare against; its "
                f"columns are {', '.join(columns)}."
            )
        chosen = list(fields)
    else:
        sample = tables[0].select(range(min(200, tables[0].num_rows)))
        chosen = []
        for col in columns:
            values = [_as_text(v) for v in sample[col]]
            if values and sum(map(len, values)) / len(values) >= MIN_FIELD_CHARS:
                chosen.append(col)
        if not chosen:
            raise InputError(
                f"{path}: found no text column to compare against (columns: "
                f"{', '.join(columns)}); name one with --against-field."
            )
    texts, pieces = [], []
    for table in tables:
        for row in table.select_columns(chosen).iter(batch_size=1000):
            n = len(row[chosen[0]])
            for i in range(n):
                parts = [p for c in chosen for p in _as_parts(row[c][i]) if p.strip()]
                texts.append("\n\n".join(parts))
                pieces.append(parts)
    return TestSet(path.name, str(path), chosen, texts, pieces)


@dataclass(frozen=True, slots=True)
class Hit:
    """Row `row` (the caller's index) contains test item `item` of test set `against`."""

    row: int
    against: str
    item: int
    item_text: str
    kind: str  # "ngram", "prompt" (a prompt equals a short item) or "near"
    ngram: str  # the overlapping run (prompt: the prompt; near matches: the row's start)
    similarity: float | None = None  # near matches: Jaccard

    def to_json(self) -> dict:
        out = {
            "against": self.against,
            "item": self.item,
            "item_text": self.item_text,
            "kind": self.kind,
            "ngram": self.ngram,
        }
        if self.similarity is not None:
            out["similarity"] = round(self.similarity, 4)
        return out


class NgramIndex:
    """The n-gram hashes of a test set, sorted, each with the item it came from (an n-gram
    shared by several items appears once per item); the whole-run hashes of its short pieces
    (`short_lengths` lists their lengths in units); and `exact`, the hashes of pieces too
    short to be searched inside rows, which only an equal prompt matches."""

    def __init__(self, test: TestSet, n: int = NGRAM):
        from inspector.core.data import units

        self.test = test
        self.n = n
        pieces, piece_item, is_part = [], [], []
        for i in range(len(test)):
            for k, piece in enumerate(test.pieces(i)):  # the whole item first
                pieces.append(piece)
                piece_item.append(i)
                is_part.append(k > 0)
        piece_item = np.array(piece_item, dtype=np.int64)
        toks = shingles.word_tokens(pieces)
        counts = toks.counts()
        grams = shingles.ngrams(toks, n)
        # Pieces of n units or more give their n-grams; shorter ones a single whole-run hash,
        # searched inside rows when long enough, else kept for prompt equality only.
        per_piece = np.diff(grams.offsets)
        item_of = np.repeat(piece_item, per_piece)
        short = counts < n
        long_enough = np.array(
            [
                bool(s) and units.word_count(p) >= MIN_SHORT_ITEM_WORDS
                for p, s in zip(pieces, short, strict=True)
            ],
            dtype=bool,
        )
        tiny = short & ~long_enough & (counts > 0)
        # A long piece's n-grams are already among its whole item's.
        keep = ~np.repeat(tiny | (~short & np.array(is_part, dtype=bool)), per_piece)
        order = np.lexsort((item_of[keep], grams.values[keep]))
        self.hashes = grams.values[keep][order]
        self.items = item_of[keep][order]
        self.short_lengths = sorted(set(counts[short & long_enough].tolist()))
        self.exact: dict[int, list[int]] = {}
        for p in np.flatnonzero(tiny).tolist():
            held = self.exact.setdefault(int(grams.values[grams.offsets[p]]), [])
            if int(piece_item[p]) not in held:
                held.append(int(piece_item[p]))

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Whether each n-gram hash occurs in some test item."""
        if len(self.hashes) == 0:
            return np.zeros(len(values), dtype=bool)
        pos = np.minimum(np.searchsorted(self.hashes, values), len(self.hashes) - 1)
        return self.hashes[pos] == values

    def items_of(self, value) -> np.ndarray:
        """The test items holding one n-gram hash."""
        lo = np.searchsorted(self.hashes, value, "left")
        hi = np.searchsorted(self.hashes, value, "right")
        return self.items[lo:hi]


def ngram_hits(
    texts: Sequence[str],
    index: NgramIndex,
    first_row: int = 0,
    prompts: Sequence[Sequence[str]] | None = None,
) -> list[Hit]:
    """Rows of `texts` (numbered from `first_row`) sharing an n-gram with a test item, or
    holding a short item whole; with `prompts` (each row's user turns), also rows one of
    whose prompts equals a test piece too short to be searched inside text.

    A row matching several items is reported with the one sharing most of its n-grams, and
    the evidence is the longest run of units the row shares with that item.
    """
    toks = shingles.word_tokens(texts)
    found: dict[int, tuple[int, int, int, int]] = {}  # row -> (grams shared, item, start, words)
    for n in [index.n, *index.short_lengths]:
        grams = shingles.ngrams(toks, n)
        hit = index.contains(grams.values)
        if not hit.any():
            continue
        row_of = np.repeat(np.arange(len(texts)), np.diff(grams.offsets))
        for r in np.unique(row_of[hit]).tolist():
            lo, hi = grams.offsets[r], grams.offsets[r + 1]
            values = grams.values[lo:hi]
            holders = [
                set(index.items_of(v).tolist()) if h else set()
                for v, h in zip(values, hit[lo:hi], strict=True)
            ]
            votes: dict[int, int] = {}
            for held in holders:
                for item in held:
                    votes[item] = votes.get(item, 0) + 1
            item = min(votes, key=lambda i: (-votes[i], i))
            start, words = _longest_run([item in held for held in holders], n)
            if r not in found or votes[item] > found[r][0]:
                found[r] = (votes[item], item, start, words)
    hits = []
    if prompts is not None and index.exact:
        hits.extend(_prompt_hits(prompts, index, first_row, set(found)))
    for r, (_, item, start, words) in sorted(found.items()):
        norm, spans, _ = shingles.word_spans(texts[r])
        end = min(start + words, len(spans)) - 1
        overlap = norm[spans[start][0] : spans[end][1]] if spans else ""
        text = index.test.texts[item][:ITEM_CHARS]
        hits.append(Hit(first_row + r, index.test.name, item, text, "ngram", overlap))
    return sorted(hits, key=lambda h: h.row)


def _prompt_hits(prompts, index: NgramIndex, first_row: int, skip: set[int]) -> list[Hit]:
    """Rows one of whose prompts, normalized, is exactly a short test piece."""
    flat, row_of = [], []
    for r, texts in enumerate(prompts):
        if r in skip:
            continue
        for t in texts:
            flat.append(t)
            row_of.append(r)
    if not flat:
        return []
    whole = shingles.ngrams(shingles.word_tokens(flat), 1 << 30)
    out, seen = [], set()
    for k, r in enumerate(row_of):
        lo, hi = whole.offsets[k], whole.offsets[k + 1]
        if hi == lo or r in seen:
            continue
        items = index.exact.get(int(whole.values[lo]))
        if items:
            seen.add(r)
            item = min(items)
            norm = shingles.normalize_text(flat[k]).strip()
            text = index.test.texts[item][:ITEM_CHARS]
            out.append(Hit(first_row + r, index.test.name, item, text, "prompt", norm))
    return out


def _longest_run(matched: list[bool], n: int) -> tuple[int, int]:
    """The longest run of consecutive matching n-grams, as (first word, words covered):
    `k` consecutive n-grams cover `k + n - 1` words."""
    best = (0, 0)
    k = 0
    while k < len(matched):
        if not matched[k]:
            k += 1
            continue
        j = k
        while j + 1 < len(matched) and matched[j + 1]:
            j += 1
        if j - k + n > best[1]:
            best = (k, j - k + n)
        k = j + 1
    return best


def near_hits(
    row_shingles: shingles.Tokens,
    text_of: Callable[[int], str],
    test: TestSet,
    threshold: float = NEAR_THRESHOLD,
    cancel: threading.Event | None = None,
    pairs=None,
) -> list[Hit]:
    """Rows whose word 5-gram set has Jaccard >= `threshold` with a test item's.

    `row_shingles` are the rows' word 5-grams (`shingles.shingle_bags(texts, 5)` or sets);
    `text_of(row)` gives a row's text, asked only for the rows that match. `pairs` replaces
    `minhash.near_pairs` (see `dedup.near_groups`).
    """
    from inspector.core.scan import minhash

    item_sets = shingles.shingle_sets(test.texts, NEAR_NGRAM)
    n_rows = len(row_shingles)
    both = shingles.Tokens(
        np.concatenate([row_shingles.values, item_sets.values]),
        np.concatenate([row_shingles.offsets, item_sets.offsets[1:] + row_shingles.offsets[-1]]),
    )
    found = (pairs or minhash.near_pairs)(both, threshold, cancel=cancel)
    # Rows with identical shingle sets were collapsed onto one representative: expand them.
    groups: dict[int, list[int]] = {}
    for i, rep in enumerate(found.rep_of.tolist()):
        groups.setdefault(rep, []).append(i)
    best: dict[int, tuple[float, int]] = {}

    def consider(a: int, b: int, sim: float) -> None:
        if b < n_rows <= a:
            a, b = b, a
        if a < n_rows <= b and (a not in best or sim > best[a][0]):
            best[a] = (sim, b - n_rows)

    for group in groups.values():
        items = [g for g in group if g >= n_rows]
        if items:
            for g in group:
                consider(g, items[0], 1.0)
    for (i, j), sim in zip(found.pairs.tolist(), found.similarity.tolist(), strict=True):
        for a in groups[i]:
            for b in groups[j]:
                consider(a, b, sim)
    return [
        Hit(row, test.name, item, test.texts[item][:ITEM_CHARS], "near", text_of(row)[:200], sim)
        for row, (sim, item) in sorted(best.items())
    ]
