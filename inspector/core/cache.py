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
    When that place is not writable (a read-only mount, a shared dataset folder), fall back to
    a per-user folder named after the data's absolute path, so nothing is ever written into
    the input and the user still gets caching.
    """
    if override is not None:
        return Path(override)
    data_path = Path(data_path).resolve()
    base = data_path if data_path.is_dir() else data_path.parent
    if os.access(base, os.W_OK):
        return base / ".inspector"
    digest = hashlib.sha1(str(data_path).encode()).hexdigest()[:16]
    root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "inspector"
    return root / f"{data_path.name}-{digest}"


def make_key(**parts: Any) -> str:
    """A stable short hash of keyword settings (JSON-serializable values)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


class Cache:
    """A folder of cached results. `kind` names the analysis (``scan``, ``embeddings``...)."""

    def __init__(self, root: Path):
        self.root = Path(root) / "cache"

    def path(self, kind: str, key: str, suffix: str) -> Path:
        return self.root / kind / f"{key}.{suffix}"

    def get_json(self, kind: str, key: str) -> Any | None:
        p = self.path(kind, key, "json")
        try:
            return json.loads(p.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def put_json(self, kind: str, key: str, value: Any) -> Path:
        p = self.path(kind, key, "json")
        atomic_write_bytes(p, json.dumps(value).encode())
        return p


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
