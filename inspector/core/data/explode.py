"""`--explode COLUMN`: a list column read as one row per item, each row tracing its source row.

Self-instruct's ``{"instruction", "instances": [{"input", "output"}, ...]}`` holds several
examples per record. Exploding `instances` gives one row per instance: the other columns are
repeated, `instances` holds that one item, and two columns say where the row came from —
`source_row` (the record's 0-based row in its split) and `source_item` (the item's index) — so
decisions, `decisions.jsonl` and exports trace every row back to its record. A record whose
list is empty or null gives no row; `inspector info` counts the rows that result.
"""

from __future__ import annotations

from dataclasses import replace

from inspector.core.errors import InputError

#: The columns an exploded row carries about its origin.
ORIGIN_COLUMNS = ("source_row", "source_item")


def explode_column(loaded, column: str):
    """`loaded` (a `load.Loaded`) with `column` exploded in every split (raises `InputError`)."""
    import datasets
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    splits = {}
    for split, data in loaded.splits.items():
        if column not in data.column_names:
            raise InputError(
                f"{loaded.path}: --explode {column}: no such column; the columns are: "
                f"{', '.join(data.column_names)}."
            )
        clash = [c for c in ORIGIN_COLUMNS if c in data.column_names]
        if clash:
            raise InputError(
                f"{loaded.path}: --explode needs the column name(s) {', '.join(clash)} for the "
                "source of each row, but the data already has them."
            )
        if column in loaded.json_columns:
            raise InputError(
                f"{loaded.path}: --explode {column}: its values mix types (lists and other "
                "values), so it cannot be read as one row per item."
            )
        table = data.data.table
        values = table.column(column).combine_chunks()
        if not (pa.types.is_list(values.type) or pa.types.is_large_list(values.type)):
            raise InputError(
                f"{loaded.path}: --explode {column}: the column holds {values.type}, not lists."
            )
        parents = pc.list_parent_indices(values)
        items = pc.list_flatten(values)
        starts = values.offsets.to_numpy()[:-1]
        parent_np = parents.to_numpy(zero_copy_only=False).astype(np.int64)
        position = np.arange(len(parent_np), dtype=np.int64) - (
            starts[parent_np] - values.offsets[0].as_py() if len(parent_np) else 0
        )
        out = table.take(parents)
        out = out.set_column(out.column_names.index(column), column, items)
        out = out.append_column("source_row", pa.array(parent_np, pa.int64()))
        out = out.append_column("source_item", pa.array(position, pa.int64()))
        if out.num_rows == 0:
            raise InputError(f"{loaded.path}: --explode {column}: every list in {split} is empty.")
        splits[split] = datasets.Dataset(out)
    return replace(loaded, splits=datasets.DatasetDict(splits))
