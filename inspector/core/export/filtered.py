"""The filtered export: the kept rows in the input's own format and columns.

For JSON and JSON Lines input written as JSON Lines (the default), the records are taken from
the input files themselves, not from Arrow: a JSON Lines record is copied byte for byte, a
record of a JSON array is re-serialized from the parsed file. That keeps what Arrow would
change (keys a record did not have, which Arrow fills with null; numbers in text columns), so
an Alpaca file stays exactly Alpaca and `inspector info` reads the output as the same format.
Other inputs, and other `--as` containers, are written from the Arrow table in slices.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Generator, Iterator
from pathlib import Path

import numpy as np

from inspector.core.data.arrow_rows import arrow_table
from inspector.core.data.blank_cells import fill_blank_cells
from inspector.core.data.files import iter_json_records, open_binary
from inspector.core.data.load import builder_for, is_saved_dataset
from inspector.core.export.writers import FileInfo, Writer, dumps_record, make_writer
from inspector.core.progress import Progress, check

#: Rows per Arrow slice at most (pyarrow's own row group size), and bytes per slice at most:
#: slices this big let pyarrow write at full speed while a `take` copy stays bounded in memory.
SLICE_ROWS = 1 << 20
SLICE_BYTES = 256 << 20
#: Records buffered per output file before a write.
LINE_BATCH = 4096


def source_kind(ds) -> str:
    """The container the input came in: json, parquet, csv, arrow, text or saved (save_to_disk)."""
    if Path(ds.path).is_dir() and is_saved_dataset(Path(ds.path)):
        return "saved"
    builders = {builder_for(f) for f in ds.files}
    return builders.pop() if len(builders) == 1 else "mixed"


def default_kind(ds) -> str:
    """The output container closest to the input's: Parquet and Arrow stay, the rest JSON Lines."""
    return {"parquet": "parquet", "arrow": "arrow", "saved": "arrow"}.get(source_kind(ds), "jsonl")


def slice_rows(table) -> int:
    """Rows per slice of `table`: `SLICE_ROWS`, fewer when rows are big."""
    per_row = table.nbytes / max(table.num_rows, 1)
    return max(1, min(SLICE_ROWS, int(SLICE_BYTES / max(per_row, 1.0))))


def _json_lines(path: Path) -> Iterator[bytes] | None:
    """The records of a JSON Lines file as their original bytes, or None if it is not one."""
    with open_binary(path) as f:
        first = f.readline()
    head = first.lstrip(b"\xef\xbb\xbf").strip()
    if not head.startswith(b"{"):
        return None
    try:
        json.loads(head)
    except ValueError:
        return None  # a JSON document spread over lines
    return _stream_lines(path)


def _stream_lines(path: Path) -> Iterator[bytes]:
    with open_binary(path) as f:
        for number, line in enumerate(f):
            if number == 0:
                line = line.lstrip(b"\xef\xbb\xbf")
            line = line.rstrip(b" \t\r\n")
            if line.strip():
                yield line


def source_records(path: Path) -> Iterator[bytes]:
    """Every record of a JSON / JSON Lines file as UTF-8 JSON text, in the loader's row order."""
    lines = _json_lines(path)
    if lines is not None:
        yield from lines
        return
    for record in iter_json_records(path):
        yield dumps_record(record).encode("utf-8")


class _CountMismatch(Exception):
    """The input files gave another number of records than the loaded rows: use Arrow."""


def write_filtered(
    ds,
    dest: dict[str, np.ndarray],
    names: list[str],
    kind: str,
    root: Path,
    folder: str = "filtered",
    cancel: threading.Event | None = None,
) -> Generator[Progress, None, dict[str, FileInfo]]:
    """Write every row with ``dest[split][row] = k >= 0`` to the output split `names[k]`.

    Rows keep their input order inside each output file. Returns the files written by split
    name (a split with no rows gets no file).
    """
    if kind == "jsonl" and source_kind(ds) == "json":
        writers = [make_writer(kind, root, folder, name) for name in names]
        try:
            return (yield from _from_source(ds, dest, writers, cancel))
        except _CountMismatch:
            for w in writers:
                w.close()
                w.path.unlink(missing_ok=True)
    writers = [make_writer(kind, root, folder, name) for name in names]
    return (yield from _from_arrow(ds, dest, writers, cancel))


def _finish(names_writers: list[Writer]) -> dict[str, FileInfo]:
    out = {}
    for w in names_writers:
        info = w.close()
        if info is not None:
            out[Path(w.rel).stem] = info
    return out


def _from_source(ds, dest, writers, cancel) -> Generator[Progress, None, dict[str, FileInfo]]:
    total = sum(ds.num_rows(s) for s in ds.splits)
    done = 0
    for split in ds.splits:
        where = dest[split]
        pending: list[list[bytes]] = [[] for _ in writers]
        row = 0
        for f in ds.split_files[split]:
            for record in source_records(f):
                if row >= where.size:
                    raise _CountMismatch()
                k = int(where[row])
                if k >= 0:
                    pending[k].append(record)
                    if len(pending[k]) >= LINE_BATCH:
                        writers[k].write_lines(pending[k])
                        pending[k] = []
                row += 1
                if row % LINE_BATCH == 0:
                    check(cancel)
                    yield Progress("writing filtered rows", done + row, total)
        if row != where.size:
            raise _CountMismatch()
        for w, lines in zip(writers, pending, strict=True):
            w.write_lines(lines)
        done += row
    yield Progress("writing filtered rows", done, total)
    return _finish(writers)


def _from_arrow(ds, dest, writers, cancel) -> Generator[Progress, None, dict[str, FileInfo]]:
    total = sum(ds.num_rows(s) for s in ds.splits)
    done = 0
    json_columns = sorted(ds.json_columns)
    blank = getattr(ds, "blank_columns", frozenset())
    for split in ds.splits:
        table = arrow_table(ds.hf[split])
        if blank:
            # Empty CSV cells of text go out as "" (as in the file), not as null.
            table = fill_blank_cells(table, blank)
        where = dest[split]
        step = slice_rows(table)
        for lo in range(0, table.num_rows, step):
            check(cancel)
            part = table.slice(lo, step)
            here = where[lo : lo + part.num_rows]
            for k, w in enumerate(writers):
                idx = np.flatnonzero(here == k)
                if idx.size == 0:
                    continue
                sub = part if idx.size == part.num_rows else part.take(idx)
                if w.kind == "jsonl" and json_columns:
                    # Columns Arrow holds as JSON text go back out as the values they were.
                    records = [ds.decode(r) for r in sub.to_pylist()]
                    w.write_records(records)
                else:
                    w.write_table(sub)
            done += part.num_rows
            yield Progress("writing filtered rows", done, total)
    return _finish(writers)
