"""Text search and text length over the raw Arrow rows, without building Python rows.

Every string inside a row (top-level columns, strings inside lists of messages, struct fields)
is searched with Arrow compute, and nested matches are folded back to their row through the
list parent indices. This makes a case-insensitive search of a million rows a fraction of a
second, where normalizing every row in Python would take minutes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

# `pyarrow.compute` (a tenth of a second to import) is imported by the functions that use it:
# this module is loaded with the rows view, before its first frame.


def _leaves(arr: pa.Array, rows: np.ndarray):
    """`(string array, row index of each element)` for every string leaf inside `arr`."""
    import pyarrow.compute as pc

    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        yield arr, rows
    elif pa.types.is_struct(t):
        for i in range(t.num_fields):
            yield from _leaves(pc.struct_field(arr, [i]), rows)
    elif pa.types.is_list(t) or pa.types.is_large_list(t):
        parents = pc.list_parent_indices(arr).to_numpy()
        yield from _leaves(pc.list_flatten(arr), rows[parents])


def _combined(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return column


def text_mask(table: pa.Table, needle: str) -> np.ndarray:
    """Rows of `table` where any string contains `needle`, ignoring case."""
    import pyarrow.compute as pc

    hit = np.zeros(table.num_rows, dtype=bool)
    if not needle:
        hit[:] = True
        return hit
    base = np.arange(table.num_rows)
    for column in table.columns:
        for strings, rows in _leaves(_combined(column), base):
            found = pc.match_substring(strings, needle, ignore_case=True)
            found = pc.fill_null(found, False).to_numpy(zero_copy_only=False)
            hit[rows[found]] = True
    return hit


def text_length(table: pa.Table) -> np.ndarray:
    """Characters of text in each row (every string leaf summed)."""
    import pyarrow.compute as pc

    total = np.zeros(table.num_rows, dtype=np.int64)
    base = np.arange(table.num_rows)
    for column in table.columns:
        for strings, rows in _leaves(_combined(column), base):
            n = pc.fill_null(pc.utf8_length(strings), 0).to_numpy(zero_copy_only=False)
            total += np.bincount(rows, weights=n, minlength=table.num_rows).astype(np.int64)
    return total
