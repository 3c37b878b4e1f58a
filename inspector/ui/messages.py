"""Messages the app's parts send each other (attributes go down, messages come up)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class AnalysisUpdated(Message):
    """An analysis changed state or made progress; posted from its worker thread."""

    name: str


@dataclass
class ShowRows(Message):
    """Open the rows view with a filter, e.g. from a cluster, a duplicate group or a flag."""

    filter: dict
    focus_gid: int | None = None


@dataclass
class OpenRow(Message):
    """Open the one-row view on a row, with the list of rows `n`/`p` walk through."""

    gid: int
    walk: list[int] | None = None
