"""Turn a path (a file, a folder of files, a `save_to_disk` folder) into a `datasets.DatasetDict`.

Rows stay in Arrow, memory-mapped from the `datasets` cache: nothing here builds a Python list
of all rows. A folder is read with all its sub-folders (see `inspector.core.data.folders`); splits
come from file names (train / validation|val|valid|dev / test), else from the nearest sub-folder
name saying one (`data/test/part-0.parquet`); files nothing names go to `train`. Whatever
cannot be read becomes an `InputError` naming the file and, where there is one, the line (see
`inspector.core.data.diagnose`).
"""

from __future__ import annotations

import json
import logging
import lzma
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from inspector.core.data.diagnose import diagnose_file
from inspector.core.data.files import RECORD_COLUMNS, check_utf8, first_bytes, iter_json_records
from inspector.core.data.folders import (  # noqa: F401 - re-exported: callers import them from here
    BUILDERS,
    NOT_DATA,
    SPLIT_WORDS,
    builder_for,
    data_files_in,
    data_files_under,
    is_saved_dataset,
    split_of,
)
from inspector.core.data.limits import (
    check_csv_fields,
    check_json_file,
    check_line_sizes,
    check_schema,
    is_blank,
)
from inspector.core.errors import InputError

SPLIT_ORDER = ("train", "validation", "test")


@dataclass
class Loaded:
    """What `load` read: the rows plus where they came from."""

    path: Path
    files: list[Path]
    splits: datasets.DatasetDict  # noqa: F821 - imported lazily
    split_files: dict[str, list[Path]]
    json_columns: frozenset[str] = frozenset()
    """Columns stored as JSON text because their values mix types (see `_reload_exact`)."""


def load(path: Path) -> Loaded:
    """Read `path` into a DatasetDict, or raise `InputError` saying what is wrong and where."""
    from inspector.core.offline import no_phone_home

    no_phone_home()  # `datasets` counts every load, even of a local file, over HTTPS
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder.")
    if path.is_dir():
        if is_saved_dataset(path):
            return _load_saved(path)
        files = data_files_under(path)
        if not files:
            _no_data_in_folder(path)
    else:
        if builder_for(path) is None:
            raise InputError(
                f"{path}: cannot tell the file type from its name. Readable types: "
                + ", ".join(sorted(set(BUILDERS)))
                + " (optionally compressed as .gz, .bz2, .xz or .zst)."
            )
        files = [path]

    by_split: dict[str, list[Path]] = {}
    for f in files:
        by_split.setdefault(split_of(f, path if path.is_dir() else None), []).append(f)

    per_file = {f: _load_file(f) for f in files}
    _check_same_columns(path, per_file)
    json_columns = frozenset(c for ds in per_file.values() for c in _mixed_columns(ds))
    if json_columns:
        per_file = {f: _reload_exact(f, ds, json_columns) for f, ds in per_file.items()}

    import datasets

    splits = {}
    for split in sorted(by_split, key=_split_rank):
        parts = [per_file[f] for f in by_split[split]]
        if len(parts) == 1:
            splits[split] = parts[0]
        else:
            try:
                splits[split] = datasets.concatenate_datasets(parts)
            except ValueError as err:
                names = ", ".join(str(f) for f in by_split[split])
                raise InputError(
                    f"{names}: these files of the {split} split have the same columns but "
                    f"different column types, so they cannot be read as one split ({err})."
                ) from None
    return Loaded(path, files, datasets.DatasetDict(splits), by_split, json_columns)


def _mixed_columns(ds) -> list[str]:
    """Top-level columns whose values (at any depth) mix types, which `datasets` types `Json`."""
    import datasets

    def has_json(feature) -> bool:
        if isinstance(feature, datasets.Json):
            return True
        if isinstance(feature, dict):
            return any(has_json(f) for f in feature.values())
        inner = getattr(feature, "feature", None)
        return inner is not None and has_json(inner)

    return [name for name, f in ds.features.items() if has_json(f)]


def _reload_exact(path: Path, first_load, json_columns: frozenset[str]):
    """Re-read a JSON file keeping mixed-type columns exactly, as JSON text.

    `datasets` stores a mixed column as JSON text but writes strings unquoted, so the string
    "5" comes back as the number 5 and "[1]" as a list: a row whose `output` is the text "42"
    would wrongly look like a row whose `output` is a number. We serialize those columns
    ourselves (streamed into Arrow by `from_generator`); `InspectorDataset` decodes them.
    """
    import datasets

    features = datasets.Features(
        {
            name: datasets.Value("large_string") if name in json_columns else feature
            for name, feature in first_load.features.items()
        }
    )
    with _quiet_datasets():
        try:
            return _exact_dataset(path, features, json_columns)
        except InputError:
            raise
        except Exception as err:  # noqa: BLE001 - `datasets` wraps the parser's error
            raise diagnose_file(path, "json", err) from None


def _exact_dataset(path: Path, features, json_columns: frozenset[str]):
    import datasets

    return datasets.Dataset.from_generator(
        _exact_rows,
        features=features,
        gen_kwargs={
            "path": str(path.resolve()),
            "columns": tuple(features),
            "encoded": tuple(sorted(json_columns)),
            "stamp": path.stat().st_mtime_ns,
        },
    )


def _exact_rows(path: str, columns: tuple[str, ...], encoded: tuple[str, ...], stamp: int):
    """Records of a JSON / JSON Lines file with the `encoded` columns serialized as JSON text."""
    del stamp  # part of the cache key only: a changed file must not reuse an old conversion
    for record in iter_json_records(Path(path)):
        yield {
            k: (json.dumps(record[k], ensure_ascii=False) if k in record else None)
            if k in encoded
            else record.get(k)
            for k in columns
        }


def _split_rank(name: str) -> tuple[int, str]:
    return (SPLIT_ORDER.index(name) if name in SPLIT_ORDER else len(SPLIT_ORDER), name)


def _no_data_in_folder(folder: Path) -> None:
    raise InputError(
        f"{folder}: no data files found in this folder or its sub-folders (looked for "
        + ", ".join(sorted(set(BUILDERS)))
        + ", optionally compressed)."
    )


def _check_same_columns(root: Path, per_file: dict) -> None:
    """Refuse a folder whose files are of different schemas: they are not one dataset."""
    schemas: dict[tuple[str, ...], list[Path]] = {}
    for f, ds in per_file.items():
        schemas.setdefault(tuple(sorted(ds.column_names)), []).append(f)
    if len(schemas) > 1:
        lines = "; ".join(
            f"{', '.join(_shown(p, root) for p in fs)} has columns {', '.join(cols) or '(none)'}"
            for cols, fs in schemas.items()
        )
        tops = sorted({f.relative_to(root).parts[0] for f in per_file if _in_sub_folder(f, root)})
        hint = (
            f"Its sub-folders ({', '.join(t + '/' for t in tops)}) look like separate datasets: "
            f"open one of them, e.g. {root / tops[-1]}"
            if tops
            else "Open each file on its own, or move them into separate folders"
        )
        raise InputError(
            f"{root}: the files in this folder have different schemas, so they are not one "
            f"dataset: {lines}. {hint}."
        )


def _in_sub_folder(f: Path, root: Path) -> bool:
    return root.is_dir() and len(f.relative_to(root).parts) > 1


def _shown(f: Path, root: Path) -> str:
    """A file named relative to the opened folder (sub-folders may repeat file names)."""
    return str(f.relative_to(root)) if root.is_dir() else f.name


@contextmanager
def _quiet_datasets():
    """Silence `datasets`' own progress bars and error logging; we report errors ourselves."""
    import datasets

    was_enabled = datasets.utils.logging.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    logger = logging.getLogger("datasets")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
        if was_enabled:
            datasets.enable_progress_bars()


def _load_file(path: Path):
    """One file as a `datasets.Dataset`."""
    import datasets

    head = first_bytes(path, 4096)
    if not head.strip() and is_blank(path):
        raise InputError(f"{path}: the file is empty (it holds nothing but whitespace).")
    builder = builder_for(path)
    kwargs = {}
    if builder == "csv" and path.name.lower().split(".")[1:2] == ["tsv"]:
        kwargs["delimiter"] = "\t"
    _check_limits(path, builder, kwargs.get("delimiter", ","))
    try:
        with _quiet_datasets():
            ds = datasets.load_dataset(
                builder, data_files=str(path.resolve()), split="train", **kwargs
            )
    except InputError:
        raise
    except Exception as err:  # datasets wraps every parser error; find the real cause
        raise diagnose_file(path, builder, err) from None
    if builder == "json":
        _check_valid_utf8(path, ds)
        ds = _unwrap_single_list(path, ds)
    if builder == "text":
        ds = _without_blank_lines(ds)
    if ds.num_rows == 0:
        raise InputError(f"{path}: the file holds no rows.")
    check_schema(path, ds.data.schema)
    return ds


def _check_limits(path: Path, builder: str, delimiter: str) -> None:
    """Refuse, before any parser runs, what would crash or mislead it (see `limits`)."""
    try:
        if builder == "json":
            check_json_file(path)
        elif builder in ("csv", "text"):
            check_line_sizes(path)
            if builder == "csv":
                check_csv_fields(path, delimiter)
    except (OSError, EOFError, lzma.LZMAError) as err:
        raise diagnose_file(path, builder, err) from None


def _without_blank_lines(ds):
    """A plain-text file's documents are its lines; a blank (or whitespace-only) line separates
    them and is not a document of its own."""
    import pyarrow.compute as pc

    blank = pc.equal(pc.utf8_trim_whitespace(ds.data.table.column("text")), "")
    if not pc.any(blank).as_py():
        return ds
    with _quiet_datasets():
        kept = ds.filter(
            lambda batch: [t is not None and t.strip() != "" for t in batch["text"]],
            batched=True,
        )
        return kept.flatten_indices()


def _check_valid_utf8(path: Path, ds) -> None:
    """Arrow's JSON reader copies bytes that are not UTF-8 into string columns unchecked.

    Validating the loaded table is done in C++ and is several times faster than decoding the
    file up front; only when it fails do we scan the file to name the line.
    """
    try:
        ds.data.table.validate(full=True)
    except Exception:  # pyarrow.ArrowInvalid
        check_utf8(path)
        raise InputError(f"{path}: the file holds text that is not valid UTF-8.") from None


def _unwrap_single_list(path: Path, ds):
    """A JSON object holding one list of records (``{"data": [...]}``) is that list.

    An object whose one key is a column some format uses (``{"conversations": [...]}``, as in
    axolotl's fixtures) is one record instead, and stays as it is.
    """
    import datasets

    if ds.num_rows != 1 or len(ds.column_names) != 1:
        return ds
    name = ds.column_names[0]
    if name.lower() in RECORD_COLUMNS or first_bytes(path, 4096).lstrip()[:1] != b"{":
        return ds
    feature = ds.features[name]
    if not isinstance(feature, (datasets.List, datasets.LargeList)) or not isinstance(
        feature.feature, dict
    ):
        return ds
    with _quiet_datasets():
        return datasets.load_dataset(
            "json", data_files=str(path.resolve()), field=name, split="train"
        )


def _load_saved(folder: Path) -> Loaded:
    import datasets

    try:
        obj = datasets.load_from_disk(str(folder))
    except Exception as err:
        raise InputError(f"{folder}: cannot read this save_to_disk folder: {err}") from None
    if isinstance(obj, datasets.Dataset):
        obj = datasets.DatasetDict({"train": obj})
    for split in obj.values():
        check_schema(folder, split.data.schema)
    files = sorted(folder.rglob("*.arrow"))
    if not files or sum(len(d) for d in obj.values()) == 0:
        raise InputError(f"{folder}: the saved dataset holds no rows.")
    split_files = {name: sorted((folder / name).glob("*.arrow")) or files for name in obj}
    return Loaded(folder, files, obj, split_files)


def dumps_meta(loaded: Loaded) -> str:
    """A short JSON description of what was loaded (for logs and manifests)."""
    return json.dumps(
        {
            "path": str(loaded.path),
            "files": [str(f) for f in loaded.files],
            "splits": {k: len(v) for k, v in loaded.splits.items()},
        }
    )
