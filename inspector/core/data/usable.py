"""Find the rows of a split that cannot be normalized, checking every row but fast.

The same two-step check as `inspector info`: Arrow compute vouches for most rows without
building Python objects (`inspector.core.data.columnar`), and only the rows it cannot vouch for go
through the per-row normalizer, which alone decides what a problem is.
"""

from __future__ import annotations

import threading
from collections.abc import Generator

from inspector.core.data.arrow_rows import arrow_table
from inspector.core.data.formats.registry import columnar_lengths
from inspector.core.errors import RowError, RowProblem
from inspector.core.progress import Progress, check

STEP = "checking rows"


def unusable_rows(
    ds, split: str, cancel: threading.Event | None = None
) -> Generator[Progress, None, list[RowProblem]]:
    """Every row of `split` the normalizer rejects, with its reason."""
    data = ds.hf[split]
    total = data.num_rows
    fast = (
        None if ds.json_columns else columnar_lengths(ds.format, arrow_table(data), ds.column_map)
    )
    problems: list[RowProblem] = []
    if fast is not None:
        suspects = [int(r) for r in fast[1]]
        for i, row in enumerate(suspects):
            try:
                ds.conversation(split, row)
            except RowError as err:
                problems.append(RowProblem(split, row, err.reason))
            if i % 1000 == 0:
                check(cancel)
        yield Progress(STEP, total, total)
        return problems
    for row, _conv, reason in ds.iter_conversations(split):
        if reason is not None:
            problems.append(RowProblem(split, row, reason))
        if row % 10000 == 0:
            check(cancel)
            yield Progress(STEP, row, total)
    yield Progress(STEP, total, total)
    return problems
