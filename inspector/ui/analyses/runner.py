"""Run the analyses in background threads, one after another, with progress and cancel.

`AnalysisRunner` is mixed into the app. Each analysis runs in a thread worker driving its
core progress generator; the worker's `cancelled_event` is the generator's cancel event, so
cancelling the worker stops the computation at its next check. Every outcome (done, failed,
cancelled) is handled in one `Worker.StateChanged` handler, which records it and starts the
next queued analysis: one failing analysis never stops the others.
"""

from __future__ import annotations

import time

from textual import work
from textual.worker import Worker, WorkerState, get_current_worker

from inspector.core.progress import Cancelled, Progress, drain

from ..messages import AnalysisUpdated
from .indexes import ClusterIndex, FlagIndex, ScanIndex, TokenIndex
from .specs import SPECS
from .state import (
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    UNAVAILABLE,
    AnalysisState,
    cache_key,
    load_result,
    save_result,
)

#: Progress reaches the screen at most this often: a slow SSH link must not be flooded.
PROGRESS_INTERVAL = 0.25
_INDEXES = {"scan": ScanIndex, "clusters": ClusterIndex, "tokens": TokenIndex}


class AnalysisRunner:
    """Mixin for the app: `self.session` must exist; call `start_analyses()` once mounted."""

    session = None

    def init_analyses(self, enabled=True) -> None:
        """Set up the analyses; `enabled` is True, False, or the names of those to start."""
        self.analyses: dict[str, AnalysisState] = {s.name: AnalysisState(s) for s in SPECS}
        self._indexes: dict[str, object] = {}
        self._analysis_workers: dict[Worker, str] = {}
        for state in self.analyses.values():
            if enabled is False or (enabled is not True and state.name not in enabled):
                state.status, state.error = CANCELLED, "not started"
        # Whether each core is installed is checked by its worker (`_Unavailable`): importing
        # the cores here would delay the first frame by a tenth of a second.

    def start_analyses(self) -> None:
        self._run_next()

    def index(self, name: str):
        """The per-row index of a finished analysis (`ScanIndex`...), or None.

        `"flags"` is every flag whichever analysis raised it (scan rules, token linter)."""
        if name == "flags":
            return self._flag_index()
        state = self.analyses[name]
        if not state.ready:
            return None
        if name not in self._indexes:
            self._indexes[name] = _INDEXES[name](self.session, state.result)
        return self._indexes[name]

    def _flag_index(self):
        scan, tokens = self.index("scan"), self.index("tokens")
        if scan is None and tokens is None:
            return None
        key = (id(scan), id(tokens))
        cached = self._indexes.get("flags")
        if cached is None or cached[0] != key:
            self._indexes["flags"] = (key, FlagIndex(self.session, scan, tokens))
        return self._indexes["flags"][1]

    def running_analysis(self) -> AnalysisState | None:
        return next((s for s in self.analyses.values() if s.status == RUNNING), None)

    def cancel_analysis(self, name: str | None = None) -> str | None:
        """Cancel the named (or the running) analysis; returns its name."""
        for worker, wname in self._analysis_workers.items():
            if name in (None, wname) and worker.is_running:
                # Cooperative: the computation sees the event at its next check (or its result
                # is thrown away at the end) and the worker ends with `Cancelled`. Cancelling
                # the worker's task would not stop the thread, and a task cancelled before it
                # starts never reports a state change.
                worker.cancelled_event.set()
                self.analyses[wname].step = "cancelling"
                self.post_message(AnalysisUpdated(wname))
                return wname
        if name and self.analyses[name].status == QUEUED:
            self.analyses[name].status = CANCELLED
            self.post_message(AnalysisUpdated(name))
            return name
        return None

    def rerun_analysis(self, name: str) -> None:
        """Queue an analysis again (after a failure or a cancel); it runs when the queue is free."""
        state = self.analyses[name]
        if state.status in (RUNNING, UNAVAILABLE):
            return
        why = state.spec.missing()
        if why:
            state.status, state.error = UNAVAILABLE, why
            self.post_message(AnalysisUpdated(name))
            return
        state.status, state.error, state.result = QUEUED, None, None
        self._indexes.pop(name, None)
        self.post_message(AnalysisUpdated(name))
        self._run_next()

    def fail_analyses(self, error: str) -> None:
        """Mark every queued analysis failed with `error` (they cannot run at all)."""
        for state in self.analyses.values():
            if state.status == QUEUED:
                state.status, state.error = FAILED, error
                self.post_message(AnalysisUpdated(state.name))

    def _run_next(self) -> None:
        if self.running_analysis() is not None:
            return
        if getattr(self.session.ds, "provisional", False):
            # The analyses need the dataset `datasets` loads: complete it (once), then go on.
            self.complete_dataset(self._run_next)
            return
        nxt = next((s for s in self.analyses.values() if s.status == QUEUED), None)
        if nxt is None:
            return
        nxt.status, nxt.step, nxt.done, nxt.total = RUNNING, "starting", 0, 0
        self.post_message(AnalysisUpdated(nxt.name))
        self._analysis_workers[self._run_analysis(nxt)] = nxt.name

    @work(thread=True, exclusive=True, group="analysis", exit_on_error=False)
    def _run_analysis(self, state: AnalysisState) -> dict:
        cancel = get_current_worker().cancelled_event
        spec = state.spec
        try:
            why = spec.missing()
        except Exception as err:  # the core is there but broken: show it in its view
            raise _Unavailable(FAILED, f"cannot import: {err}") from err
        if why:
            raise _Unavailable(UNAVAILABLE, why)
        last = [0.0]

        def report(p: Progress) -> None:
            state.step, state.done, state.total = p.step, p.done, p.total
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL:
                last[0] = now
                self.post_message(AnalysisUpdated(state.name))

        report(Progress("fingerprinting the data", 0, 0))
        key = cache_key(spec, self.session)
        cached = load_result(self.session.ds.cache, spec, key)
        if cached is not None:
            state.cached = True
            return cached
        result = drain(spec.compute(self.session, cancel), report)
        if cancel.is_set():
            raise Cancelled()
        save_result(self.session.ds.cache, spec, key, result)
        return result

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        name = self._analysis_workers.get(event.worker)
        if name is None:
            return
        state = self.analyses[name]
        if event.state == WorkerState.SUCCESS:
            state.status, state.result = DONE, event.worker.result
            self._indexes.pop(name, None)
        elif event.state == WorkerState.CANCELLED:
            state.status = CANCELLED
        elif event.state == WorkerState.ERROR:
            err = event.worker.error
            if isinstance(err, Cancelled):
                state.status = CANCELLED
            elif isinstance(err, _Unavailable):
                state.status, state.error = err.status, err.why
            else:
                state.status = FAILED
                state.error = f"{type(err).__name__}: {err}"
        else:
            return
        del self._analysis_workers[event.worker]
        self.post_message(AnalysisUpdated(name))
        self._run_next()


class _Unavailable(Exception):
    """An analysis whose core is not installed (or does not import): not a failure of it."""

    def __init__(self, status: str, why: str):
        super().__init__(why)
        self.status, self.why = status, why
