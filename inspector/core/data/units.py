"""Script-aware text units: the one definition of "a word" that every analysis counting words uses.

Scripts that put spaces between words (Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari,
Hangul...) give one unit per word: a maximal run of letters, digits and combining marks
(Unicode categories L, N, M). Scripts written without spaces between words (Han, Hiragana,
Katakana, Thai, Lao, Khmer, Myanmar) give one unit per character, a base character with the
combining marks that follow it (a Thai vowel or tone mark stays on its consonant). A whole
Chinese sentence is then never a single "word".

Why characters rather than a word segmenter: a character unit needs no dictionary and no
model, treats Chinese, Japanese and Thai alike, and is what near-duplicate and contamination
shingles need (a two-character edit changes a few character n-grams, whatever a segmenter
would have cut). Segmenters such as jieba (Chinese only, a 20 MB dictionary) or PyThaiNLP
(Thai only) would add a dependency per language for word boundaries that only the length
yardstick below would use, and `CHARS_PER_WORD` covers that.

Hangul counts as spaced: modern Korean puts a space between words (eojeol), so its words are
real units.

Two implementations share one table (`kind_table`): the scan's compiled tokenizer
(`inspector.core.scan.kernels.tokenize`) reads it over UTF-8 bytes, and `split` here uses a
regular expression built from it, so both cut a text into the same units (a test checks it).
This module sits in the data layer, not in the scan, because the flags (repetition, lengths)
and the semantic layer (the TF-IDF encoder's tokens) count units too, and both sit below
the scan.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np

#: Unit kinds in `kind_table`.
NONE, WORD, UNSPACED, MARK = 0, 1, 2, 3

#: Code point ranges of scripts written without spaces between words, and how many of their
#: characters make about one word (the yardstick thresholds counted in words use). Chinese words
#: average 1.5-2 characters (most are one or two), Japanese mixes kanji and kana about the same
#: way; a Thai, Lao, Khmer or Burmese word is about three consonant clusters. Project values,
#: checked on the real Chinese files: their answers' lengths in "word equivalents" fall in the
#: same range as the English files' answers.
UNSPACED_RANGES: tuple[tuple[int, int, float], ...] = (
    (0x0E00, 0x0E7F, 3.0),  # Thai
    (0x0E80, 0x0EFF, 3.0),  # Lao
    (0x1000, 0x109F, 3.0),  # Myanmar
    (0x1780, 0x17FF, 3.0),  # Khmer
    (0x19E0, 0x19FF, 3.0),  # Khmer symbols
    (0x2E80, 0x2FDF, 2.0),  # CJK radicals, Kangxi radicals
    (0x3005, 0x3007, 2.0),  # 々 〆 〇
    (0x3021, 0x3029, 2.0),  # Hangzhou numerals
    (0x3031, 0x3035, 2.0),  # kana repeat marks
    (0x303B, 0x303C, 2.0),
    (0x3040, 0x30FF, 2.0),  # Hiragana, Katakana (with ー)
    (0x3100, 0x312F, 2.0),  # Bopomofo
    (0x31A0, 0x31BF, 2.0),
    (0x31F0, 0x31FF, 2.0),  # Katakana phonetic extensions
    (0x3400, 0x4DBF, 2.0),  # CJK extension A
    (0x4E00, 0x9FFF, 2.0),  # CJK unified ideographs
    (0xF900, 0xFAFF, 2.0),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F, 2.0),  # half-width Katakana
    (0x20000, 0x3FFFF, 2.0),  # CJK extensions B-H, compatibility supplement
)
#: Above the Basic Multilingual Plane, code points in this range are symbols and emoji (no
#: unit); every other one outside `UNSPACED_RANGES` counts as a word character.
SYMBOL_PLANE = (0x1F000, 0x1FAFF)


@functools.cache
def kind_table() -> np.ndarray:
    """For each BMP code point, its unit kind: `NONE`, `WORD`, `UNSPACED` or `MARK`."""
    cats = np.fromiter(
        (ord(unicodedata.category(chr(c))[0]) for c in range(0x10000)),
        dtype=np.uint8,
        count=0x10000,
    )
    table = np.zeros(0x10000, dtype=np.uint8)
    table[(cats == ord("L")) | (cats == ord("N"))] = WORD
    table[cats == ord("M")] = MARK
    for lo, hi, _ in UNSPACED_RANGES:
        if lo < 0x10000:
            seg = slice(lo, hi + 1)
            # Only letters and digits of those blocks are units of their own; their marks
            # attach to the base before them, their punctuation is no unit.
            table[seg] = np.where(table[seg] == WORD, UNSPACED, table[seg])
    return table


def kind_of(cp: int) -> int:
    """The unit kind of one code point (the kernel's rule above the BMP)."""
    if cp < 0x10000:
        return int(kind_table()[cp])
    if 0x20000 <= cp <= 0x3FFFF:
        return UNSPACED
    if SYMBOL_PLANE[0] <= cp <= SYMBOL_PLANE[1]:
        return NONE
    return WORD


def _char_class(kind: int) -> str:
    """A regex character class body listing the BMP code points of one kind, as ranges."""
    table = kind_table()
    where = np.flatnonzero(table == kind)
    if where.size == 0:
        return ""
    breaks = np.flatnonzero(np.diff(where) != 1)
    starts = np.concatenate(([where[0]], where[breaks + 1]))
    ends = np.concatenate((where[breaks], [where[-1]]))
    out = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        out.append(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}")
    return "".join(out)


@functools.cache
def unit_pattern() -> re.Pattern:
    """One unit per match: an unspaced character with its marks, or a run of word characters
    and marks (the same cut the compiled tokenizer makes)."""
    word = _char_class(WORD) + "\U00010000-\U0001efff\U0001fb00-\U0001ffff\U00040000-\U0010ffff"
    mark = _char_class(MARK)
    unspaced = _char_class(UNSPACED) + "\U00020000-\U0003ffff"
    return re.compile(f"[{unspaced}][{mark}]*|[{word}{mark}]+")


@functools.cache
def run_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """Patterns for fast feature extraction: spaced words (starting on a letter or digit),
    runs of unspaced characters, and one unspaced character with its marks."""
    word = _char_class(WORD) + "\U00010000-\U0001efff\U0001fb00-\U0001ffff\U00040000-\U0010ffff"
    mark = _char_class(MARK)
    unspaced = _char_class(UNSPACED) + "\U00020000-\U0003ffff"
    return (
        re.compile(f"[{word}][{word}{mark}]*"),
        re.compile(f"(?:[{unspaced}][{mark}]*)+"),
        re.compile(f"[{unspaced}][{mark}]*"),
    )


def split(text: str) -> list[str]:
    """The units of `text`, as they appear in it (no normalization, no case folding)."""
    return unit_pattern().findall(text)


def spans(text: str) -> list[tuple[int, int]]:
    """The `(start, end)` character offsets of every unit of `text`."""
    return [m.span() for m in unit_pattern().finditer(text)]


def is_unspaced(unit: str) -> bool:
    """Whether a unit is a character of a script written without spaces."""
    return bool(unit) and kind_of(ord(unit[0])) == UNSPACED


def chars_per_word(cp: int) -> float:
    """How many characters of `cp`'s script make about one word (1 for spaced scripts)."""
    for lo, hi, per in UNSPACED_RANGES:
        if lo <= cp <= hi:
            return per
    return 1.0


def word_equivalents(units: list[str]) -> float:
    """About how many words a list of units (from `split`) is: a spaced word counts one, an
    unspaced character `1 / CHARS_PER_WORD` of its script (see `UNSPACED_RANGES`)."""
    total = 0.0
    for u in units:
        total += 1.0 if not is_unspaced(u) else 1.0 / chars_per_word(ord(u[0]))
    return total


def word_count(text: str) -> float:
    """`word_equivalents(split(text))`: the length of any text on an English word yardstick."""
    return word_equivalents(split(text))


def unspaced_share(text: str) -> float:
    """The share of `text`'s units that are unspaced characters (0 for English, ~1 for Chinese)."""
    units = split(text)
    if not units:
        return 0.0
    return sum(1 for u in units if is_unspaced(u)) / len(units)
