"""Rules about the answer itself: empty, very short, echoing the instruction, cut off."""

from __future__ import annotations

import re

from inspector.core.data import units
from inspector.core.data.conversation import USER, Conversation
from inspector.core.flags.base import ERROR, INFO, WARNING, Rule, responses

#: A non-empty answer with fewer words than this is "very short". One word answers are often
#: right ("Pluto."), so this is informational; the default is this project's choice.
SHORT_RESPONSE_WORDS = 2
#: An answer echoes the instruction when the Jaccard similarity of their word 3-gram sets is at
#: least this (near-duplicate level, the same 0.8 as the near-duplicate default) ...
ECHO_JACCARD = 0.8
#: ... and the instruction has at least this many words (shorter ones repeat by accident).
ECHO_MIN_WORDS = 4
#: Truncation is only judged on answers with at least this many words: short answers and list
#: items often end without punctuation. Project choice, tuned on the real datasets in tests.
TRUNCATION_MIN_WORDS = 12
#: Endings that are never a finished sentence: a comma, an opening bracket or a dangling word.
_CUT_END = re.compile(
    r"(?:[,(\[{]|\b(?:and|or|but|the|a|an|of|to|with|for|in|on|as|is|are|was|that|which|because|if))$",
    re.I,
)


_NOT_PROSE = re.compile(r"\s*(?:[-*+#|>—–~•]|\d+[.)]\s|[a-z][.)]\s)")
#: A letter's closing line ("Sincerely," "Best regards,"): a letter may end there, with or
#: without the signature after it.
_CLOSING = re.compile(
    r"^(?:(?:yours )?(?:sincerely|truly|faithfully|respectfully|cordially)(?: yours)?|"
    r"(?:best|kind|warm|warmest|kindest|with)? ?regards|best(?: wishes)?|cheers|thanks|"
    r"thank you|many thanks|all the best|love|with love|warmly|take care|see you soon)[,.!]?$",
    re.IGNORECASE,
)
#: A quotation's attribution at the end of a line: ... ." -C.S. Lewis
_ATTRIBUTION = re.compile(r"""["”'’]\s*[-—–~]+\s*[\w.' ]{2,40}$""")
#: Lines whose end is a sentence's end (or a colon introducing what follows).
_ENDED = re.compile(r"""[.!?:;。！？…)"'”’»\]]$""")
_HASHTAG_END = re.compile(r"#\w+$")


def words(text: str) -> list[str]:
    """Lower-cased units of `text` (`inspector.core.data.units`): words, or single characters
    of a script written without spaces."""
    return units.split(text.lower())


def word_count(text: str) -> float:
    """About how many words `text` has, in any script (`units.word_count`: two Chinese
    characters or three Thai ones count as one word)."""
    return units.word_count(text)


class EmptyResponse(Rule):
    """The answer the model is trained on is empty or whitespace only."""

    codes = {"empty_response": (ERROR, "the answer is empty or whitespace only")}

    def check(self, conv: Conversation):
        for _, loc in responses(conv):
            if loc is not None and not loc.turn.content.strip() and not loc.turn.tool_calls:
                yield self.finding("empty_response", repr(loc.turn.content), loc.where)


class ShortResponse(Rule):
    """A non-empty answer of fewer than `SHORT_RESPONSE_WORDS` words."""

    codes = {"short_response": (INFO, f"the answer has fewer than {SHORT_RESPONSE_WORDS} words")}

    def check(self, conv: Conversation):
        for _, loc in responses(conv):
            if loc is None or loc.turn.tool_calls:
                continue
            text = loc.turn.content.strip()
            # Only a short text can have few words: count words in those alone.
            if text and len(text) < 80 and word_count(text) < SHORT_RESPONSE_WORDS:
                yield self.finding("short_response", text, loc.where)


def _trigrams(tokens: list[str]) -> set[tuple[str, ...]]:
    if len(tokens) < 3:
        return {tuple(tokens)}
    return set(zip(tokens, tokens[1:], tokens[2:], strict=False))


class RepeatsInstruction(Rule):
    """The answer is (nearly) the instruction again.

    For Alpaca rows the instruction field alone is compared, since rewriting tasks legitimately
    answer with an edited copy of the input.
    """

    codes = {"repeats_instruction": (WARNING, "the answer repeats the instruction")}

    def check(self, conv: Conversation):
        # The last user turn before the answer is the instruction being answered.
        instruction = None
        for t in conv.turns:
            if t.role == USER:
                instruction = (t.fields or {}).get("instruction", t.content)
        if instruction is None:
            return
        ask = words(instruction)
        if units.word_equivalents(ask) < ECHO_MIN_WORDS:
            return
        ask_grams = _trigrams(ask)
        for _, loc in responses(conv):
            if loc is None:
                continue
            # Jaccard >= 0.8 needs sets of similar size: skip answers far longer or shorter
            # than the instruction without tokenizing them (a generous 2x bound on characters).
            size = len(loc.turn.content)
            if size > 2 * len(instruction) + 40 or len(instruction) > 2 * size + 40:
                continue
            answer = words(loc.turn.content)
            if not answer:
                continue
            grams = _trigrams(answer)
            jaccard = len(grams & ask_grams) / len(grams | ask_grams)
            if jaccard >= ECHO_JACCARD:
                yield self.finding(
                    "repeats_instruction",
                    f"{jaccard:.2f} word-trigram Jaccard with the instruction: {loc.turn.content}",
                    loc.where,
                )


class TruncatedResponse(Rule):
    """The answer stops mid-sentence: a trailing comma or connective, an unclosed code fence,
    or a long final line of prose with no closing punctuation."""

    codes = {"truncated_response": (WARNING, "the answer looks cut off mid-sentence")}

    def check(self, conv: Conversation):
        for _, loc in responses(conv):
            if loc is None or loc.turn.tool_calls:
                continue
            text = loc.turn.content.rstrip()
            # Enough words at the start settle it; only short answers need a full count.
            if (
                word_count(text[:300]) < TRUNCATION_MIN_WORDS
                and word_count(text) < TRUNCATION_MIN_WORDS
            ):
                continue
            reason = _truncation(text)
            if reason:
                tail = text[-60:]
                yield self.finding(
                    "truncated_response",
                    f"{reason}: …{tail}",
                    loc.where,
                    (len(text) - len(tail), len(text)),
                )


def _signed(lines: list[str]) -> bool:
    """Whether a text ends in a letter's closing, or a short signature after one."""
    if not lines:
        return False
    if _CLOSING.match(lines[-1]):
        return True
    # Up to three short lines (name, title, company) after the closing.
    for k in range(2, min(5, len(lines) + 1)):
        if _CLOSING.match(lines[-k]):
            return all(len(ln.split()) <= 8 for ln in lines[-k + 1 :])
    return False


def _list_like(lines: list[str]) -> bool:
    """Whether the text ends in a run of unpunctuated lines: a list, an address, names."""
    before = lines[-4:-1]
    return len(before) >= 2 and sum(1 for ln in before if not _ENDED.search(ln)) >= 2


def _truncation(text: str) -> str | None:
    if text.count("```") % 2 == 1:
        return "a code block is never closed"
    # Only the end matters; searching an end-anchored pattern over a long text is slow.
    lines = [ln.strip() for ln in text[-2000:].split("\n") if ln.strip()]
    last_line = lines[-1] if lines else ""
    if _signed(lines):
        return None
    if _CUT_END.search(last_line[-40:]):
        return "ends on a dangling word or comma"
    # A last line of several words ending on a letter: prose cut off. Short lines, list items,
    # headings and hashtags end without punctuation all the time; so do numbers and emoji.
    if (
        word_count(last_line) >= 8
        and last_line[-1].isalpha()
        and not _NOT_PROSE.match(last_line)
        and not _HASHTAG_END.search(last_line[-60:])
        and not _list_like(lines)
        and not _ATTRIBUTION.search(last_line[-60:])
    ):
        return "the last sentence has no ending"
    return None
