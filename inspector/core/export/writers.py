"""File writers for exports: JSON Lines, Parquet and Arrow, one file per split, deterministic.

Each writer creates its file on the first rows it gets (a split that ends up empty gets no
file, because loaders reject empty files) and, on `close()`, reports a `FileInfo` with the
row count, the size and a SHA-256 of the bytes for the manifest. Nothing here embeds a time,
a path or a random value, so the same rows give byte-identical files.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Output containers, as `--as` names them, and the file suffix of each.
SUFFIXES = {"jsonl": ".jsonl", "parquet": ".parquet", "arrow": ".arrow"}
KINDS = tuple(SUFFIXES)


@dataclass(frozen=True, slots=True)
class FileInfo:
    """One written file, for the manifest."""

    path: str
    """Relative to the export folder, with forward slashes."""
    rows: int
    bytes: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "rows": self.rows, "bytes": self.bytes, "sha256": self.sha256}


def _json_default(value: Any) -> Any:
    """JSON for the few Arrow values `json` cannot write (Parquet/Arrow inputs may hold them)."""
    if isinstance(value, (datetime.date, datetime.time, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot write a value of type {type(value).__name__} as JSON")


def dumps_record(record: dict[str, Any]) -> str:
    """One JSON Lines record: non-ASCII text kept as is, key order kept."""
    return json.dumps(record, ensure_ascii=False, default=_json_default)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


class Writer:
    """Base class: a lazily created file under `root` at relative path `rel`."""

    kind = ""

    def __init__(self, root: Path, rel: str):
        self.root = Path(root)
        self.rel = rel
        self.path = self.root / rel
        self.rows = 0
        self._opened = False

    def _ensure_open(self, schema=None) -> None:
        if not self._opened:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._open(schema)
            self._opened = True

    def _open(self, schema) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def write_table(self, table) -> None:
        """Append the rows of a `pyarrow.Table`."""
        raise NotImplementedError

    def close(self) -> FileInfo | None:
        """Finish the file; None when no rows were written (and no file exists)."""
        if not self._opened:
            return None
        self._close()
        self._opened = False
        return FileInfo(self.rel, self.rows, self.path.stat().st_size, file_sha256(self.path))


class JsonlWriter(Writer):
    """JSON Lines: one record per line, UTF-8, `\\n` line ends."""

    kind = "jsonl"

    def _open(self, schema) -> None:
        self._f = open(self.path, "wb")

    def _close(self) -> None:
        self._f.close()

    def write_lines(self, lines: list[bytes]) -> None:
        """Append records that are already JSON text (one per item, without a line end)."""
        if not lines:
            return
        self._ensure_open()
        self._f.write(b"\n".join(lines) + b"\n")
        self.rows += len(lines)

    def write_records(self, records: list[dict[str, Any]]) -> None:
        self.write_lines([dumps_record(r).encode("utf-8") for r in records])

    def write_table(self, table) -> None:
        self.write_records(table.to_pylist())


class ParquetWriter(Writer):
    """Parquet with pyarrow's defaults (snappy), the schema of the first table written."""

    kind = "parquet"

    def _open(self, schema) -> None:
        import pyarrow.parquet as pq

        self._w = pq.ParquetWriter(self.path, schema)

    def _close(self) -> None:
        self._w.close()

    def write_table(self, table) -> None:
        if table.num_rows == 0:
            return
        self._ensure_open(table.schema)
        self._w.write_table(table)
        self.rows += table.num_rows


class ArrowWriter(Writer):
    """Arrow IPC stream (what `datasets` writes and its `arrow` loader reads)."""

    kind = "arrow"

    def _open(self, schema) -> None:
        import pyarrow as pa

        self._sink = pa.OSFile(str(self.path), "wb")
        self._w = pa.ipc.new_stream(self._sink, schema)

    def _close(self) -> None:
        self._w.close()
        self._sink.close()

    def write_table(self, table) -> None:
        if table.num_rows == 0:
            return
        self._ensure_open(table.schema)
        self._w.write_table(table)
        self.rows += table.num_rows


WRITERS = {"jsonl": JsonlWriter, "parquet": ParquetWriter, "arrow": ArrowWriter}


def make_writer(kind: str, root: Path, folder: str, split: str) -> Writer:
    """A writer for `<root>/<folder>/<split><suffix>`."""
    if kind not in WRITERS:
        raise ValueError(f"unknown output kind {kind!r}; choose one of {', '.join(KINDS)}")
    return WRITERS[kind](root, f"{folder}/{split}{SUFFIXES[kind]}")
