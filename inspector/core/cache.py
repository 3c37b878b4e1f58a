"""Results cached next to the data, keyed by the data's fingerprint and the settings used.

Layout: ``<state dir>/cache/<kind>/<key>.<suffix>`` where the key is a hash of the input
fingerprint plus every setting that changes the result. Writes go to a temporary file that is
renamed into place, so a killed process never leaves a half-written entry that a later run
would trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def state_dir_for(data_path: Path, override: Path | None = None) -> Path:
    """Where decisions and caches live: `override`, else `.inspector/` beside the data.

    A folder of data gets `.inspector/` inside it; a file gets `.inspector/` in its folder.
    An existing `.inspector/` is used even when it cannot be written (a read-only mount):
    the decisions in it are still read and applied, and caches go to `fallback_dir`. When
    there is none and that place is not writable (a shared dataset folder), the per-user
    fallback is the state folder, so nothing is ever written into the input.
    """
    if override is not None:
        return Path(override)
    data_path = Path(data_path).resolve()
    base = data_path if data_path.is_dir() else data_path.parent
    if (base / ".inspector").is_dir() or os.access(base, os.W_OK):
        return base / ".inspector"
    return fallback_dir(data_path)


def fallback_dir(path: Path) -> Path:
    """A per-user folder standing in for `path` when `path` cannot be written."""
    path = Path(path).resolve()
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:16]
    root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "inspector"
    return root / f"{path.name}-{digest}"


#: Free space a state folder needs before long work starts (caches of a big dataset take
#: tens of MiB; SQLite needs room for its journal).
MIN_FREE_BYTES = 64 << 20


def write_problem(folder: Path, min_free: int = MIN_FREE_BYTES) -> str | None:
    """Why `folder` cannot take new files (created if missing), or None when it can: it
    cannot be written (`unwritable`), or it has less than `min_free` bytes free."""
    return unwritable(folder) or low_space(folder, min_free)


def unwritable(folder: Path) -> str | None:
    """Why nothing can be written in `folder` (created if missing), or None.

    Tried for real: the folder is created and a small file written and removed, since
    permissions alone do not tell (a read-only mount, root on a `chmod 555` folder).
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-check-")
        try:
            os.write(fd, b"x")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as err:
        return err.strerror or str(err)
    return None


def low_space(folder: Path, min_free: int = MIN_FREE_BYTES) -> str | None:
    """A sentence when the file system of `folder` has less than `min_free` bytes free."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):  # pragma: no cover - no statvfs (Windows)
        return None
    free = st.f_bavail * st.f_frsize
    if free < min_free:
        return f"only {free / (1 << 20):.1f} MiB free, at least {min_free >> 20} MiB needed"
    return None


def make_key(**parts: Any) -> str:
    """A stable short hash of keyword settings (JSON-serializable values)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


class Cache:
    """A folder of cached results. `kind` names the analysis (``scan``, ``embeddings``...).

    A cache never loses a result nor stops the work that made it: an entry that cannot be
    written (read-only folder, full disk) is noted in `problems` for the caller to show, and
    an entry that cannot be read is discarded so that it is computed again.
    """

    def __init__(self, root: Path):
        self.root = Path(root) / "cache"
        self.problems: list[str] = []

    def move_to(self, state_folder: Path) -> None:
        """Write (and read) entries under another state folder from now on."""
        self.root = Path(state_folder) / "cache"

    def path(self, kind: str, key: str, suffix: str) -> Path:
        return self.root / kind / f"{key}.{suffix}"

    def get_json(self, kind: str, key: str) -> Any | None:
        p = self.path(kind, key, "json")
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):  # damaged (ValueError covers bad JSON and bad UTF-8)
            self.discard(kind, key)
            return None

    def put_json(self, kind: str, key: str, value: Any) -> Path | None:
        """Store `value`; None (and a line in `problems`) when it cannot be written."""
        p = self.path(kind, key, "json")
        return self.put_bytes(p, json.dumps(value).encode())

    def put_bytes(self, path: Path, data: bytes) -> Path | None:
        """Write one entry file atomically; None (and a line in `problems`) on failure."""
        try:
            atomic_write_bytes(path, data)
        except OSError as err:
            self.note_failure(path, err)
            return None
        return path

    def note_failure(self, path: Path, err: OSError) -> None:
        why = err.strerror or str(err)
        line = f"{path.parent}: cannot write the cache ({why}); the result is not cached."
        if line not in self.problems:
            self.problems.append(line)

    def discard(self, kind: str, key: str) -> None:
        """Remove every file of one entry (a damaged one, to be computed again)."""
        folder = self.root / kind
        try:
            damaged = list(folder.glob(f"{key}.*"))
        except OSError:
            return
        for f in damaged:
            try:
                f.unlink()
            except OSError:
                pass


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
