"""A virtual table: draws only the rows on screen, whatever the number of rows behind it.

`RowTable` is a Line API widget (`ScrollView` + `render_line`): its virtual height is the
number of rows, and each drawn line asks a *provider* for the cells of just the rows in view.
Nothing per dataset row is ever built as a widget, so a million-row dataset paints as fast as
a ten-row one. The first line is a fixed header that stays put while the rows scroll.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from inspector.core.safe_text import safe_line


@dataclass(frozen=True)
class Column:
    """A column: `key` (also its sort key), header `title`, `width` (0 = takes the rest)."""

    key: str
    title: str
    width: int
    right: bool = False


#: Rows drawn kept for redrawing (a screen or two of rows in each cursor/selection state).
STRIP_CACHE = 400
#: A row's cells: column key -> (text, component class name or "").
Cells = dict[str, tuple[str, str]]
Provider = Callable[[Sequence[int]], dict[int, Cells]]


class RowTable(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows of a `RowSet` (global ids in `order`) with a cursor and a current column."""

    BINDINGS = [
        Binding("down,j", "move(1)", "Down", show=False, id="table.down"),
        Binding("up,k", "move(-1)", "Up", show=False, id="table.up"),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False, id="table.page_down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("home", "jump(0)", "First row", show=False, id="table.first"),
        Binding("end,G", "jump(-1)", "Last row", show=False, id="table.last"),
        Binding("right,l", "column(1)", "Next column", show=False, id="table.next_column"),
        Binding("left,h", "column(-1)", "Previous column", show=False, id="table.prev_column"),
        Binding("enter", "activate", "Open row", show=False, id="table.open"),
    ]
    COMPONENT_CLASSES = {
        "row-table--header",
        "row-table--header-current",
        "row-table--cursor",
        "row-table--selected",
        "row-table--keep",
        "row-table--drop",
        "row-table--muted",
        "row-table--flag",
        "row-table--mark",
    }
    DEFAULT_CSS = """
    RowTable { scrollbar-gutter: stable; overflow-x: hidden; }
    RowTable > .row-table--header { background: $panel; text-style: bold; }
    RowTable > .row-table--header-current {
        background: $panel; color: $accent; text-style: bold underline;
    }
    RowTable > .row-table--cursor { background: $primary 40%; }
    RowTable:focus > .row-table--cursor { background: $primary; color: $text; }
    RowTable > .row-table--selected { background: $secondary 40%; }
    RowTable > .row-table--keep { color: $success; }
    RowTable > .row-table--drop { color: $error; text-style: bold; }
    RowTable > .row-table--muted { color: $text-muted; }
    RowTable > .row-table--flag { color: $warning; }
    RowTable > .row-table--mark { color: $accent; text-style: bold; }
    """

    cursor = reactive(0, repaint=False, init=False)
    column = reactive(0, repaint=False, init=False)

    class CursorMoved(Message):
        """The cursor moved to another row (`gid` None when the table is empty); `by_key`:
        moved by the user, not by a new order."""

        def __init__(self, table: RowTable, gid: int | None, by_key: bool = True) -> None:
            super().__init__()
            self.table, self.gid, self.by_key = table, gid, by_key

    class Activated(Message):
        """Enter was pressed on a row."""

        def __init__(self, table: RowTable, gid: int) -> None:
            super().__init__()
            self.table, self.gid = table, gid

    def __init__(self, columns: list[Column], provider: Provider, *, id: str | None = None):
        super().__init__(id=id)
        self.columns = columns
        self.provider = provider
        self.order = np.zeros(0, dtype=np.int64)
        self.selected: set[int] = set()
        self.sort_key: str | None = None
        self.descending = False
        self._frame: dict[int, Cells] = {}
        self._strips: dict[tuple, Strip] = {}
        self._styles: dict[tuple, Style] = {}
        self._center_pending = False
        #: Shown in place of the rows when there are none (why, and how to get rows back).
        self.empty_message = ""

    # -- data ---------------------------------------------------------------------------------

    def set_order(self, order: np.ndarray, cursor: int = 0) -> None:
        """Show these global row ids; put the cursor on position `cursor`."""
        self.order = order
        self.virtual_size = Size(self.size.width, len(order) + 1)
        self.set_reactive(RowTable.cursor, self._clamp(cursor))
        self._center_pending = not self.size.height
        self._scroll_cursor_into_view(center=True)
        self.refresh()
        self.post_message(self.CursorMoved(self, self.cursor_gid, by_key=False))

    @property
    def cursor_gid(self) -> int | None:
        return int(self.order[self.cursor]) if len(self.order) else None

    @property
    def current_column(self) -> Column:
        return self.columns[self.column]

    def _clamp(self, i: int) -> int:
        return max(0, min(int(i), len(self.order) - 1)) if len(self.order) else 0

    # -- movement -----------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self._refresh_position(old)
        self._refresh_position(new)
        self.post_message(self.CursorMoved(self, self.cursor_gid))

    def validate_cursor(self, value: int) -> int:
        return self._clamp(value)

    def watch_column(self) -> None:
        self.refresh()

    def _refresh_position(self, pos: int) -> None:
        y = pos - int(self.scroll_offset.y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _scroll_cursor_into_view(self, center: bool = False) -> None:
        body = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if center:
            top = self.cursor - body // 2
        elif self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + body:
            top = self.cursor - body + 1
        top = max(0, min(top, len(self.order) + 1 - self.size.height))
        if top != int(self.scroll_offset.y):
            self.scroll_to(y=top, animate=False, immediate=True)
            self.refresh()

    def action_move(self, step: int) -> None:
        self.cursor = self._clamp(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self.cursor = self._clamp(self.cursor + direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        self.cursor = self._clamp(where if where >= 0 else len(self.order) - 1)

    def action_column(self, step: int) -> None:
        self.column = (self.column + step) % len(self.columns)

    def action_activate(self) -> None:
        if self.cursor_gid is not None:
            self.post_message(self.Activated(self, self.cursor_gid))

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.cursor = self._clamp(int(self.scroll_offset.y) + event.y - 1)
            if event.chain > 1:
                self.action_activate()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.order) + 1)
        self._scroll_cursor_into_view(center=self._center_pending)
        self._center_pending = False

    # -- drawing ------------------------------------------------------------------------------

    def widths(self, total: int) -> list[int]:
        """Column widths for a line of `total` cells (the flexible column takes the rest)."""
        fixed = sum(c.width for c in self.columns) + len(self.columns)  # one space per column
        rest = max(8, total - fixed - 1)
        return [c.width or rest for c in self.columns]

    def invalidate(self) -> None:
        """The rows' cells changed (decisions, analyses, selection): draw them again."""
        self._strips.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        # A theme switch changes every style: forget what was drawn with the old ones.
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()

    def _style(self, *names: str) -> Style:
        """The widget's style plus component classes' own styles, computed once per theme."""
        style = self._styles.get(names)
        if style is None:
            style = self.rich_style
            for name in names:
                if name:
                    style = style + self.get_component_rich_style(name, partial=True)
            self._styles[names] = style
        return style

    def render_lines(self, crop: Region) -> list[Strip]:
        # Fetch the cells of every row in view that is not drawn yet, in one go.
        top = int(self.scroll_offset.y)
        first = top + max(0, crop.y - 1)
        last = min(len(self.order), top + crop.bottom)
        width = self.scrollable_content_region.width
        missing = [
            gid
            for pos, gid in enumerate(self.order[first:last].tolist(), first)
            if self._key(gid, pos, width) not in self._strips
        ]
        self._frame = self.provider(missing) if missing else {}
        return super().render_lines(crop)

    def _key(self, gid: int, pos: int, width: int) -> tuple:
        return (gid, pos == self.cursor, gid in self.selected, width)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header(width)
        pos = int(self.scroll_offset.y) + y - 1
        if pos >= len(self.order):
            if pos == 0 and self.empty_message:
                style = self._style("row-table--muted")
                return Strip([Segment(" " + _fit(self.empty_message, width - 1), style)])
            return Strip.blank(width, self.rich_style)
        gid = int(self.order[pos])
        key = self._key(gid, pos, width)
        strip = self._strips.get(key)
        if strip is None:
            cells = self._frame.get(gid)
            if cells is None:
                cells = self.provider([gid]).get(gid, {})
            strip = self._strips[key] = self._row(gid, cells, key[1], width)
            if len(self._strips) > STRIP_CACHE:
                self._strips.pop(next(iter(self._strips)))
        return strip

    def _header(self, width: int) -> Strip:
        base = self._style("row-table--header")
        current = self._style("row-table--header-current")
        segments = [Segment(" ", base)]
        for i, (col, w) in enumerate(zip(self.columns, self.widths(width), strict=True)):
            title = col.title
            if self.sort_key == col.key:
                title += " ▼" if self.descending else " ▲"
            segments.append(
                Segment(_fit(title, w, col.right) + " ", current if i == self.column else base)
            )
        return Strip(segments).adjust_cell_length(width, base)

    def _row(self, gid: int, cells: Cells, is_cursor: bool, width: int) -> Strip:
        state = (
            "row-table--cursor"
            if is_cursor
            else "row-table--selected"
            if gid in self.selected
            else ""
        )
        base = self._style(state)
        mark = "●" if gid in self.selected else " "
        segments = [Segment(mark, self._style(state, "row-table--mark"))]
        for col, w in zip(self.columns, self.widths(width), strict=True):
            text, cls = cells.get(col.key, ("", ""))
            # Muted text is chosen for the plain background: on the cursor, the cursor's own
            # colour goes over it (flag and decision colours keep theirs).
            names = (cls, state) if is_cursor and cls == "row-table--muted" else (state, cls)
            segments.append(Segment(_fit(text, w, col.right), self._style(*names)))
            segments.append(Segment(" ", base))
        return Strip(segments).adjust_cell_length(width, base)


def _fit(text: str, width: int, right: bool = False) -> str:
    """`text` cut or padded to exactly `width` cells, terminal controls shown (`safe_line`)."""
    text = safe_line(text)
    if text.isascii():  # one cell per character: plain slicing (the common, fast case)
        if len(text) > width:
            return text[: width - 1] + "…" if width > 1 else text[:width]
        return text.rjust(width) if right else text.ljust(width)
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    return text.rjust(width) if right else set_cell_size(text, width)
