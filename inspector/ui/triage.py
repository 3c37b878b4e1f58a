"""Triage from the UI: turn "drop these rows" into one undoable action in the triage store.

Each decision carries the row's content hash (so export can re-apply it to a reordered copy of
the data); hashes of many rows are computed from Arrow slices, not row by row. The store
commits before `decide` returns, so the decision is safe on disk the moment the key is pressed.
"""

from __future__ import annotations

import numpy as np

from inspector.core.triage import StoreError, row_hash

#: Rows hashed per Arrow slice.
HASH_BATCH = 2048


def row_items(session, gids) -> list[tuple[str, int, str]]:
    """`(split, row, content_hash)` for each global row id, reading consecutive rows together."""
    ds = session.ds
    gids = np.unique(np.asarray(list(gids), dtype=np.int64))
    out = []
    for i, split in enumerate(session.splits):
        lo, hi = int(session.offsets[i]), int(session.offsets[i + 1])
        rows = gids[(gids >= lo) & (gids < hi)] - lo
        if rows.size == 0:
            continue
        data = ds.hf[split]
        start = 0
        while start < rows.size:
            first = int(rows[start])
            # take every wanted row inside one window of HASH_BATCH rows
            end = int(np.searchsorted(rows, first + HASH_BATCH, side="left"))
            want = rows[start:end]
            if want.size == 1:
                batch = {k: [v] for k, v in data[int(want[0])].items()}
                idx = [0]
            else:
                batch = data[first : int(want[-1]) + 1]
                idx = (want - first).tolist()
            for j, r in zip(idx, want.tolist(), strict=True):
                raw = ds.decode({col: values[j] for col, values in batch.items()})
                out.append((split, int(r), row_hash(raw)))
            start = end
    return out


def decide(
    app, gids, decision: str | None, reason: str | None = None, label: str | None = None
) -> int:
    """Write one action deciding every row in `gids`; returns how many rows it touched, or
    None when the store refused it (read-only, disk full: the user was told why)."""
    session = app.session
    gids = sorted(set(int(g) for g in gids))
    if not gids:
        return 0
    items = row_items(session, gids)
    verb = decision or "clear"
    label = label or (
        f"{verb} {session.label(gids[0])}" if len(gids) == 1 else f"{verb} {len(gids):,} rows"
    )
    if reason and not label.endswith(f"({reason})"):
        label += f" ({reason})"
    try:
        session.store.decide(items, decision, reason=reason, label=label)
    except StoreError as err:  # read-only store, full disk: say so, keep the app running
        _refused(app, err)
        return None
    session.decisions.set(gids, decision, reason)
    return len(gids)


def undo(app) -> str | None:
    try:
        label = app.session.store.undo()
    except StoreError as err:
        _refused(app, err)
        return None
    if label is not None:
        app.session.decisions.reload()
    return label


def redo(app) -> str | None:
    try:
        label = app.session.store.redo()
    except StoreError as err:
        _refused(app, err)
        return None
    if label is not None:
        app.session.decisions.reload()
    return label


def _refused(app, err: StoreError) -> None:
    app.notify(str(err), title="not saved", severity="error", timeout=10, markup=False)
