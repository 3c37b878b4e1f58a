"""The app's last line of defence against terminal controls: a filter over every drawn line.

Data is made visible where it becomes a renderable (`inspector.core.safe_text`: `␛`,
`<U+009B>`), which keeps the layout right because the placeholders are measured like any text.
Whatever a future widget forgets to pass through it would still reach the terminal raw, so
the app (`InspectorApp.get_line_filters`) also runs this Textual line filter over every
strip it draws: it removes C0/C1
controls and DEL from the text of each segment (a terminal control takes no cell, so the line
keeps its width) and turns a lone surrogate into U+FFFD (one cell, as before). Segments
Textual marks as control codes (cursor moves) are its own and pass untouched.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_ANY = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _clean(text: str) -> str:
    return _SURROGATES.sub("\ufffd", _CONTROLS.sub("", text))


class NoControls(LineFilter):
    """Drop terminal controls from drawn text, keeping every line's width (see module)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(not s.control and _ANY.search(s.text) for s in segments):
            return segments
        return [
            s if s.control or not _ANY.search(s.text) else Segment(_clean(s.text), s.style)
            for s in segments
        ]
