"""The one-line bars framing every view: the view bar on top and the status line below."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from inspector.core.safe_text import safe_line

from ..analyses.state import FAILED, QUEUED, RUNNING

#: The top-level views, their number keys and tab titles (short enough for 80 columns).
VIEWS = (
    ("overview", "1", "overview"),
    ("rows", "2", "rows"),
    ("clusters", "3", "clusters"),
    ("duplicates", "4", "dups"),
    ("contamination", "5", "contam"),
    ("packs", "6", "packs"),
)


class ViewBar(Static):
    """Dataset name and format, then the views with their keys, the current one highlighted."""

    DEFAULT_CSS = """
    ViewBar { height: 1; background: $panel; color: $text; }
    """

    def __init__(self, current: str):
        super().__init__()
        self.current = current

    def on_mount(self) -> None:
        self.update(self.render_bar())

    def render_bar(self) -> Text:
        session = self.app.session
        tabs = [(name, f" {key} {title} ") for name, key, title in VIEWS]
        # The view tabs always fit: a long dataset name is shortened in the middle instead.
        width = self.size.width or self.app.size.width or 80
        fmt = f"{session.ds.format} "
        room = width - sum(len(label) for _, label in tabs) - len(fmt) - 2
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {middle_cut(safe_line(session.name), max(room, 8))} ", style="bold")
        text.append(fmt, style="italic")
        for name, label in tabs:
            text.append(label, style="reverse bold" if name == self.current else "")
        return text

    def on_resize(self) -> None:
        self.update(self.render_bar())


def middle_cut(name: str, room: int) -> str:
    """`name` in at most `room` characters, the cut in the middle (both ends tell names apart)."""
    if len(name) <= room:
        return name
    head = (room - 1) // 2
    return name[:head] + "…" + name[len(name) - (room - 1 - head) :]


class StatusLine(Static):
    """What the view shows (left), a pending key prefix, and the analyses' progress (right)."""

    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $text-muted; }
    """

    def __init__(self):
        super().__init__()
        self.message = ""

    def on_mount(self) -> None:
        self.app.analysis_signal.subscribe(self, lambda _: self.redraw())
        self.app.prefix_signal.subscribe(self, lambda _: self.redraw())
        self.app.hint_signal.subscribe(self, lambda _: self.redraw())
        self.redraw()

    def set_message(self, message: str) -> None:
        self.message = message
        self.redraw()

    def redraw(self) -> None:
        width = max(10, self.size.width or self.app.size.width)
        right = self.analyses_text()
        prefix = " g… " if self.app.prefix else ""
        hint = self.app.hint
        left = f" {hint if hint is not None else self.message}"
        room = width - len(right) - len(prefix)
        if room < 12:  # a narrow terminal: the view's own message matters most
            right, room = "", width - len(prefix)
        left = left[: max(0, room - 1)] + "…" if len(left) > room else left.ljust(room)
        text = Text(no_wrap=True)
        text.append(left)
        text.append(prefix, style="reverse bold")
        text.append(right)
        self.update(text)

    def analyses_text(self) -> str:
        """Running and failed analyses, and how many wait: settled ones need no space."""
        states = list(self.app.analyses.values())
        shown = [s.short() for s in states if s.status in (RUNNING, FAILED)]
        queued = sum(s.status == QUEUED for s in states)
        if queued:
            shown.append(f"+{queued} queued")
        return ("  " + "  ".join(shown) + " ") if shown else " "

    def on_resize(self) -> None:
        self.redraw()
