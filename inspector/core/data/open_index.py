"""The open index: where a dataset's Arrow rows live, so that reopening it needs only pyarrow.

Importing `datasets` and letting it find its cache takes over a second; drawing the first rows
of a memory-mapped Arrow file takes milliseconds. After a normal open, `record` writes a small
JSON entry in the state folder (`cache/open/<key>.json`, key = the resolved path, `--format`
and `--map`): each split's Arrow files (the `datasets` cache files, or a `save_to_disk`
folder's own), the format, the column map, and a stamp (size, mtime, ctime) of every input
file and Arrow file. `open_fast` checks every stamp and maps the Arrow files with pyarrow,
returning a `ProvisionalDataset` whose `hf` holds `ArrowSplit`s; its `complete()` runs the
normal open (the app does that in the background before any analysis starts).

Anything that does not match exactly — an input file written, added or removed, a cache file
rewritten or gone, other options, an index from another version — means no fast open, and the
caller takes the normal path. Data whose columns `datasets` would decode (images, audio) or
whose rows are not plain Arrow files is never recorded.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa

from inspector.core.cache import Cache, make_key, state_dir_for
from inspector.core.data.arrow_rows import ArrowSplit, read_arrow_file
from inspector.core.data.dataset import InspectorDataset, open_dataset
from inspector.core.data.load import Loaded, data_files_under, is_saved_dataset

KIND = "open"
#: `datasets` operations on a mapped file that leave every value as in the file.
HARMLESS_REPLAYS = {"replace_schema_metadata"}
#: Bump when the entry's layout or meaning changes: older entries are then ignored.
VERSION = 1


def stamp(path: Path) -> list:
    """`[path, size, mtime_ns, ctime_ns]`: any write, replacement or touch changes it."""
    st = os.stat(path)
    return [str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def inputs_of(path: Path) -> list[Path]:
    """Every file whose content the loaded rows depend on, found the way `load` finds them."""
    if not path.is_dir():
        return [path]
    if is_saved_dataset(path):
        # Arrow data plus the JSON metadata (features, split layout) beside it; our own state
        # folder (`.inspector/`, hidden) is not part of the data.
        return sorted(
            p
            for p in path.rglob("*")
            if p.suffix in (".arrow", ".json")
            and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
    return data_files_under(path)


def input_stamps(path: Path) -> list[list]:
    """The stamps of every input file of `path` (see `inputs_of`)."""
    return [stamp(p) for p in inputs_of(Path(path).resolve())]


def index_key(path: Path, format: str | None, column_map: dict[str, str] | None) -> str:
    return make_key(
        version=VERSION,
        path=str(Path(path).resolve()),
        format=format,
        column_map=sorted((column_map or {}).items()),
    )


def record(
    ds: InspectorDataset,
    format: str | None = None,
    column_map: dict[str, str] | None = None,
    before: list[list] | None = None,
) -> bool:
    """Write the open index of `ds`, opened normally with these options; False when `ds` cannot
    be reopened from Arrow alone or the state folder is not writable.

    `before` are the `input_stamps` taken before the open: when an input changed while it was
    being read, the rows loaded may belong to neither version, and nothing is recorded."""
    entry = describe(ds)
    if entry is None or (before is not None and before != entry["inputs"]):
        return False
    try:
        ds.cache.put_json(KIND, index_key(ds.path, format, column_map), entry)
    except OSError:
        return False
    return True


def describe(ds: InspectorDataset) -> dict | None:
    """The index entry of a normally opened dataset, or None when pyarrow alone could not
    give back exactly the rows `datasets` gives."""
    from datasets.features.features import require_decoding

    splits = {}
    for name, data in ds.hf.items():
        if getattr(data, "_indices", None) is not None or data.format.get("type") is not None:
            return None  # a selection or a format over the files: not the files' rows
        if any(require_decoding(f) for f in data.features.values()):
            return None
        files = _plain_files(data.data)
        if not files:
            return None
        table = _concat([read_arrow_file(f) for f in files])
        if (
            table is None
            or table.num_rows != data.num_rows
            or not table.schema.equals(data.data.table.schema)
        ):
            return None
        splits[name] = {"rows": data.num_rows, "arrow": [stamp(f) for f in files]}
    root = ds.path
    return {
        "version": VERSION,
        "inputs": input_stamps(root),
        "files": [_relative(f, root) for f in ds.files],
        "split_files": {s: [_relative(f, root) for f in fs] for s, fs in ds.split_files.items()},
        "format": ds.format,
        "view": ds.column_map,
        "json_columns": sorted(ds.json_columns),
        "splits": splits,
    }


def open_fast(
    path: str | Path,
    *,
    format: str | None = None,
    column_map: dict[str, str] | None = None,
    state_dir: str | Path | None = None,
) -> ProvisionalDataset | None:
    """The dataset from its open index, read with pyarrow alone; None unless every stamp matches
    (the caller then opens it normally). The result is provisional: see `complete()`."""
    path = Path(path)
    state = Path(state_dir) if state_dir else None
    try:
        cache = Cache(state_dir_for(path, state))
        entry = cache.get_json(KIND, index_key(path, format, column_map))
        if not entry or entry.get("version") != VERSION:
            return None
        stamps = input_stamps(path)
        if stamps != entry["inputs"]:
            return None
        splits = {}
        for name, info in entry["splits"].items():
            files = [Path(s[0]) for s in info["arrow"]]
            if [stamp(f) for f in files] != info["arrow"]:
                return None
            table = _concat([read_arrow_file(f) for f in files])
            if table is None or table.num_rows != info["rows"]:
                return None
            splits[name] = ArrowSplit(table)
        loaded = Loaded(
            path,
            [path / f for f in entry["files"]],
            splits,
            {s: [path / f for f in fs] for s, fs in entry["split_files"].items()},
            frozenset(entry["json_columns"]),
        )
        request = {"format": format, "column_map": column_map, "state_dir": state_dir}
        return ProvisionalDataset(
            loaded, entry["format"], dict(entry["view"]), state, request=request, stamps=stamps
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError, pa.ArrowException):
        return None  # an unreadable or odd index is only a missed shortcut


class ProvisionalDataset(InspectorDataset):
    """A dataset reopened from its open index: `hf` maps each split to an `ArrowSplit` (rows
    read with pyarrow alone, enough to show them); `complete()` is the normal open."""

    provisional = True

    def __init__(
        self,
        loaded: Loaded,
        fmt: str,
        view: dict[str, str],
        state_dir: Path | None,
        *,
        request: dict,
        stamps: list[list],
    ):
        super().__init__(loaded, fmt, view, state_dir)
        self.open_request = request
        """The options it was opened with, for the normal open of `complete()`."""
        self.input_stamps = stamps
        """The input files' stamps the fast open checked."""

    def complete(self) -> InspectorDataset:
        """The normal `open_dataset` of the same path and options (`hf` a `DatasetDict`)."""
        return open_dataset(self.path, **self.open_request)

    def same_rows(self, full: InspectorDataset) -> bool:
        """Whether `full` (the normal open) holds the rows this one showed: the same layout,
        and no input file changed since the fast open checked them."""
        try:
            unchanged = input_stamps(self.path) == self.input_stamps
        except OSError:
            return False
        return (
            unchanged
            and full.splits == self.splits
            and all(full.num_rows(s) == self.num_rows(s) for s in self.splits)
            and full.format == self.format
            and full.column_map == self.column_map
            and full.json_columns == self.json_columns
        )


def same_data(shown: ProvisionalDataset, full: InspectorDataset) -> bool:
    """Whether `full` holds the rows the provisional `shown` showed (`shown.same_rows(full)`)."""
    return shown.same_rows(full)


def _plain_files(table) -> list[Path] | None:
    """The Arrow files whose rows, one after the other, are exactly `table` (a `datasets`
    table), or None: when rows are held in memory, or a file's values were transformed after
    it was mapped (a cast, a slice: `datasets` records those as *replays*; new schema
    metadata is harmless), or files are joined side by side. Decided from the table's
    structure, without reading any rows: many gigabytes are recorded as fast as a few rows."""
    from datasets.table import ConcatenationTable, MemoryMappedTable

    if isinstance(table, MemoryMappedTable):
        blocks = [table]
    elif isinstance(table, ConcatenationTable) and all(len(row) == 1 for row in table.blocks):
        blocks = [row[0] for row in table.blocks]
    else:
        return None
    if not all(
        isinstance(b, MemoryMappedTable) and all(r[0] in HARMLESS_REPLAYS for r in b.replays)
        for b in blocks
    ):
        return None
    return [Path(b.path) for b in blocks]


def _concat(tables: list[pa.Table]) -> pa.Table | None:
    if not tables:
        return None
    if len(tables) == 1:
        return tables[0]
    try:
        return pa.concat_tables(tables)
    except pa.ArrowInvalid:  # files of different schemas: not one split of plain files
        return None


def _relative(f: Path, root: Path) -> str:
    """`f` relative to the opened path ("." for the file itself), so the entry does not depend
    on how the user spelled the path."""
    if not root.is_dir():
        return "."
    return str(Path(f).relative_to(root))
