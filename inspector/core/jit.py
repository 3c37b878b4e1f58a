"""Where numba keeps compiled code, so that every process after the first loads it, not compiles it.

Numba caches a ``cache=True`` function in the ``__pycache__`` next to its source, and when that
folder is not writable (a system-wide or read-only install) in a per-user folder
(``~/.cache/numba``, or under ``XDG_CACHE_HOME``): its own fallback, see numba's
``core/caching.py`` locators. Only when neither can be written does numba refuse to define the
function at all (``RuntimeError: cannot cache function``), so `prepare_cache` points it, before
numba is imported, at a folder of this user's in the temporary directory instead. A cache folder
the user chose (``NUMBA_CACHE_DIR``) is always kept.

umap-learn compiles its graph and layout kernels without ``cache=True``: on two shared cores a
new process spent ~30 s of its first clusters of 590 rows recompiling them. `cache_umap` turns
numba's cache on for the ones our projection calls (numba's own ``Dispatcher.enable_caching``, the
call its decorator makes for ``cache=True``), before their first compile.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

#: (module, global name) of umap-learn kernels compiled on each fit's path. Kernels sharing one
#: Python function under different options (the layout epoch in parallel and serial form) would
#: share one cache entry too, since numba's cache key has no compile options: only the serial
#: epoch, the one a seeded fit runs, is cached.
UMAP_KERNELS = (
    ("umap.umap_", "smooth_knn_dist"),
    ("umap.umap_", "compute_membership_strengths"),
    ("umap.layouts", "_nb_optimize_layout_euclidean_single_epoch"),
    ("umap.layouts", "clip"),
)


def _writable(folder: Path) -> bool:
    """Whether files can be created in `folder` (created if missing), tried as numba tries it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
        return True
    except OSError:
        return False


def _user_cache() -> Path:
    """Numba's per-user cache folder (its appdirs rule on Linux and macOS)."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "numba"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "numba"


def prepare_cache(source: str | Path) -> str:
    """Make sure numba can cache the kernels defined in the file `source`; returns where.

    Call before the module defining them is imported (numba reads ``NUMBA_CACHE_DIR`` when it
    is itself imported; an already imported numba gets its config changed instead).
    """
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    if chosen:
        return chosen
    in_tree = Path(source).resolve().parent / "__pycache__"
    if _writable(in_tree):
        return str(in_tree)
    user = _user_cache()
    if _writable(user):
        return str(user)
    fallback = Path(tempfile.gettempdir()) / f"inspector-numba-{os.getuid()}"
    fallback.mkdir(mode=0o700, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(fallback)
    config = sys.modules.get("numba.core.config")
    if config is not None:
        config.CACHE_DIR = str(fallback)
    return str(fallback)


def cache_umap() -> list[str]:
    """Turn numba's cache on for `UMAP_KERNELS` not compiled yet; returns those it turned on.

    A name missing from the installed umap-learn (a renamed kernel) is skipped: it only costs
    its compile, as before. Importing umap is the caller's business (it takes seconds).
    """
    import importlib

    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    module = importlib.import_module("umap.umap_")
    prepare_cache(module.__file__)
    done = []
    for module_name, name in UMAP_KERNELS:
        kernel = getattr(importlib.import_module(module_name), name, None)
        if not isinstance(kernel, Dispatcher):
            continue
        if isinstance(kernel._cache, NullCache) and not kernel.overloads:
            kernel.enable_caching()
            done.append(f"{module_name}.{name}")
    return done
