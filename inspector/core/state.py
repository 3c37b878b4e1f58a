"""The state folder checked before long work starts, so that no result and no decision is lost.

`prepare_state(ds, store=...)` runs before a command computes anything: it tries writing in the
dataset's state folder (created if missing) and checks its free space. When it cannot take new
files, caches move to a per-user fallback folder (`cache.fallback_dir`) and a note names it;
when that fails too, an `InputError` says which folders and what to do. The triage store, when
the command reads or writes decisions, is opened once to prove it readable (a damaged file is
an `InputError`, never a `sqlite3` traceback), and a store that can only be read is said to
be read-only: its decisions are still applied.
"""

from __future__ import annotations

from inspector.core.cache import fallback_dir, low_space, unwritable
from inspector.core.errors import InputError

#: What a command does with the triage store.
STORE_USES = ("none", "read", "write")


def prepare_state(ds, *, store: str = "none") -> list[str]:
    """Make sure results and decisions have a place; returns the notes to show the user.

    `store`: "none" (the command never touches decisions), "read" (export applies them) or
    "write" (the app makes them). Raises `InputError` when no folder can take the caches or
    the store cannot be read.
    """
    if store not in STORE_USES:
        raise ValueError(f"store must be one of {STORE_USES}, not {store!r}")
    notes: list[str] = []
    folder = ds.state_dir
    hard = unwritable(folder)  # nothing can be written: the store is read-only too
    problem = hard or low_space(folder)  # either way, caches go elsewhere
    if problem:
        # Named after the data folder, as when `state_dir_for` itself falls back.
        other = fallback_dir(folder.parent if folder.name == ".inspector" else folder)
        other_problem = unwritable(other) or low_space(other)
        if other_problem:
            raise InputError(
                f"{folder}: cannot use the state folder ({problem}), nor the fallback "
                f"{other} ({other_problem}). Free some space, or pass --state DIR with a "
                "writable folder."
            )
        ds.cache.move_to(other)
        notes.append(
            f"{folder}: {'cannot write here, ' if hard else ''}{problem}; caches are written to "
            f"{other} instead."
        )
    if store != "none" and (folder / "triage.sqlite").is_file():
        notes.extend(_check_store(ds, store, hard))
    elif store == "write" and hard:
        notes.append(
            f"decisions cannot be saved: {folder} cannot be written ({hard}); open the "
            "data with --state DIR (a writable folder) to make decisions."
        )
    return notes


def _check_store(ds, store: str, folder_problem: str | None) -> list[str]:
    from inspector.core.triage import TriageStore

    opened = TriageStore.open(ds.state_dir, ds.name, read_only=store == "read")
    try:
        if store == "write" and opened.read_only:
            return [
                f"{opened.db_path}: the decisions store is read-only "
                f"({folder_problem or opened.read_only_reason}): its decisions are shown and "
                "exported, but new ones cannot be saved. Open the data with --state DIR (a "
                "writable folder) to make decisions."
            ]
        return []
    finally:
        opened.close()
