"""The app's background analyses: run one after another in thread workers, with progress,
cancel, a cache next to the data, and the per-row indexes the views read.

`Analyses` is owned by the app (`app.analyses`) and reads like a mapping of name ->
`AnalysisState`. Each analysis runs in a thread worker driving its core progress generator; the
worker's `cancelled_event` is the generator's cancel event, so cancelling the worker stops the
computation at its next check. The worker's end (done, failed, cancelled) comes back through the
app's `WorkerRouter`, which records it here and starts the next queued analysis: one failing
analysis never stops the others.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping

from textual.worker import Worker, get_current_worker

from inspector.core.progress import Cancelled, Progress, drain

from ..messages import AnalysisUpdated
from ..workers import Route
from . import compiled
from .indexes import ClusterIndex, FlagIndex, ScanIndex, TokenIndex
from .progress import Meter
from .specs import FINGERPRINT, SPECS
from .state import (
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    SKIPPED,
    AnalysisState,
    cache_key,
    load_result,
    save_result,
)

#: Progress reaches the screen at most this often: a slow SSH link must not be flooded.
PROGRESS_INTERVAL = 0.25
GROUP = "analysis"
_INDEXES = {"scan": ScanIndex, "clusters": ClusterIndex, "tokens": TokenIndex}


class Analyses(Mapping):
    """Every analysis' state, the queue that runs them, and their indexes."""

    def __init__(self, app, enabled=True):
        """`enabled` is True, False, or the names of the analyses to start."""
        self.app = app
        self.states: dict[str, AnalysisState] = {s.name: AnalysisState(s) for s in SPECS}
        self._indexes: dict[str, object] = {}
        self._workers: dict[Worker, str] = {}
        self._again: set[str] = set()
        for state in self.states.values():
            if enabled is False or (enabled is not True and state.name not in enabled):
                state.status = SKIPPED
        app.workers_router.register(
            GROUP,
            Route(
                what=lambda w: self.states[self._workers[w]].spec.title,
                success=self._succeeded,
                failure=self._failed,
                cancelled=self._cancelled,
            ),
        )

    # -- the mapping --------------------------------------------------------------------------

    def __getitem__(self, name: str) -> AnalysisState:
        return self.states[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.states)

    def __len__(self) -> int:
        return len(self.states)

    # -- results ------------------------------------------------------------------------------

    def index(self, name: str):
        """The per-row index of a finished analysis (`ScanIndex`...), or None.

        `"flags"` is every flag whichever analysis raised it (scan rules, token linter)."""
        if name == "flags":
            return self._flag_index()
        state = self.states[name]
        if not state.ready:
            return None
        if name not in self._indexes:
            self._indexes[name] = _INDEXES[name](self.app.session, state.result)
        return self._indexes[name]

    def _flag_index(self):
        scan, tokens = self.index("scan"), self.index("tokens")
        if scan is None and tokens is None:
            return None
        key = (id(scan), id(tokens))
        cached = self._indexes.get("flags")
        if cached is None or cached[0] != key:
            self._indexes["flags"] = (key, FlagIndex(self.app.session, scan, tokens))
        return self._indexes["flags"][1]

    # -- the queue ----------------------------------------------------------------------------

    def start(self) -> None:
        """Run the queued analyses (once the app is mounted)."""
        self._run_next()

    def running(self) -> AnalysisState | None:
        return next((s for s in self.states.values() if s.status == RUNNING), None)

    def cancel(self, name: str | None = None) -> str | None:
        """Cancel the named (or the running) analysis; returns its name."""
        for worker, wname in self._workers.items():
            if name in (None, wname) and worker.is_running:
                # Cooperative: the computation sees the event at its next check (or its result
                # is thrown away at the end) and the worker ends with `Cancelled`. Cancelling
                # the worker's task would not stop the thread, and a task cancelled before it
                # starts never reports a state change.
                worker.cancelled_event.set()
                self.states[wname].step = "cancelling"
                self._updated(wname)
                return wname
        if name and self.states[name].status == QUEUED:
            self.states[name].status = CANCELLED
            self._updated(name)
            return name
        return None

    def rerun(self, name: str) -> None:
        """Queue an analysis again (after a failure, a cancel, or when it was not run); it runs
        when the queue is free."""
        state = self.states[name]
        if state.status == RUNNING:
            # Its settings changed while it ran: stop it, then start it again.
            self._again.add(name)
            self.cancel(name)
            return
        state.status, state.error, state.result = QUEUED, None, None
        self._indexes.pop(name, None)
        self._updated(name)
        self._run_next()

    def fail_queued(self, error: str) -> None:
        """Mark every queued analysis failed with `error` (they cannot run at all)."""
        for state in self.states.values():
            if state.status == QUEUED:
                state.status, state.error = FAILED, error
                self._updated(state.name)

    def _updated(self, name: str) -> None:
        self.app.post_message(AnalysisUpdated(name))

    def _run_next(self) -> None:
        if self.running() is not None:
            return
        if self.app.dataset.provisional:
            # The analyses need the dataset `datasets` loads: complete it (once), then go on.
            self.app.dataset.complete(self._run_next)
            return
        nxt = next((s for s in self.states.values() if s.status == QUEUED), None)
        if nxt is None:
            return
        nxt.start()
        self._updated(nxt.name)
        worker = self.app.run_worker(
            lambda: self._compute(nxt),
            thread=True,
            exclusive=True,
            group=GROUP,
            name=nxt.name,
            exit_on_error=False,
        )
        self._workers[worker] = nxt.name

    # -- in the worker thread -----------------------------------------------------------------

    def _compute(self, state: AnalysisState) -> dict:
        cancel = get_current_worker().cancelled_event
        spec = state.spec
        session = self.app.session
        meter = Meter(spec.steps)
        first_compile = spec.compiles and not compiled.before(spec.name)
        last = [0.0]

        def report(p: Progress) -> None:
            # A new step is always shown at once: the next report may be minutes away (a
            # UMAP fit, a first compile), and the screen must not keep the previous step.
            new_step = p.step != state.step
            state.step, state.done, state.total = p.step, p.done, p.total
            state.fraction = meter.update(p)
            state.compiling = bool(first_compile) and p.step in spec.compiles
            now = time.monotonic()
            if new_step or now - last[0] >= PROGRESS_INTERVAL:
                last[0] = now
                self.app.post_message(AnalysisUpdated(state.name))

        report(Progress(FINGERPRINT, 0, 0))
        key = cache_key(spec, session)
        cached = load_result(session.ds.cache, spec, key)
        if cached is not None:
            state.cached = True
            return cached
        result = drain(spec.compute(session, cancel), report)
        if cancel.is_set():
            raise Cancelled()
        save_result(session.ds.cache, spec, key, result)
        if first_compile:
            compiled.remember(spec.name)
        return result

    # -- back on the UI thread (from the router) ----------------------------------------------

    def _finished(self, worker: Worker) -> str:
        name = self._workers.pop(worker)
        state = self.states[name]
        state.compiling = False
        return name

    def _succeeded(self, worker: Worker) -> None:
        name = self._finished(worker)
        state = self.states[name]
        state.status, state.result, state.fraction = DONE, worker.result, 1.0
        self._indexes.pop(name, None)
        self._updated(name)
        self._run_next()

    def _failed(self, worker: Worker, error: str) -> None:
        name = self._finished(worker)
        self.states[name].status, self.states[name].error = FAILED, error
        self._updated(name)
        self._run_next()

    def _cancelled(self, worker: Worker) -> None:
        name = self._finished(worker)
        self.states[name].status = CANCELLED
        self._updated(name)
        if name in self._again:
            self._again.discard(name)
            self.rerun(name)
        self._run_next()
