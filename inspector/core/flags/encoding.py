"""Broken text encoding: mojibake (UTF-8 read as Latin-1/cp1252) and invisible control chars."""

from __future__ import annotations

import re
import unicodedata

from inspector.core.data.conversation import Conversation
from inspector.core.flags.base import WARNING, Rule, turns_of

#: Sequences that appear when UTF-8 bytes are decoded as cp1252 or Latin-1: a lead character
#: Ã/Â/â/Ð/Ñ/ð followed by what was a continuation byte, or `â€` (the start of every
#: mis-decoded general punctuation mark: quotes, dashes, ellipsis). U+FFFD marks bytes that were
#: not valid UTF-8 at all. The same signals ftfy's "badness" heuristic relies on.
MOJIBAKE = re.compile(
    "â€[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc\u2013\u2014"
    "\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]?"
    "|[ÃÂ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u2013\u2014\u2018-\u201e"
    "\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
    "|[ÐÑ][\u0080-\u00bf\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
    "|\ufffd"
)
#: C0/C1 control characters other than tab, newline and carriage return; zero-width and
#: bidirectional-override characters; a byte-order mark inside text.
CONTROL = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]"
)

#: Zero-width non-joiner and joiner: invisible, but part of correct text between emoji
#: (👨‍👩‍👧, 🏳️‍🌈) and in scripts that use them (Persian, Devanagari, Malayalam...).
JOINERS = {"\u200c", "\u200d"}


def _joins(c: str) -> bool:
    """Whether `c` may stand beside a joiner: an emoji or its modifiers (skin tones, variation
    selectors, the keycap), or a letter or mark of a script other than Latin."""
    if c in "\ufe0e\ufe0f\u20e3" or "\U0001f3fb" <= c <= "\U0001f3ff":
        return True
    kind = unicodedata.category(c)
    return kind == "So" or (kind[0] in "LM" and ord(c) >= 0x370)


def control_chars(text: str) -> list[re.Match]:
    """The control characters of `text` worth a flag (joiners inside emoji or words are not)."""
    found = []
    for m in CONTROL.finditer(text):
        i = m.start()
        if (
            m.group() in JOINERS
            and 0 < i < len(text) - 1
            and _joins(text[i - 1])
            and _joins(text[i + 1])
        ):
            continue
        found.append(m)
    return found


class Encoding(Rule):
    """Mojibake and control characters in any turn."""

    codes = {
        "mojibake": (WARNING, "text garbled by a wrong encoding (e.g. 'Ã©' for 'é')"),
        "control_chars": (WARNING, "invisible control, zero-width or bidi characters"),
    }

    def check(self, conv: Conversation):
        for loc in turns_of(conv):
            text = loc.turn.content
            m = MOJIBAKE.search(text)
            if m:
                lo, hi = max(0, m.start() - 20), min(len(text), m.end() + 20)
                yield self.finding("mojibake", text[lo:hi], loc.where, m.span())
            found = control_chars(text) if CONTROL.search(text) else []
            if found:
                m = found[0]
                yield self.finding(
                    "control_chars",
                    f"U+{ord(m.group()):04X} ({len(found)} in this turn)",
                    loc.where,
                    m.span(),
                )
