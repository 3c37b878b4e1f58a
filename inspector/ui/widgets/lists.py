"""The list every view uses for its items (clusters, duplicate groups, hits, packs, choices).

An `OptionList` with the same movement keys as the rows table, so `j`/`k`, `G`/`end` and
`home` work in every list of the app, not only in the rows view.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import OptionList


class ItemList(OptionList):
    """An option list with vi-style movement keys (bindings with ids, so they can be remapped)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("home", "first", "First item", show=False, id="list.first"),
        Binding("G,end", "last", "Last item", show=False, id="list.last"),
    ]
