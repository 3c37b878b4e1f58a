"""The app's `e` key: write the kept rows with the same core as `inspector export`.

`Exporter` (the app's `app.exporter`) asks for the target folder — a fresh name beside the
data, `sft-export`, then `sft-export-2`... once that exists — and, when the folder typed
already exists, whether to replace it (only an earlier export: a folder holding a
`manifest.json`) or write to a new name. The export then runs in a thread worker (the UI stays
responsive), writes filtered, tokenized and packed outputs plus `manifest.json` and
`decisions.jsonl`, and reports its progress and outcome as notifications. Decisions come from
the triage store, exactly as `inspector export PATH --out DIR` would apply them.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from inspector.core.safe_text import safe_line

from .screens.dialogs import AskText, Choose
from .workers import Route

#: What the app writes: everything a trainer needs (see `inspector export --what`).
WHAT = ("filtered", "tokenized", "packed")
#: Seconds between two progress notifications (a slow SSH link needs few repaints).
REPORT_EVERY = 3.0
GROUP = "export"


def default_target(path: Path) -> Path:
    """`<data>-export` beside the data: never inside the input folder."""
    path = Path(path).resolve()
    return path.parent / f"{path.name.split('.')[0]}-export"


def free_name(target: Path) -> Path:
    """`target` if nothing is there, else the first free `<target>-2`, `<target>-3`..."""
    if not (target.exists() or target.is_symlink()):
        return target
    n = 2
    while True:
        candidate = target.with_name(f"{target.name}-{n}")
        if not (candidate.exists() or candidate.is_symlink()):
            return candidate
        n += 1


def earlier_export(folder: Path) -> bool:
    """Whether `folder` is an export (it holds a manifest): the only kind the app replaces."""
    return folder.is_dir() and (folder / "manifest.json").is_file()


class Exporter:
    """The export dialog and its worker, owned by the app."""

    def __init__(self, app):
        self.app = app
        self.cancel: threading.Event | None = None
        """Set while an export runs (`leave` waits for it); the export's cancel event."""
        app.workers_router.register(
            GROUP,
            Route(
                what=lambda _: "export",
                success=self._succeeded,
                failure=lambda _w, _e: self._ended(),
                cancelled=lambda _w: self._ended(),
            ),
        )

    @property
    def running(self) -> bool:
        return self.cancel is not None

    def ask(self) -> None:
        """Ask for the folder, then export to it."""
        if self.running:
            self.app.notify("an export is already running", timeout=3)
            return
        first = default_target(self.app.session.ds.path)
        target = free_name(first)
        hint = "filtered/, tokenized/, packed/, manifest.json · enter starts · escape cancels"
        if target != first:
            hint = f"{first.name} exists: a new name is offered · " + hint
        dialog = AskText("Export kept rows to folder", str(target), hint=hint)
        self.app.push_screen(dialog, self._chosen)

    def _chosen(self, target: str | None) -> None:
        if not target:
            return
        out = Path(target).expanduser()
        if not (out.exists() or out.is_symlink()):
            self.start(out)
            return
        fresh = free_name(out)
        choices: list[tuple[str, object]] = [
            (safe_line(f"write to a new folder: {fresh}"), ("new", fresh))
        ]
        if earlier_export(out):
            choices.insert(0, (safe_line(f"replace the earlier export in {out}"), ("replace", out)))
        else:
            choices.append(
                (safe_line(f"({out} is not an earlier export: it is never replaced)"), None)
            )
        choices.append(("cancel", ("cancel", None)))

        def decided(choice) -> None:
            if not choice or choice[0] == "cancel":
                return
            how, folder = choice
            self.start(folder, replace=how == "replace")

        self.app.push_screen(Choose(safe_line(f"{out} already exists"), choices), decided)

    def start(self, out: Path, *, replace: bool = False) -> None:
        """Export to `out` in a thread worker (`replace`: an earlier export there goes)."""
        self.cancel = cancel = threading.Event()
        self.app.notify(safe_line(f"exporting to {out} …"), timeout=3, markup=False)
        self.app.run_worker(
            lambda: self._export(out, replace, cancel),
            thread=True,
            group=GROUP,
            name="export",
            exit_on_error=False,
        )

    def _export(self, out: Path, replace: bool, cancel: threading.Event):
        from inspector.core.export import ExportSettings, export_dataset

        from .adapters import token_pipeline

        settings = ExportSettings(what=WHAT, use_store=True, force=replace)
        ds = self.app.dataset.full()  # a reopened dataset may still be loading `datasets`
        gen = export_dataset(
            ds, out, settings, tokens=token_pipeline(self.app.session), cancel=cancel
        )
        last = time.monotonic()
        while True:
            try:
                p = next(gen)
            except StopIteration as stop:
                return stop.value
            if time.monotonic() - last > REPORT_EVERY:
                last = time.monotonic()
                done = f" {p.done:,}/{p.total:,}" if p.total else ""
                self.app.call_from_thread(
                    self.app.notify, f"export: {p.step}{done}", timeout=2, markup=False
                )

    def _succeeded(self, worker) -> None:
        result = worker.result
        kept = result.manifest.get("rows", {}).get("kept", 0)
        self.app.notify(
            safe_line(f"exported {kept:,} rows to {result.path}"), timeout=8, markup=False
        )
        self._ended()

    def _ended(self) -> None:
        self.cancel = None
