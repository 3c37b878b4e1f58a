"""The app's dataset: completing one reopened from its open index, after the first frame.

A provisional dataset (`inspector.core.data.open_index.ProvisionalDataset`) reads rows with
pyarrow alone, which is all the views need to paint. The analyses and the export need the
dataset `open_dataset` returns, so `DatasetLoader` (the app's `app.dataset`) builds it in a
thread (importing `datasets` takes about a second) and swaps it into the session before it
starts them. The analyses ask for it when they start, after the first frame and a pause in the
typing (`QuietStart`).
"""

from __future__ import annotations

import threading

from inspector.core.errors import InputError

from .workers import Route, describe_error


class DatasetLoader:
    """`complete(then)`, `full()` and the `ready` event, for the app's session dataset."""

    def __init__(self, app):
        self.app = app
        self.ready = threading.Event()
        """Set while no load is under way (at once for a dataset opened normally)."""
        self._after: list = []
        self._route = Route(what=lambda _: "loading the dataset", success=lambda _: None)
        if not self.provisional:
            self.ready.set()

    @property
    def provisional(self) -> bool:
        return self.app.session.ds.provisional

    def complete(self, then) -> None:
        """Swap the full dataset in (loaded in a thread), then call `then()` on the UI thread.

        Without a provisional dataset `then()` runs at once; while one load runs, later
        callers wait for it instead of starting another."""
        if not self.provisional:
            then()
            return
        self._after.append(then)
        if len(self._after) > 1:
            return
        self.ready.clear()
        # A daemon thread, not a Textual worker: workers run in asyncio's default executor,
        # which the app joins on exit, so quitting in the first seconds would wait for the
        # import to finish. Nothing is written by the load; dropping it at exit loses nothing.
        threading.Thread(target=self._load, name="load dataset", daemon=True).start()

    def full(self):
        """The completed dataset, waiting for it (call from a worker thread, never the UI's)."""
        self.ready.wait()
        ds = self.app.session.ds
        if ds.provisional:
            raise InputError(f"{ds.path}: the dataset could not be loaded (see the analyses).")
        return ds

    # -- in the loading thread ----------------------------------------------------------------

    def _load(self) -> None:
        shown = self.app.session.ds
        try:
            full = shown.complete()
        except Exception as err:  # shown on the UI thread, where the app can react
            self._from_thread(self._failed, err)
            return
        self._from_thread(self._swap, shown, full)

    def _from_thread(self, callback, *args) -> None:
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:  # the app closed meanwhile: nothing is left to update
            pass

    # -- back on the UI thread ----------------------------------------------------------------

    def _swap(self, shown, full) -> None:
        if not shown.same_rows(full):
            # The files changed between the fast open and now: the rows on screen are not the
            # rows the analyses would see. Rare (the data was being written while opened).
            self._after = []
            self.ready.set()
            self.app.exit(
                return_code=2,
                message=f"error: {shown.path} changed while it was being opened; open it again.",
            )
            return
        self.app.session.ds = full
        self.ready.set()
        waiting, self._after = self._after, []
        for then in waiting:
            then()

    def _failed(self, err: Exception) -> None:
        self._after = []
        self.ready.set()
        if isinstance(err, InputError):  # what a normal open would have refused up front
            self.app.exit(return_code=2, message=f"error: {err}")
            return
        error = describe_error(err)
        self.app.analyses.fail_queued(f"cannot load the dataset: {error}")
        self.app.workers_router.failed(self._route, None, error)
