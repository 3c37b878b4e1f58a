"""The row rules on every core: batches of rows go to worker processes, results come back in order.

The rules are plain Python with many regular expressions (about half a millisecond per chat row),
so one core flags some 2,000 rows a second. Above `MIN_ROWS` rows, `FlagPool` sends batches of
`(index, Conversation)` to a `processes.WorkerPool` (never forked from the caller, which may hold
threads) and yields their findings in submission order, so the result is the same as the serial
pass, row for row.

Workers start the caller's main module again (as `multiprocessing` does), which is only safe
when it is guarded by ``if __name__ == "__main__":``. So they are used where that is known: the
`inspector` command (and its app) calls `inspector.core.processes.allow_workers()`; a script
using the core gets the serial pass unless it calls that too or sets `INSPECTOR_FLAG_WORKERS`
(the worker count; 0: always serial).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future

from inspector.core.data.conversation import Conversation
from inspector.core.flags.base import Finding
from inspector.core.flags.registry import flag_row
from inspector.core.processes import WorkerPool, usable_cpus, workers_allowed

#: Fewer rows than this are flagged in the calling process: starting workers costs ~1 s.
MIN_ROWS = 20_000
BATCH = 500
#: Batches in flight per worker: enough to keep every worker busy, bounded to bound memory.
IN_FLIGHT = 3


def worker_count(total_rows: int) -> int:
    """How many processes to flag `total_rows` rows with (0: flag in this process)."""
    forced = os.environ.get("INSPECTOR_FLAG_WORKERS")
    if forced is not None:
        try:
            return max(0, int(forced))
        except ValueError:
            pass
    cpus = usable_cpus()
    if not workers_allowed() or cpus < 2 or total_rows < MIN_ROWS:
        return 0
    return min(cpus, max(2, total_rows // (MIN_ROWS // 2)))


def flag_batch(batch: list[tuple[int, Conversation]]) -> list[tuple[int, list[Finding]]]:
    """Run every row rule over a batch (in a worker); only rows with findings come back."""
    out = []
    for index, conv in batch:
        found = flag_row(conv)
        if found:
            out.append((index, found))
    return out


class FlagPool:
    """Row rules over batches in worker processes; `results()` in submission order."""

    def __init__(self, workers: int, batch_size: int = BATCH):
        self.batch_size = batch_size
        self.workers = workers
        self._pool = WorkerPool(workers)
        self._batch: list[tuple[int, Conversation]] = []
        self._futures: deque[Future] = deque()

    def add(self, index: int, conv: Conversation) -> Iterator[tuple[int, list[Finding]]]:
        """Queue one row; yields the findings of batches that are done (oldest first)."""
        self._batch.append((index, conv))
        if len(self._batch) >= self.batch_size:
            self._submit()
            # Wait for the oldest batch only when too many are queued.
            while len(self._futures) > self.workers * IN_FLIGHT:
                yield from self._futures.popleft().result()
            while self._futures and self._futures[0].done():
                yield from self._futures.popleft().result()

    def _submit(self) -> None:
        self._futures.append(self._pool.submit(flag_batch, self._batch))
        self._batch = []

    def finish(self) -> Iterator[tuple[int, list[Finding]]]:
        """Every remaining finding, then the workers are stopped."""
        try:
            if self._batch:
                self._submit()
            while self._futures:
                yield from self._futures.popleft().result()
            self._pool.close(wait=True)  # all done: the workers exit at once
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers (queued batches are dropped: used on cancel and errors)."""
        self._pool.close()
        self._futures.clear()
