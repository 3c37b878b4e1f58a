"""The dataset facade every other layer uses: open a path, get its format and its conversations.

`open_dataset` loads the rows (Arrow, memory-mapped), applies the user's column map, detects or
checks the format, and returns an `InspectorDataset` that normalizes rows on demand. Rows are
addressed as `(split, row)` with `row` 0-based within the split.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from inspector.core.cache import Cache, state_dir_for
from inspector.core.data.columns import (
    PathFeatures,
    canonical_view,
    check_path,
    is_path,
    value_at,
)
from inspector.core.data.conversation import Conversation
from inspector.core.data.explode import explode_column
from inspector.core.data.formats.registry import FORMATS, resolve_format
from inspector.core.data.load import Loaded, load
from inspector.core.data.normalize import normalize
from inspector.core.errors import InputError, RowError


def decode_json_columns(raw: dict, json_columns) -> dict:
    """Undo the JSON-text storage of mixed-type columns (see `load._reload_exact`), in place."""
    for col in json_columns:
        if raw.get(col) is not None:
            raw[col] = json.loads(raw[col])
    return raw


@dataclass(frozen=True)
class RowReader:
    """Raw rows (source column names) -> canonical rows -> `Conversation`s, for one dataset."""

    format: str
    view: dict[str, str]
    json_columns: frozenset[str]
    blank_columns: frozenset[str]

    def decode(self, raw: dict) -> dict:
        """Undo the JSON-text storage of mixed-type columns (see `load._reload_exact`)."""
        return decode_json_columns(raw, self.json_columns)

    def canonical(self, raw: dict) -> dict:
        """A raw row keyed by canonical column names (an empty CSV cell of text is "")."""
        blank = self.blank_columns
        return {
            name: ""
            if col in blank and raw.get(col) is None
            else raw.get(col)
            if col in raw
            else value_at(raw, col)  # a dotted path into a nested column
            for name, col in self.view.items()
        }

    def conversations(
        self, batch: dict[str, list], first: int = 0
    ) -> Iterator[tuple[int, Conversation | None, str | None]]:
        """`(row, conversation, None)` or `(row, None, reason)` for a batch of raw rows given as
        columns (`{column: values}`), numbered from `first`."""
        n = len(next(iter(batch.values()))) if batch else 0
        for i in range(n):
            raw = self.decode({col: values[i] for col, values in batch.items()})
            try:
                yield first + i, normalize(self.format, self.canonical(raw)), None
            except RowError as err:
                yield first + i, None, err.reason


class InspectorDataset:
    """A loaded dataset with a known format. Create it with `open_dataset`."""

    exploded: str | None = None
    """The list column read as one row per item (`--explode`), or None."""
    provisional = False
    """True for a `ProvisionalDataset` (reopened from its open index, `open_index.open_fast`):
    `hf` then holds pyarrow-only `ArrowSplit`s, enough to read rows; `complete()` gives the
    full one."""

    def __init__(self, loaded: Loaded, fmt: str, view: dict[str, str], state_dir: Path | None):
        self.path = loaded.path
        self.files = loaded.files
        self.split_files = loaded.split_files
        self.hf = loaded.splits
        self.format = fmt
        self.json_columns = loaded.json_columns
        self._view = view
        self._state_override = state_dir

    @property
    def splits(self) -> list[str]:
        return list(self.hf)

    @property
    def column_map(self) -> dict[str, str]:
        """Canonical name -> source column, for the columns that differ or matter."""
        return dict(self._view)

    def num_rows(self, split: str) -> int:
        return self.hf[split].num_rows

    @property
    def total_rows(self) -> int:
        return sum(d.num_rows for d in self.hf.values())

    @cached_property
    def state_dir(self) -> Path:
        return state_dir_for(self.path, self._state_override)

    @cached_property
    def cache(self) -> Cache:
        return Cache(self.state_dir)

    @cached_property
    def fingerprint(self) -> str:
        """A hash of the input files' bytes, the format and the column map."""
        h = hashlib.blake2b(digest_size=16)
        for f in self.files:
            h.update(str(f.name).encode() + b"\0")
            with open(f, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
        h.update(self.format.encode())
        h.update(repr(sorted(self._view.items())).encode())
        if self.exploded:
            h.update(b"explode\0" + self.exploded.encode())
        return h.hexdigest()

    @cached_property
    def blank_columns(self) -> frozenset[str]:
        """Source columns whose nulls are empty CSV/TSV cells of text (see `blank_cells`)."""
        from inspector.core.data.blank_cells import blank_text_columns

        return blank_text_columns(self.files, (self.hf[s].data.table for s in self.hf))

    def canonical(self, raw: dict) -> dict:
        """A raw row keyed by canonical column names (an empty CSV cell of text is "")."""
        return self.row_reader().canonical(raw)

    def decode(self, raw: dict) -> dict:
        """Undo the JSON-text storage of mixed-type columns (see `load._reload_exact`)."""
        return decode_json_columns(raw, self.json_columns)

    def raw_row(self, split: str, row: int) -> dict:
        """The row as in the input file (source column names, original values)."""
        return self.decode(self.hf[split][row])

    def origin(self, split: str, row: int) -> dict | None:
        """For an exploded dataset, ``{"row", "item"}`` of the record a row came from."""
        if not self.exploded:
            return None
        raw = self.hf[split][row]
        return {"column": self.exploded, "row": raw["source_row"], "item": raw["source_item"]}

    def row_hash(self, split: str, row: int) -> str:
        """The content hash of a row (see `triage.row_hash`): equal rows hash equal anywhere."""
        from inspector.core.triage import row_hash

        return row_hash(self.raw_row(split, row))

    @property
    def name(self) -> str:
        """The dataset's name in the triage store: its file or folder name."""
        return self.path.resolve().name

    def complete(self) -> InspectorDataset:
        """This dataset with `hf` a `datasets.DatasetDict`, as every analysis needs it: itself
        (a `ProvisionalDataset` opens it normally)."""
        return self

    def triage(self):
        """The `TriageStore` of this dataset (created on first use)."""
        from inspector.core.triage import TriageStore

        return TriageStore.open(self.state_dir, self.name)

    def conversation(self, split: str, row: int) -> Conversation:
        """The normalized row; raises `RowError` when it cannot be normalized."""
        return normalize(self.format, self.canonical(self.raw_row(split, row)))

    def iter_conversations(
        self, split: str, start: int = 0, stop: int | None = None, batch_size: int = 1000
    ) -> Iterator[tuple[int, Conversation | None, str | None]]:
        """`(row, conversation, None)` or `(row, None, reason)` for rows start..stop of a split."""
        data = self.hf[split]
        stop = data.num_rows if stop is None else min(stop, data.num_rows)
        reader = self.row_reader()
        for lo in range(start, stop, batch_size):
            yield from reader.conversations(data[lo : min(lo + batch_size, stop)], lo)

    def row_reader(self) -> RowReader:
        """What turns this dataset's raw rows into conversations, as a small picklable object
        (a distributed engine ships it to its workers, so both read rows with this code)."""
        return self._reader

    @cached_property
    def _reader(self) -> RowReader:
        return RowReader(self.format, dict(self._view), self.json_columns, self.blank_columns)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{s}={self.num_rows(s)}" for s in self.splits)
        return f"InspectorDataset({str(self.path)!r}, format={self.format!r}, {sizes})"


def open_dataset(
    path: str | Path,
    *,
    format: str | None = None,
    column_map: dict[str, str] | None = None,
    state_dir: str | Path | None = None,
    explode: str | None = None,
) -> InspectorDataset:
    """Load `path` and work out its format; raises `InputError` for unusable input.

    `explode` names a list column to read as one row per item (`explode.explode_column`)."""
    if format is not None and format not in FORMATS:
        raise InputError(f"unknown format {format!r}; known formats: {', '.join(FORMATS)}.")
    loaded = load(Path(path))
    if explode:
        loaded = explode_column(loaded, explode)
    first = next(iter(loaded.splits.values()))
    view = canonical_view(loaded.path, first.column_names, column_map or {})
    for column in view.values():
        if is_path(column, first.column_names):
            check_path(loaded.path, column, first.features)
    features = PathFeatures(first.features)
    fmt, view = resolve_format(loaded.path, view, features, format, bool(column_map))
    ds = InspectorDataset(loaded, fmt, view, Path(state_dir) if state_dir else None)
    ds.exploded = explode
    return ds
