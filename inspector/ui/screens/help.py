"""`?`: every key of the current view, read from the live bindings (so remaps show too)."""

from __future__ import annotations

import re

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

#: Keys that are not bindings but matter to know (the `g` prefix combinations).
PREFIX_NOTES = (
    ("g d / g a / g c", "drop / keep / clear every selected row"),
    ("g s / g u / g t", "select / unselect / toggle every listed row"),
    ("ctrl+p", "command palette: views, bulk actions, analyses, themes"),
)


def widget_name(node) -> str:
    """A section name for a focused widget's keys: `RowTable` reads "row table"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", type(node).__name__).lower()


def view_name(screen: Screen) -> str:
    """What the help title calls the view: its `HELP_NAME`, else its `VIEW`."""
    return getattr(screen, "HELP_NAME", "") or getattr(screen, "VIEW", "") or "current"


def key_rows(screen: Screen) -> list[tuple[str, str, str, str]]:
    """`(where, keys, description, binding id)` for every binding active on `screen`."""
    grouped: dict[tuple, list] = {}
    app = screen.app
    for key, active in screen.active_bindings.items():
        binding: Binding = active.binding
        ident = (id(active.node), binding.id or binding.action, binding.description)
        entry = grouped.setdefault(ident, [active.node, binding, []])
        entry[2].append(binding.key_display or app.get_key_display(Binding(key, binding.action)))
    rows = []
    for node, binding, keys in grouped.values():
        where = (
            "everywhere" if node is app else ("this view" if node is screen else widget_name(node))
        )
        rows.append(
            (
                where,
                " ".join(dict.fromkeys(keys)),
                binding.description or binding.action,
                binding.id or "",
            )
        )
    order = {"this view": 0, "everywhere": 2}
    rows.sort(key=lambda r: (order.get(r[0], 1), r[0]))
    return rows


class HelpScreen(ModalScreen[None]):
    """The keys of the screen it was opened from."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
        Binding("j", "scroll(1)", "Scroll down", show=False, id="help.down"),
        Binding("k", "scroll(-1)", "Scroll up", show=False, id="help.up"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%;
                                  border: round $primary; background: $surface; }
    """

    def __init__(self, of: Screen):
        super().__init__()
        self.of = of
        self.rows = key_rows(of)

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_edge=False, pad_edge=False, show_header=False)
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("does", ratio=1)
        table.add_column("id", style="dim", no_wrap=True)
        section = None
        rows = [*self.rows, *(("g prefix", k, d, "") for k, d in PREFIX_NOTES)]
        for where, keys, desc, ident in rows:
            if where != section:
                section = where
                table.add_row(Text(where, style="bold underline"), "", "")
            table.add_row(keys, desc, ident)
        title = Text(
            f"Keys of the {view_name(self.of)} view   (escape closes)",
            style="bold",
        )
        with VerticalScroll():
            yield Static(title)
            yield Static(table)

    def action_scroll(self, step: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=step * 3, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
