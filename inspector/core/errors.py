"""Errors the core raises, each carrying a message meant for the person at the terminal.

`InputError` is a whole-input failure (missing path, malformed file, unknown schema): the CLI
prints its message as one paragraph and exits with status 2, with no traceback. `RowError` is
a problem with one row; callers collect it as a `RowProblem` and carry on with the other rows.
"""

from __future__ import annotations

from dataclasses import dataclass


class InputError(Exception):
    """The input as a whole cannot be used. `str(err)` is a complete, user-facing paragraph."""


class RowError(ValueError):
    """One row cannot be normalized; `reason` says why in words a user understands."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that could not be normalized. `row` is the 0-based index within its split."""

    split: str
    row: int
    reason: str

    def to_json(self) -> dict:
        return {"split": self.split, "row": self.row, "reason": self.reason}
