"""Normalize one row of any supported format into a `Conversation`, or say why it cannot be.

Each format's own class does the work (`inspector.core.data.formats`); this is the one call the
rest of the data stage makes, `normalize(format_name, row)`, with the row keyed by canonical
column names. A row of the wrong shape raises `RowError` with a reason that names the field.
"""

from __future__ import annotations

from inspector.core.data.formats.registry import normalize

__all__ = ["normalize"]
