"""Heavy repetition in an answer, measured the way the Gopher quality rules measure it.

Rae et al. 2021 ("Scaling Language Models: Methods, Analysis & Insights from Training Gopher",
appendix A, table A1) drop documents whose repeated lines, or most frequent / duplicated word
n-grams, cover too much of the text. The thresholds below are that table's; the statistics
are computed here per assistant turn rather than per web page. Gopher's third family, the
share of characters inside any repeated 5- to 10-gram, is left out: on instruction data it
fires on ordinary worked answers that restate a phrase (a third of the alpaca demo's long
answers), which is not the "heavy repetition" worth a look.

Words are the script-aware units of `inspector.core.data.units`, and lengths are counted in
word equivalents, so a Chinese answer is judged like an English one: its n-grams are runs of
`n * UNSPACED_NGRAM_SCALE` characters (a two-character Chinese word is about one English word).
"""

from __future__ import annotations

import re
from collections import Counter

from inspector.core.data import units
from inspector.core.data.conversation import Conversation
from inspector.core.flags.base import WARNING, Rule, model_turns

#: Gopher: a document is repetitive when lines repeating an earlier line are more than 30% of
#: its lines, or hold more than 20% of its characters.
DUP_LINE_FRACTION = 0.30
DUP_LINE_CHAR_FRACTION = 0.20
#: Gopher: the most frequent 2-, 3-, 4-gram may cover at most 20%, 18%, 16% of the characters.
TOP_NGRAM_CHAR_FRACTION = {2: 0.20, 3: 0.18, 4: 0.16}
#: Gopher only judges documents of 50 words or more; shorter answers repeat by chance.
MIN_WORDS = 50
#: Lines are only compared when there are this many, and only lines of 3+ words count, so a
#: code block's repeated `}` or `return` lines are not mistaken for repetition (project choice).
MIN_LINES = 4
MIN_LINE_WORDS = 3
#: In text made mostly of unspaced-script characters, a word n-gram is this many times `n`
#: characters long (Chinese and Japanese words average about two characters).
UNSPACED_NGRAM_SCALE = 2


_CODE_BLOCK = re.compile(r"```.*?(?:```|$)", re.DOTALL)


def _starts(words: list[str], gram: tuple[str, ...]) -> list[int]:
    n = len(gram)
    return [i for i in range(len(words) - n + 1) if tuple(words[i : i + n]) == gram]


def _non_overlapping(starts: list[int], n: int) -> int:
    """Occurrences of an n-gram that share no word: "word word" occurs 500 times, not 999, in
    "word " * 1000, so its coverage is the characters it really spans, never over 100%."""
    count, free = 0, 0
    for i in starts:
        if i >= free:
            count, free = count + 1, i + n
    return count


def _repeated_unit(words: list[str], starts: list[int], n: int) -> tuple[str, ...]:
    """The phrase that repeats: from one occurrence of the n-gram up to its most common next
    one (shorter than the n-gram when it overlaps itself: "word" in "word word word")."""
    gaps = Counter(b - a for a, b in zip(starts, starts[1:], strict=False))
    if gaps:
        gap = gaps.most_common(1)[0][0]
        if 1 <= gap <= 40:
            return tuple(words[starts[0] : starts[0] + gap])
    return tuple(words[starts[0] : starts[0] + n])


def repetition(text: str) -> str | None:
    """Which Gopher repetition limit the text exceeds, in words, or None.

    Fenced code blocks are left out: code repeats lines and tokens by nature.
    """
    if "```" in text:
        text = _CODE_BLOCK.sub(" ", text)
    words = units.split(text.lower())
    if units.word_equivalents(words) < MIN_WORDS:
        return None
    lines = [ln.strip() for ln in text.splitlines() if units.word_count(ln) >= MIN_LINE_WORDS]
    if len(lines) >= MIN_LINES:
        seen: set[str] = set()
        dup_lines = dup_chars = 0
        for ln in lines:
            if ln in seen:
                dup_lines += 1
                dup_chars += len(ln)
            seen.add(ln)
        total_chars = sum(len(ln) for ln in lines)
        if (
            dup_lines / len(lines) > DUP_LINE_FRACTION
            or dup_chars / total_chars > DUP_LINE_CHAR_FRACTION
        ):
            top, count = Counter(lines).most_common(1)[0]
            return (
                f"{dup_lines} of {len(lines)} lines repeat an earlier line (e.g. {count}x {top!r})"
            )
    lengths = [len(w) for w in words]
    total = sum(lengths)
    unspaced = sum(1 for w in words if units.is_unspaced(w)) * 2 > len(words)
    joiner = "" if unspaced else " "
    for n, limit in TOP_NGRAM_CHAR_FRACTION.items():
        if unspaced:
            n *= UNSPACED_NGRAM_SCALE
        grams = Counter(zip(*(words[i:] for i in range(n)), strict=False))
        gram, count = grams.most_common(1)[0]
        if count < 2:
            continue
        starts = _starts(words, gram)
        count = _non_overlapping(starts, n)
        covered = count * sum(len(w) for w in gram)
        if count > 1 and covered / total > limit:
            unit = _repeated_unit(words, starts, n)
            if len(unit) < n:  # the n-gram overlaps itself: say how often the unit repeats
                count = _non_overlapping(_starts(words, unit), len(unit))
            share = f"{joiner.join(gram)!r} covers {covered / total:.0%}"
            return f"{joiner.join(unit)!r} repeated {count}x ({share})"
    return None


class Repetition(Rule):
    """An assistant turn that repeats itself heavily (Gopher repetition rules); tool-call
    turns are skipped (their JSON repeats keys by design)."""

    codes = {"repetition": (WARNING, "the answer repeats itself heavily")}

    def check(self, conv: Conversation):
        for loc in model_turns(conv):
            if loc.turn.tool_calls:
                continue
            reason = repetition(loc.turn.content)
            if reason:
                yield self.finding("repetition", reason, loc.where)
