"""Empty CSV/TSV cells: the CSV reader makes them null, but in a text column they are "".

A CSV row always has every column; an empty cell of a text column is an empty string, just as
`""` is in JSON. The reader (pandas, through `datasets`) turns it into a missing value, and a
column that is empty in every row even becomes a column of float NaN. Normalization and the
filtered export put the empty string back for those columns; the input is never touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from inspector.core.data.folders import builder_for


def blank_text_columns(files: Iterable[Path], tables: Iterable) -> frozenset[str]:
    """Columns of CSV/TSV input whose nulls are empty cells of text: columns typed as text,
    and columns with no value at all. Empty for any other input (a JSON null is a null)."""
    import pyarrow as pa

    files, tables = list(files), list(tables)
    if not files or any(builder_for(Path(f)) != "csv" for f in files):
        return frozenset()
    text: set[str] = set()
    valued: set[str] = set()
    for table in tables:
        for name, column in zip(table.column_names, table.columns, strict=True):
            kind = column.type
            if pa.types.is_string(kind) or pa.types.is_large_string(kind):
                text.add(name)
            elif column.null_count < len(column):
                valued.add(name)
    return frozenset(text | (_all_columns(tables) - valued))


def _all_columns(tables) -> set[str]:
    return {name for table in tables for name in table.column_names}


def fill_blank_cells(table, columns: frozenset[str]):
    """`table` with the nulls of `columns` as empty strings (an all-null column becomes text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for name in columns:
        if name not in table.column_names:
            continue
        at = table.column_names.index(name)
        column = table.column(at)
        if column.null_count == 0:
            continue
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            column = column.cast(pa.large_string())
        table = table.set_column(at, name, pc.fill_null(column, ""))
    return table
