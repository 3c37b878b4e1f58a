"""Blocks from the row pass (`rowpass.scan_block`) back into what the dataset-wide steps read.

The scan's dataset-wide steps (`scan.run._dataset_steps`) take a `RowData`, a `FlagRun` and
the n-gram hits, with rows numbered 0..N-1 across splits in split order; `gather` rebuilds
exactly those from the blocks, whatever order the cluster finished them in, and the token
facts per split as the tokens layer's `TokenFacts`.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from inspector.core.distributed.rowpass import FACT_PREFIX


def _tokens(column):
    from inspector.core.scan.shingles import Tokens

    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    offsets = arr.offsets.to_numpy().astype(np.int64)
    values = arr.values.to_numpy(zero_copy_only=False).astype(np.uint64, copy=False)
    return Tokens(values[offsets[0] : offsets[-1]], offsets - offsets[0])


def _finding(item: dict):
    from inspector.core.flags import Finding

    span = item.get("span")
    return Finding(
        item["code"],
        item["severity"],
        item["evidence"],
        item.get("where", ""),
        tuple(span) if span is not None else None,
    )


def gather(blocks: list[pa.Table], ds, settings, token_settings=None):
    """`(rows, flags, hits, problems, token_facts)` from the row pass's blocks."""
    from inspector.core.flags import FlagRun
    from inspector.core.scan.contamination import Hit
    from inspector.core.scan.rows import RowData

    blocks = [b for b in blocks if b.num_rows]
    blocks.sort(key=lambda b: (int(b.column("split")[0].as_py()), int(b.column("row")[0].as_py())))
    table = pa.concat_tables(blocks) if blocks else None
    rows = RowData()
    flags = FlagRun(settings.max_length)
    hits, problems = [], []
    if table is None:
        return rows, flags, hits, problems, None
    split_of = table.column("split").to_numpy().astype(np.int64)
    row_of = table.column("row").to_numpy()
    order_ok = np.all(np.diff(split_of * (1 << 40) + row_of) > 0)
    if not order_ok or len(row_of) != ds.total_rows:
        from inspector.core.distributed.cluster import ClusterError

        raise ClusterError(
            f"the cluster returned {len(row_of)} rows for a dataset of {ds.total_rows} "
            "(a block was lost or repeated); nothing was cached, run the scan again."
        )
    rows.split_of = split_of.tolist()
    rows.row_of = row_of.tolist()
    for name in ("valid", "row_hash", "prompt_hash", "has_prompt", "answer_hash"):
        setattr(rows, name, table.column(name).to_pylist())
    rows.near_parts = [_tokens(table.column("near"))]
    rows.prompt_parts = [_tokens(table.column("prompt"))]
    splits = ds.splits
    for i, text in _present(table.column("findings")):
        flags.found[i] = [_finding(f) for f in json.loads(text)]
    chosen = table.column("bias_chosen").to_pylist()
    rejected = table.column("bias_rejected").to_pylist()
    for i, c in enumerate(chosen):
        if c is not None:
            flags.length_bias.lengths[i] = (c, rejected[i])
    for i, reason in _present(table.column("problem")):
        problems.append({"split": splits[split_of[i]], "row": int(row_of[i]), "reason": reason})
    for i, text in _present(table.column("hits")):
        for against, item, item_text, kind, ngram, sim in json.loads(text):
            hits.append(Hit(i, against, item, item_text, kind, ngram, sim))
    facts = _token_facts(table, ds, token_settings) if token_settings is not None else None
    return rows, flags, hits, problems, facts


def _present(column):
    """`(index, value)` for the non-null values of a column."""
    values = column.to_pylist()
    return [(i, v) for i, v in enumerate(values) if v is not None]


def _token_facts(table: pa.Table, ds, pipeline) -> dict:
    """`{split: TokenFacts}` from the token fact columns, as `tokens.facts.token_facts` gives."""
    from inspector.core.errors import RowProblem
    from inspector.core.tokens.facts import COLUMNS, TokenFacts

    split_of = table.column("split").to_numpy()
    out = {}
    for s, split in enumerate(ds.splits):
        here = np.flatnonzero(split_of == s)
        part = table.take(here)
        columns = {
            name: part.column(FACT_PREFIX + name).to_numpy().astype(np.int32) for name in COLUMNS
        }
        rows = part.column("row").to_numpy()
        problems = [
            RowProblem(split, int(rows[i]), reason)
            for i, reason in _present(part.column(FACT_PREFIX + "problem"))
        ]
        out[split] = TokenFacts(
            split, pipeline.settings.max_length, pipeline.key, columns, problems
        )
    return out
