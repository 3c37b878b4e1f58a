"""Rows of memory-mapped Arrow files read with pyarrow alone, as `datasets` would return them.

`ArrowSplit` offers the part of `datasets.Dataset`'s read API that the app uses to draw rows
(`num_rows`, `column_names`, `split[i]`, `split[lo:hi]`, `split.data.table`), so a reopened
dataset can be shown before `datasets` (about a second to import) is loaded. It is only used
for data whose columns need no `datasets` decoding (no images, audio, `Json`), where
`datasets`' Python formatting is exactly pyarrow's `to_pylist` / `to_pydict`.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa


def read_arrow_file(path: Path) -> pa.Table:
    """A `datasets` cache file (an Arrow IPC stream) as a memory-mapped table: no rows copied."""
    source = pa.memory_map(str(path))
    try:
        return pa.ipc.open_stream(source).read_all()
    except pa.ArrowInvalid:  # an IPC *file* (with footer), as some tools write .arrow files
        return pa.ipc.open_file(source).read_all()


class _Data:
    """Mirrors `datasets.Dataset.data` (a wrapper whose `.table` is the pyarrow table)."""

    def __init__(self, table: pa.Table):
        self.table = table


class ArrowSplit:
    """One split's rows over a pyarrow table, read like a `datasets.Dataset` with no format set."""

    def __init__(self, table: pa.Table):
        self.data = _Data(table)

    @property
    def num_rows(self) -> int:
        return self.data.table.num_rows

    def __len__(self) -> int:
        return self.num_rows

    @property
    def column_names(self) -> list[str]:
        return self.data.table.column_names

    def __getitem__(self, key):
        """`split[i]` -> one row as a dict; `split[lo:hi]` -> a dict of column lists."""
        table = self.data.table
        if isinstance(key, slice):
            start, stop, step = key.indices(table.num_rows)
            if step != 1:
                raise ValueError("ArrowSplit slices take every row (step 1)")
            return table.slice(start, max(0, stop - start)).to_pydict()
        if isinstance(key, int):
            i = key + table.num_rows if key < 0 else key
            if not 0 <= i < table.num_rows:
                raise IndexError(f"row {key} is out of range for {table.num_rows} rows")
            return table.slice(i, 1).to_pylist()[0]
        raise TypeError(f"ArrowSplit rows are read by int or slice, not {type(key).__name__}")

    def __repr__(self) -> str:
        return f"ArrowSplit(num_rows={self.num_rows}, columns={self.column_names})"


def arrow_table(data):
    """The `pyarrow.Table` behind a `datasets.Dataset`, with any indices mapping applied."""
    if getattr(data, "_indices", None) is not None:
        data = data.flatten_indices()
    return data.data.table
