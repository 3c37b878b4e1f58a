"""An output folder that appears whole or not at all: build it beside the target, rename at the end.

Everything an export writes goes into a hidden staging folder next to the target
(``.<name>.partial-<pid>-<token>``), on the same file system, so the final `os.rename` is atomic:
a process killed midway (even by SIGKILL) leaves no target folder, only a staging folder that
the next export to the same target removes once its owner process is gone. Inputs are protected
by refusing a target that is, or contains, an input path.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path

from inspector.core.errors import InputError

PARTIAL = ".partial-"
OLD = ".replaced-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _is_within(path: Path, parent: Path) -> bool:
    try:
        path.relative_to(parent)
    except ValueError:
        return False
    return True


class Staging:
    """A staging folder for `target`. Use `open()`, write under `.root`, then `commit()`.

    `abort()` (or leaving a `with` block by an exception) removes the staging folder; a killed
    process cannot abort, which is why `open()` sweeps stale staging folders of dead processes.
    """

    def __init__(
        self,
        target: str | os.PathLike,
        *,
        force: bool = False,
        protect: list[Path] | tuple[Path, ...] = (),
    ):
        self.target = Path(os.path.abspath(target))
        self.force = force
        self.protect = [Path(os.path.abspath(p)) for p in protect]
        self.root: Path | None = None
        self.swept: list[Path] = []

    def check_target(self) -> None:
        """Raise `InputError` when writing the target would touch an input or an existing folder."""
        t = self.target
        for p in self.protect:
            real_p, real_t = p.resolve(), t.resolve()
            if real_p == real_t or _is_within(real_p, real_t):
                raise InputError(
                    f"{t}: the output folder would hold (or replace) {p}, which this export "
                    "reads (the input, or its saved decisions and caches); choose an --out "
                    "folder outside it."
                )
        if t.exists() or t.is_symlink():
            if not self.force:
                raise InputError(
                    f"{t} already exists; choose another --out folder or pass --force to "
                    "replace it."
                )
            if not t.is_dir() or t.is_symlink():
                raise InputError(
                    f"{t} exists and is not a folder; remove it or choose another --out."
                )
            held = _irreplaceable(t)
            if held is not None:
                raise InputError(
                    f"{t}: --force replaces an earlier export, and this folder is not one: it "
                    f"holds {held}. Choose another --out folder (nothing was removed)."
                )
        if not t.parent.is_dir():
            raise InputError(f"{t.parent}: the folder to write {t.name} into does not exist.")
        if not os.access(t.parent, os.W_OK):
            raise InputError(f"{t.parent}: no permission to write here.")

    def sweep(self) -> list[Path]:
        """Remove staging folders of this target left by processes that are no longer running
        (a SIGKILL, a power cut); returns them, for the caller to say so."""
        self.swept = self._sweep()
        return self.swept

    def _sweep(self) -> list[Path]:
        return stale_beside(self.target.parent, [self.target.name])[0]

    def open(self) -> Path:
        """Check the target, sweep stale staging folders and create a fresh one; returns it."""
        self.check_target()
        self.sweep()
        name = f".{self.target.name}{PARTIAL}{os.getpid()}-{secrets.token_hex(4)}"
        self.root = self.target.parent / name
        self.root.mkdir()
        return self.root

    def commit(self) -> Path:
        """Flush the staged files to disk and move them into place as the target."""
        assert self.root is not None, "open() first"
        _fsync_tree(self.root)
        old = None
        if self.target.exists():
            # Re-checked here: the target may have appeared while we were writing.
            if not self.force:
                raise InputError(f"{self.target} appeared while exporting; nothing was replaced.")
            old = self.target.parent / (
                f".{self.target.name}{OLD}{os.getpid()}-{secrets.token_hex(4)}"
            )
            os.rename(self.target, old)
        os.rename(self.root, self.target)
        _fsync_dir(self.target.parent)
        self.root = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.target

    def abort(self) -> None:
        """Remove the staging folder (nothing reaches the target)."""
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> Staging:
        self.open()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            self.abort()
        return False


_STAGED = re.compile(r"^\.(?P<name>.+)(?:\.partial-|\.replaced-)(?P<pid>\d+)-[0-9a-f]+$")


def stale_beside(folder: Path, names: list[str] | None = None):
    """Staging folders in `folder` (of the targets `names`, or of any target) whose process is
    gone: removes them. Returns `(removed, kept)`, `kept` listing `(path, pid)` of staging
    folders whose process still runs (an export under way)."""
    removed: list[Path] = []
    kept: list[tuple[Path, int]] = []
    try:
        entries = sorted(Path(folder).iterdir())
    except OSError:
        return removed, kept
    for p in entries:
        m = _STAGED.match(p.name)
        if m is None or (names is not None and m["name"] not in names) or not p.is_dir():
            continue
        pid = int(m["pid"])
        if _pid_alive(pid):
            kept.append((p, pid))
            continue
        shutil.rmtree(p, ignore_errors=True)
        if not p.exists():
            removed.append(p)
    return removed, kept


#: Entries `_irreplaceable` looks at before giving up on a folder (it is then not an export).
LOOK_AT = 10_000


def _irreplaceable(folder: Path) -> str | None:
    """What in `folder` must not be deleted by --force, or None when it may be replaced.

    Inspector state (decisions, caches: someone may have opened an export in the app) is
    never replaced; data files only inside an earlier export, which is replaced whole.
    """
    from inspector.core.data.folders import builder_for, is_export_output

    export = is_export_output(folder)
    seen = 0
    for here, dirs, files in os.walk(folder):
        for name in dirs + files:
            seen += 1
            if seen > LOOK_AT:
                return f"more than {LOOK_AT:,} files and folders"
            p = Path(here) / name
            if name == ".inspector" or name.startswith("triage.sqlite"):
                return f"inspector state ({p})"
            if not export and name in files and builder_for(p) is not None:
                return f"data files (e.g. {p})"
    return None


def _fsync_tree(root: Path) -> None:
    """fsync every file and folder under `root`, so a power loss after the rename finds data."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(folder))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open folders; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
