"""Which words of a text differ from another's: what the duplicates view marks.

Two near duplicates are mostly the same words; what tells them apart (a changed number, a
swapped name, a sentence added) is a handful of words in thousands. The texts are compared
word by word (`difflib.SequenceMatcher`, no junk heuristic: repeated words are content here),
and the words of `other` that are not matched in `base` are the ones to mark.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from rich.style import Style
from rich.text import Text

_TOKENS = re.compile(r"\S+|\s+")
#: Words compared at most (longer texts are cut: the view shows their start anyway).
MAX_WORDS = 4000


def words(text: str) -> list[str]:
    return text.split()[:MAX_WORDS]


def differing(base: str, other: str) -> set[int]:
    """Indices (among `other`'s words) of the words not matched in `base`."""
    a, b = words(base), words(other)
    out: set[int] = set()
    for tag, _i1, _i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            out.update(range(j1, j2))
    return out


def marked(text: str, marks: set[int], style: Style | str) -> Text:
    """`text` with its words at the indices `marks` styled (whitespace and line breaks kept)."""
    out = Text()
    word = 0
    for token in _TOKENS.findall(text):
        if token.isspace():
            out.append(token)
            continue
        out.append(token, style if word in marks else "")
        word += 1
    return out
