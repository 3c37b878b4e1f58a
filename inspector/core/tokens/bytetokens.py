"""Byte-fallback tokens (`<0xF0>`, `<0x9F>`...) read back as the characters they spell.

SentencePiece spells a character missing from its vocabulary as one token per UTF-8 byte,
and every one of those tokens maps to the whole character in the offsets. A token view that
prints each token's text would repeat the character once per byte (`👨👨👨👨`); these helpers
let it print the character once, on its last byte, and a mark on the others.
"""

from __future__ import annotations

import re
import unicodedata

_BYTE = re.compile(r"<0x([0-9A-Fa-f]{2})>")


def _utf8_length(lead: int) -> int:
    """How many bytes a UTF-8 sequence starting with `lead` has (0: not a lead byte)."""
    if lead < 0x80:
        return 1
    if 0xC0 <= lead < 0xE0:
        return 2
    if 0xE0 <= lead < 0xF0:
        return 3
    if 0xF0 <= lead < 0xF8:
        return 4
    return 0


def byte_chars(tokens: list[str]) -> dict[int, str]:
    """For each token that is one byte of a multi-byte character: `""` on the leading bytes
    and the decoded character on the last one. Single-byte tokens (`<0x0A>`) and bytes that do
    not form valid UTF-8 are left out: a view shows them as they are."""
    out: dict[int, str] = {}
    i, n = 0, len(tokens)
    while i < n:
        m = _BYTE.fullmatch(tokens[i])
        size = _utf8_length(int(m.group(1), 16)) if m else 0
        if size < 2 or i + size > n:
            i += 1
            continue
        run = [_BYTE.fullmatch(t) for t in tokens[i : i + size]]
        if not all(run):
            i += 1
            continue
        try:
            char = bytes(int(r.group(1), 16) for r in run).decode("utf-8")
        except UnicodeDecodeError:
            i += 1
            continue
        for j in range(i, i + size - 1):
            out[j] = ""
        out[i + size - 1] = visible(char)
        i += size
    return out


def visible(text: str) -> str:
    """`text`, or `<U+200D>`-style codes when every character of it is invisible on its own
    (joiners, variation selectors, combining marks): printed raw, those glue their neighbours
    into one glyph and the terminal's columns stop matching the view's."""
    if text and all(unicodedata.category(c) in ("Cf", "Mn", "Me") for c in text):
        return "".join(f"<U+{ord(c):04X}>" for c in text)
    return text
