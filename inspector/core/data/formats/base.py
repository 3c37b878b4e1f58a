"""What every input format provides: `InputFormat`, one small class per layout of rows.

A format knows three things about the rows it reads, all given canonical column names (the
user's `--map` already applied, see `inspector.core.data.columns`):

- `detect(view, features)`: whether a dataset's columns are this format's (the Arrow schema's
  `datasets` features tell list items' keys without reading a row);
- `normalize(row)`: one row as a `Conversation`, or a `RowError` naming the field at fault;
- `columnar(table, view)`: the optional fast path of `inspector info` — every turn's length by
  role straight from Arrow columns, plus the rows it cannot vouch for, or None to let every row
  go through `normalize` (which alone decides what a problem is).

The formats are listed once, in `inspector.core.data.formats.registry.REGISTRY`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from inspector.core.data.conversation import Conversation


class InputFormat:
    """One input format. Subclasses set the class attributes and implement `normalize`."""

    name: ClassVar[str]
    """The format's name in the CLI (`--format`), JSON output and the UI."""
    expects: ClassVar[str]
    """The columns it uses, in words, for error messages."""
    needs: ClassVar[tuple[frozenset[str], ...]]
    """Column sets any one of which `--format NAME` requires."""
    rank: ClassVar[int]
    """Detection order: lower is tried first (a preference file also has `messages`)."""

    def detect(self, view: dict[str, str], features: Any) -> bool:
        """Whether columns `view` (canonical name -> source column) are this format's."""
        raise NotImplementedError

    def normalize(self, row: dict) -> Conversation:
        """A row keyed by canonical names as a `Conversation`; raises `RowError`."""
        raise NotImplementedError

    def describe(self, view: dict[str, str]) -> dict[str, list[str]]:
        """Which source columns make each part of a row (`prompt`, `response`, `chosen`...),
        for `inspector info`; the default names the columns of the first set in `needs`."""
        return {name: [view[name]] for name in sorted(self.needs[0]) if name in view}

    def columnar(self, table, view: dict[str, str]):
        """`(lengths by role, suspect row indices)` from Arrow columns, or None (no fast path)."""
        return None

    def __repr__(self) -> str:
        return f"<input format {self.name}>"


def item_keys(feature) -> set[str] | None:
    """The keys of a list-of-structs column's items, from its `datasets` feature; else None."""
    inner = getattr(feature, "feature", None)
    if isinstance(inner, dict):
        return set(inner)
    return None


def turn_style(feature) -> str | None:
    """`sharegpt` for from/value items, `messages` for role/content items, else None."""
    keys = item_keys(feature)
    if keys is None:
        return None
    if {"from", "value"} <= keys:
        return "sharegpt"
    if "role" in keys:
        return "messages"
    return None


#: Columns a list of turns may be stored in, in the order `chat_style` looks at them.
TURN_COLUMNS = ("messages", "conversations", "conversation")


def chat_style(view: dict[str, str], features) -> str | None:
    """`messages` or `sharegpt` for the first turn-list column the data has, else None.

    The item keys decide; a JSON-typed (mixed) column carries none, so its usual name does.
    """
    for name in TURN_COLUMNS:
        if name in view:
            found = turn_style(features[view[name]])
            if found:
                return found
            return "sharegpt" if name.startswith("conversation") else "messages"
    return None
