"""Which files of a folder are data, and which split each belongs to (names and sub-folders)."""

from __future__ import annotations

import heapq
import json
import re
from pathlib import Path

from inspector.core.errors import InputError

#: File suffixes we read, mapped to the `datasets` builder that reads them.
BUILDERS = {
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".parquet": "parquet",
    ".csv": "csv",
    ".tsv": "csv",
    ".arrow": "arrow",
    ".txt": "text",
}
COMPRESSIONS = (".gz", ".bz2", ".xz", ".zst")

#: Files that sit beside data but are not data (metadata of save_to_disk, our own manifests).
NOT_DATA = {"dataset_info.json", "state.json", "dataset_dict.json", "manifest.json"}

SPLIT_WORDS = {
    "train": "train",
    "training": "train",
    "validation": "validation",
    "valid": "validation",
    "val": "validation",
    "dev": "validation",
    "eval": "validation",
    "test": "test",
    "testing": "test",
}


def builder_for(path: Path) -> str | None:
    """The `datasets` builder for a file name, looking through a compression suffix."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSIONS:
        suffixes = suffixes[:-1]
    return BUILDERS.get(suffixes[-1]) if suffixes else None


def split_word(name: str) -> str | None:
    """The split a name says (its last split word, before any suffix), or None."""
    stem = name.split(".")[0].lower()
    for word in reversed(re.split(r"[^a-z0-9]+", stem)):
        if word in SPLIT_WORDS:
            return SPLIT_WORDS[word]
    return None


def split_of(path: Path, root: Path | None = None) -> str:
    """The split of a data file: the file name's split word, else that of the nearest folder
    between it and `root` (`data/test/part-0.parquet` is test), else `train`."""
    said = split_word(path.name)
    if said is None and root is not None:
        for folder in reversed(path.parent.relative_to(root).parts):
            said = split_word(folder)
            if said is not None:
                break
    return said or "train"


def is_saved_dataset(folder: Path) -> bool:
    """Whether a folder was written by `Dataset.save_to_disk` / `DatasetDict.save_to_disk`."""
    return (folder / "dataset_dict.json").is_file() or (
        (folder / "state.json").is_file() and (folder / "dataset_info.json").is_file()
    )


def is_export_output(folder: Path) -> bool:
    """Whether a folder was written by `inspector export` (it holds our manifest)."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        tool = json.loads(manifest.read_text(encoding="utf-8")).get("tool", {})
        return tool.get("name") == "inspector" and "manifest_schema" in tool
    except (OSError, ValueError, TypeError, AttributeError):
        return False


def _is_data_file(p: Path) -> bool:
    return (
        p.is_file()
        and not p.name.startswith(".")
        and p.name not in NOT_DATA
        and builder_for(p) is not None
    )


def data_files_in(folder: Path) -> list[Path]:
    """The data files directly inside a folder (hidden files and metadata skipped)."""
    return sorted(p for p in folder.iterdir() if _is_data_file(p))


def data_files_under(folder: Path) -> list[Path]:
    """Every data file in a folder and its sub-folders, the files `load` reads.

    Hidden folders (our `.inspector/` state) and `inspector export` outputs are not the
    dataset and are skipped. A `save_to_disk` folder below is a whole dataset of its own whose
    Arrow files cannot be mixed with others, so it is refused by name rather than dropped.

    Symbolic links are followed once: each folder and each file is read once however many
    links reach it (the first path in name order is the one used), and a link to a folder
    holding the opened one (a loop, or a link to a parent that would pull in other datasets)
    is refused by name.
    """
    found: list[Path] = []
    saved: list[Path] = []
    root = _real(folder)
    seen: set[tuple[int, int]] = {_identity(folder)}
    # Entries are taken in path order, so of two links to one file the first path is kept.
    pending = [(str(p), p) for p in _entries(folder)]
    heapq.heapify(pending)
    while pending:
        _, p = heapq.heappop(pending)
        if p.name.startswith("."):
            continue
        if p.is_symlink() and not p.exists() and builder_for(p) is not None:
            raise InputError(
                f"{p}: a symbolic link that leads nowhere (a missing target, or a loop of "
                "links); remove it or point it at a file."
            )
        if p.is_dir():
            if p.is_symlink():
                _refuse_loop(folder, root, p)
            ident = _identity(p)
            if ident in seen:
                continue
            seen.add(ident)
            if is_saved_dataset(p):
                saved.append(p)
            elif not is_export_output(p):
                for child in _entries(p):
                    heapq.heappush(pending, (str(child), child))
        elif _is_data_file(p):
            ident = _identity(p)
            if ident not in seen:
                seen.add(ident)
                found.append(p)
    if saved:
        listing = ", ".join(f"{s}/" for s in sorted(saved))
        raise InputError(
            f"{folder}: {len(saved)} sub-folder(s) hold a save_to_disk dataset ({listing}), "
            "which cannot be read together with other files; open "
            + ("it" if len(saved) == 1 else "one of them")
            + " on its own."
        )
    return sorted(found)


def _entries(folder: Path) -> list[Path]:
    """A folder's entries, or an `InputError` naming a folder that cannot be listed."""
    try:
        return list(folder.iterdir())
    except OSError as err:
        raise InputError(f"{folder}: cannot list this folder ({err.strerror or err}).") from None


def _real(p: Path) -> Path:
    try:
        return p.resolve(strict=True)
    except (OSError, RuntimeError) as err:  # RuntimeError: a loop on Python < 3.13
        raise InputError(f"{p}: a symbolic link that cannot be followed ({err}).") from None


def _identity(p: Path) -> tuple[int, int]:
    st = p.stat()
    return st.st_dev, st.st_ino


def _refuse_loop(folder: Path, root: Path, link: Path) -> None:
    """A link to the opened folder or one of its parents would read it again, or more."""
    target = _real(link)
    if root == target or root.is_relative_to(target):
        raise InputError(
            f"{link}: a symbolic link to {target}, which holds the folder being opened "
            f"({folder}): a loop, and following it would read the same files again (or other "
            "datasets). "
            "Remove the link, or open the folder it points to."
        )
