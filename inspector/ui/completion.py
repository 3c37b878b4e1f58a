"""Completing a dataset reopened from its open index, after the first frame is on the screen.

A provisional dataset (`InspectorDataset.provisional`, see `inspector.core.data.open_index`) reads
rows with pyarrow alone, which is all the views need to paint. The analyses and the export need
the dataset `open_dataset` returns, so the app builds it in a thread (importing `datasets` takes
about a second) and swaps it into the session before it starts them. The app asks for it when
it starts the analyses, after the first frame and a pause in the typing (`QuietStart`).
"""

from __future__ import annotations

import threading

from inspector.core.errors import InputError
from inspector.core.safe_text import safe_text


class DatasetCompletion:
    """Mixin for the app: `complete_dataset(then)` and the `dataset_ready` event."""

    session = None
    dataset_ready: threading.Event

    def init_completion(self) -> None:
        self.dataset_ready = threading.Event()
        self._after_completion: list = []
        if not self.session.ds.provisional:
            self.dataset_ready.set()

    def complete_dataset(self, then) -> None:
        """Swap the full dataset in (loaded in a thread), then call `then()` on the UI thread.

        Without a provisional dataset `then()` runs at once; while one load runs, later
        callers wait for it instead of starting another."""
        if not self.session.ds.provisional:
            then()
            return
        self._after_completion.append(then)
        if len(self._after_completion) > 1:
            return
        self.dataset_ready.clear()
        # A daemon thread, not a Textual worker: workers run in asyncio's default executor,
        # which the app joins on exit, so quitting in the first seconds would wait for the
        # import to finish. Nothing is written by the load; dropping it at exit loses nothing.
        threading.Thread(target=self._complete_dataset, name="load dataset", daemon=True).start()

    def _complete_dataset(self) -> None:
        shown = self.session.ds
        try:
            full = shown.complete()
        except Exception as err:  # shown on the UI thread, where the app can react
            self._from_thread(self._completion_failed, err)
            return
        self._from_thread(self._swap_dataset, shown, full)

    def _from_thread(self, callback, *args) -> None:
        try:
            self.call_from_thread(callback, *args)
        except RuntimeError:  # the app closed meanwhile: nothing is left to update
            pass

    def _swap_dataset(self, shown, full) -> None:
        from inspector.core.data import same_data

        if not same_data(shown, full):
            # The files changed between the fast open and now: the rows on screen are not the
            # rows the analyses would see. Rare (the data was being written while opened).
            self._after_completion = []
            self.dataset_ready.set()
            self.exit(
                return_code=2,
                message=f"error: {shown.path} changed while it was being opened; open it again.",
            )
            return
        self.session.ds = full
        self.dataset_ready.set()
        waiting, self._after_completion = self._after_completion, []
        for then in waiting:
            then()

    def _completion_failed(self, err: Exception) -> None:
        self._after_completion = []
        self.dataset_ready.set()
        if isinstance(err, InputError):  # what a normal open would have refused up front
            self.exit(return_code=2, message=f"error: {err}")
            return
        self.fail_analyses(f"cannot load the dataset: {type(err).__name__}: {err}")
        self.notify(
            safe_text(f"cannot load the dataset: {err}"), severity="error", timeout=10, markup=False
        )

    def full_dataset(self):
        """The completed dataset, waiting for it (call from a worker thread, never the UI's)."""
        self.dataset_ready.wait()
        ds = self.session.ds
        if ds.provisional:
            raise InputError(f"{ds.path}: the dataset could not be loaded (see the analyses).")
        return ds
