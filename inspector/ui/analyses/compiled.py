"""Whether the numba kernels of an analysis were compiled on this machine before.

The first run of the scan's and the clusters' compiled steps (MinHash, UMAP) compiles their
kernels, which takes seconds to minutes with no progress to report; the app says so while it
happens ("compiling kernels, once") rather than showing a bar that does not move. A marker
file per analysis and library versions, in the per-user cache folder, records that a run
finished; a new Python, numba or umap-learn version compiles again, and says so again.
"""

from __future__ import annotations

import hashlib
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

#: The libraries whose kernels an analysis compiles.
LIBRARIES = ("numba", "llvmlite", "umap-learn")


def _versions() -> str:
    parts = [sys.version.split()[0]]
    for lib in LIBRARIES:
        try:
            parts.append(f"{lib}={version(lib)}")
        except PackageNotFoundError:
            parts.append(f"{lib}=-")
    return hashlib.blake2b(" ".join(parts).encode(), digest_size=8).hexdigest()


def marker(name: str) -> Path:
    """The marker file of analysis `name` (honours XDG_CACHE_HOME)."""
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "inspector" / "compiled" / f"{name}-{_versions()}"


def before(name: str) -> bool:
    """Whether a run of analysis `name` finished here with these library versions."""
    try:
        return marker(name).is_file()
    except OSError:
        return False


def remember(name: str) -> None:
    """Record that a run of analysis `name` finished (a failure to write only costs the note)."""
    path = marker(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError:
        pass
