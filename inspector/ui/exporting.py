"""The app's `e` key: write the kept rows with the same core as `inspector export`.

The user confirms or edits the target folder; the export then runs in a thread worker (the UI
stays responsive), writes filtered, tokenized and packed outputs plus `manifest.json` and
`decisions.jsonl`, and reports its progress and outcome as notifications. Decisions come from
the triage store, exactly as `inspector export PATH --out DIR` would apply them.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from textual.worker import Worker, WorkerState

from inspector.core.safe_text import safe_line, safe_text

from .screens.dialogs import AskText

#: What the app writes: everything a trainer needs (see `inspector export --what`).
WHAT = ("filtered", "tokenized", "packed")
#: Seconds between two progress notifications (a slow SSH link needs few repaints).
REPORT_EVERY = 3.0


def default_target(path: Path) -> Path:
    """`<data>-export` beside the data: never inside the input folder."""
    path = Path(path).resolve()
    return path.parent / f"{path.name.split('.')[0]}-export"


class ExportAction:
    """Mixin for the app: the `export` action and its worker."""

    _export_cancel: threading.Event | None = None

    def action_export(self) -> None:
        self.take_prefix()
        if self._export_cancel is not None:
            self.notify("an export is already running", timeout=3)
            return
        target = default_target(self.session.ds.path)
        dialog = AskText(
            "Export kept rows to folder",
            str(target),
            hint="filtered/, tokenized/, packed/, manifest.json · enter starts · escape cancels",
        )
        self.push_screen(dialog, self._start_export)

    def _start_export(self, target: str | None) -> None:
        if not target:
            return
        out = Path(target).expanduser()
        self._export_cancel = threading.Event()
        self.notify(safe_line(f"exporting to {out} …"), timeout=3, markup=False)
        self.run_worker(
            lambda: self._export(out, self._export_cancel),
            thread=True,
            group="export",
            name="export",
            exit_on_error=False,
        )

    def _export(self, out: Path, cancel: threading.Event):
        from inspector.core.export import ExportSettings, export_dataset

        from .adapters import token_pipeline

        settings = ExportSettings(what=WHAT, use_store=True)
        ds = self.full_dataset()  # a reopened dataset may still be loading `datasets`
        gen = export_dataset(ds, out, settings, tokens=token_pipeline(self.session), cancel=cancel)
        last = time.monotonic()
        while True:
            try:
                p = next(gen)
            except StopIteration as stop:
                return stop.value
            if time.monotonic() - last > REPORT_EVERY:
                last = time.monotonic()
                done = f" {p.done:,}/{p.total:,}" if p.total else ""
                self.call_from_thread(self.notify, f"export: {p.step}{done}", timeout=2)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.worker.group != "export":
            return
        if event.state == WorkerState.SUCCESS:
            result = event.worker.result
            kept = result.manifest.get("rows", {}).get("kept", 0)
            self.notify(
                safe_line(f"exported {kept:,} rows to {result.path}"), timeout=8, markup=False
            )
        elif event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            err = event.worker.error
            self.notify(
                safe_text(f"export failed: {err}"), severity="error", timeout=10, markup=False
            )
        else:
            return
        self._export_cancel = None
