"""`?`: how the app works, then the keys of the current view and the keys that work everywhere.

The keys are read from the live bindings, so a keymap file's remaps show (see `ui/keymap.py`).
Only the app's own bindings are listed, each with its description: Textual's generic ones
(focus next, copy selected text, scroll left...) are not what a user of this app needs, and
binding ids are shown only on request (`i`), for writing a keymap file.
"""

from __future__ import annotations

import re

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

#: The day in five lines: what a first `?` must teach.
HOW_IT_WORKS = (
    ("look", "2 shows every row; / searches, f filters"),
    ("open", "enter opens a row: text, tokens, flags, related rows"),
    ("decide", "d drops a row, a keeps it: saved at once, U undoes"),
    ("in bulk", "b drops a whole filter, cluster or duplicate kind"),
    ("export", "e writes the kept rows, filtered, tokenized, packed"),
)

#: Keys that are not bindings but matter to know (the `g` prefix combinations).
PREFIX_NOTES = (
    ("g d, a, c", "drop / keep / clear every selected row"),
    ("g s, u, t", "select / unselect / toggle every listed row"),
    ("ctrl+p", "command palette: views, bulk actions, analyses, encoder, themes"),
)


#: How the sections of keys are titled.
SECTION_TITLES = {
    "this view": "Keys of this view",
    "everywhere": "Keys everywhere",
    "item list": "Keys of the list",
    "row table": "Keys of the table",
    "g prefix": "g, then a key: the selection",
}
#: What a key does, said more fully than the footer's one word (by binding id).
HELP_TEXT = {
    "triage.drop": "drop this item (row, cluster, group), go to the next",
    "triage.keep": "keep this item, go to the next",
    "triage.clear": "forget the decision on this item",
    "triage.drop_reason": "drop with a reason you type (the row's flag is offered)",
    "triage.keep_reason": "keep with a reason you type",
    "triage.select": "add this item to the selection",
    "triage.unselect": "take this item out of the selection",
    "triage.toggle": "select or unselect this item",
    "triage.bulk": "bulk actions: every row of a filter, cluster, duplicate kind",
    "rows.search": "search every field (any case)",
    "rows.filter": "filter: flag, duplicates, cluster, split, decision",
    "rows.clear_filter": "clear the filter",
    "rows.sort_ascending": "sort by the current column, ascending",
    "rows.sort_descending": "sort by the current column, descending",
    "app.undo": "undo the last decision (no limit)",
    "app.redo": "redo what was undone",
    "app.export": "export the kept rows (filtered, tokenized, packed)",
    "app.cancel": "cancel the running analysis",
    "app.prefix": "apply the next key to the selection (g d, g a...)",
    "app.help": "this help",
    "app.back": "back to the previous screen",
    "app.quit": "quit (every decision is already saved)",
}


def widget_name(node) -> str:
    """A section name for a focused widget's keys: `RowTable` reads "row table"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", type(node).__name__).lower()


def view_name(screen: Screen) -> str:
    """What the help title calls the view: its `HELP_NAME`, else its `VIEW`."""
    return getattr(screen, "HELP_NAME", "") or getattr(screen, "VIEW", "") or "current"


def ours(binding: Binding) -> bool:
    """The app's own bindings all have an id (`triage.drop`); Textual's generic ones do not."""
    return bool(binding.id) and not binding.system


def key_rows(screen: Screen) -> list[tuple[str, str, str, str]]:
    """`(where, keys, description, binding id)` for every app binding active on `screen`:
    this view's first, then the focused list's, then those that work everywhere."""
    grouped: dict[tuple, list] = {}
    app = screen.app
    for key, active in screen.active_bindings.items():
        binding: Binding = active.binding
        if not ours(binding):
            continue
        ident = (id(active.node), binding.id, binding.description)
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
                HELP_TEXT.get(binding.id, binding.description or binding.id),
                binding.id,
            )
        )
    order = {"this view": 0, "everywhere": 2}
    rows.sort(key=lambda r: (order.get(r[0], 1), r[0]))
    return rows


class HelpScreen(ModalScreen[None]):
    """How the app works and the keys of the screen it was opened from."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
        Binding("j,down", "scroll(1)", "Scroll down", show=False, id="help.down"),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False, id="help.up"),
        Binding("i", "ids", "Show key ids", show=False, id="help.ids"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%;
                                  border: round $primary; background: $surface;
                                  padding: 0 1; }
    HelpScreen .help--title { text-style: bold; color: $accent; }
    """

    def __init__(self, of: Screen):
        super().__init__()
        self.of = of
        self.rows = key_rows(of)
        self.show_ids = False

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(
                Text(f"How this works · {view_name(self.of)} view · escape closes"),
                classes="help--title",
            )
            yield Static(self.how_it_works())
            yield Static(self.keys_table(), id="help-keys")
            yield Static(self.footnote(), id="help-foot")

    def how_it_works(self) -> Table:
        table = Table(box=None, show_header=False, pad_edge=False, expand=True, padding=(0, 1))
        table.add_column("step", style="bold", no_wrap=True, min_width=9)
        table.add_column("how", ratio=1)
        for step, how in HOW_IT_WORKS:
            table.add_row(step, how)
        return table

    def keys_table(self) -> Group:
        """One titled table per section: this view, the focused list, everywhere, `g`."""
        parts: list = []
        sections: dict[str, list] = {}
        for where, keys, desc, ident in [
            *self.rows,
            *(("g prefix", k, d, "") for k, d in PREFIX_NOTES),
        ]:
            sections.setdefault(where, []).append((keys, desc, ident))
        for where, rows in sections.items():
            table = Table(box=None, show_header=False, pad_edge=False, expand=True, padding=(0, 1))
            table.add_column("key", style="bold", no_wrap=True, min_width=9)
            table.add_column("does", ratio=1)
            if self.show_ids:
                table.add_column("id", style="dim", no_wrap=True)
            for keys, desc, ident in rows:
                table.add_row(keys, desc, *([ident] if self.show_ids else []))
            title = Text(SECTION_TITLES.get(where, where), style="bold underline")
            parts += [Text(""), title, table]
        return Group(*parts)

    def footnote(self) -> Text:
        keymap = getattr(self.app, "keymap_source", None) or "~/.config/inspector/keys.toml"
        return Text(
            f'\ni shows each key\'s id; remap keys in {keymap} (id = "keys").',
            style="italic",
        )

    def action_ids(self) -> None:
        self.show_ids = not self.show_ids
        self.query_one("#help-keys", Static).update(self.keys_table())

    def action_scroll(self, step: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=step * 3, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
