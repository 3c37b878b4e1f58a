"""CLI tables that fit the terminal: long text wraps, and columns that matter least go first.

Rich squeezes a table that is too wide by cutting every column a little, which turns codes
into `assistant_turn_untr…` and headers into `strate…`. Here each column says how it may give
way: `wrap` columns (descriptions, examples of text) wrap inside a share of the room; `drop`
columns (by increasing `priority`, the highest first) are left out when even wrapping leaves
no room, and the table says which. Codes, numbers and names are never cut.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

#: Narrowest a wrapping column may become before columns are dropped instead.
MIN_WRAP = 24


@dataclass(frozen=True)
class Col:
    """A column: its header, alignment, and how it gives way to a narrow terminal."""

    name: str
    right: bool = False
    wrap: bool = False
    """Long text: wraps into the room the others leave."""
    priority: int = 0
    """0: always shown; otherwise dropped, highest first, when the table does not fit."""


def _width(cell) -> int:
    text = cell.plain if isinstance(cell, Text) else str(cell)
    return max((cell_len(line) for line in text.splitlines()), default=0)


def fit_table(
    title: str | None,
    cols: list[Col],
    rows: list[list],
    width: int | None = None,
) -> Group | Table:
    """A table of `rows` no wider than `width` (the console's by default)."""
    width = width or Console().width
    keep = list(range(len(cols)))
    natural = [max([cell_len(c.name), *(_width(r[i]) for r in rows)]) for i, c in enumerate(cols)]

    def needed(idx: list[int]) -> int:
        # One border per column plus one, and a space of padding on each side of a cell.
        fixed = sum(natural[i] for i in idx if not cols[i].wrap)
        wraps = sum(min(natural[i], MIN_WRAP) for i in idx if cols[i].wrap)
        return fixed + wraps + 3 * len(idx) + 1

    droppable = sorted(
        (i for i, c in enumerate(cols) if c.priority), key=lambda i: -cols[i].priority
    )
    dropped = []
    while needed(keep) > width and droppable:
        i = droppable.pop(0)
        keep.remove(i)
        dropped.append(cols[i].name)
    table = Table(title=title, title_justify="left")
    for i in keep:
        c = cols[i]
        table.add_column(
            c.name,
            justify="right" if c.right else "left",
            no_wrap=not c.wrap,
            overflow="fold" if c.wrap else "ellipsis",
            min_width=None if c.wrap else natural[i],
        )
    for r in rows:
        table.add_row(*(r[i] for i in keep))
    if not dropped:
        return table
    note = Text(
        f"({', '.join(dropped)} left out at {width} columns: widen the terminal or use --json)",
        style="dim",
    )
    return Group(table, note)
