"""One sanitizer for every piece of data shown to a person: nothing from a row drives a terminal.

A row can hold escape sequences: OSC 0 retitles the terminal, OSC 52 writes the clipboard,
`ESC[2J` clears the screen, CSI moves the cursor, DCS talks to the terminal itself, and the
one-character C1 CSI (U+009B) does the same in terminals that honour C1 controls. Printed raw,
those act instead of showing. So wherever data becomes something printed or drawn (the CLI's
tables and token dumps, the app's cells, previews, views, evidence, errors quoting data), it
goes through `safe_text` first:

- C0 controls other than newline and tab become their Control Pictures (ESC -> `␛`,
  BEL -> `␇`, CR -> `␍`, NUL -> `␀`), DEL becomes `␡`: one column each, like a character;
- C1 controls (U+0080-U+009F) and lone surrogates (which no terminal can even be sent as
  UTF-8) become a code, `<U+009B>`, as `inspector.core.tokens.bytetokens.visible` writes
  invisible characters.

Newline and tab are kept: views that draw one line per row turn them into spaces or marks of
their own. `dumps` is the same rule for JSON output: the data stays exact, but every control
character is written as a `\\u` escape, so `--json` on a terminal shows no raw control either
(`json.dumps(..., ensure_ascii=False)` leaves DEL, C1 controls and lone surrogates raw).
"""

from __future__ import annotations

import json
import re

#: Everything `safe_text` replaces: C0 but tab and newline, DEL, C1, lone surrogates.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
#: The same set plus tab and newline: for text drawn on one line.
UNSAFE_ON_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def placeholder(char: str) -> str:
    """What one unsafe character is shown as (see the module's docstring)."""
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ ... ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def _replace(match: re.Match) -> str:
    return placeholder(match.group())


def safe_text(text: object) -> str:
    """`text` (made a string) with every terminal control shown as a visible placeholder.

    Newline and tab are kept. Plain text comes back as the same object, at the cost of one
    regular-expression search.
    """
    text = text if isinstance(text, str) else str(text)
    if UNSAFE.search(text) is None:
        return text
    return UNSAFE.sub(_replace, text)


def safe_line(text: object) -> str:
    """`safe_text` for one line of a table or list: newline and tab become spaces too."""
    text = text if isinstance(text, str) else str(text)
    if UNSAFE_ON_ONE_LINE.search(text) is None:
        return text
    return UNSAFE_ON_ONE_LINE.sub(
        lambda m: " " if m.group() in "\n\t" else placeholder(m.group()), text
    )


def is_safe(text: str) -> bool:
    """Whether `text` holds nothing `safe_text` would replace."""
    return UNSAFE.search(text) is None


#: What `dumps` escapes after `json.dumps(ensure_ascii=False)`: it already escapes C0 itself.
_JSON_RAW = re.compile("[\x7f-\x9f\ud800-\udfff]")


def dumps(obj, *, indent: int | None = None) -> str:
    """`json.dumps(obj, ensure_ascii=False, indent=indent)` with DEL, C1 controls and lone
    surrogates written as `\\u` escapes: the same JSON value, and no raw control in the text."""
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    if _JSON_RAW.search(text) is None:
        return text
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
