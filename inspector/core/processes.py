"""Worker processes for the core: whether it may start them, and how they are started safely.

Workers start the caller's main module again, as `multiprocessing` does, which is only safe when
that module is guarded by ``if __name__ == "__main__":``. The `inspector` command is; a script
using the core may not be, so it gets serial passes unless it calls `allow_workers()`.

`WorkerPool` starts its processes from a fork server (`spawn` where there is none), never by
forking a caller that holds threads (a Textual app, the Rust tokenizer's pool), with a real
standard error (see `usable_stderr`), and its workers never write to the terminal. This module
only imports the standard library, and `multiprocessing` only when a pool starts: the CLI
imports it before any work.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_allowed = False


def allow_workers(allowed: bool = True) -> None:
    """Let the core use worker processes (the caller's main module is import-safe)."""
    global _allowed
    _allowed = allowed


def workers_allowed() -> bool:
    return _allowed


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


@contextmanager
def usable_stderr() -> Iterator[None]:
    """Give `sys.stderr` a real file descriptor while helper processes start.

    `multiprocessing` hands `sys.stderr.fileno()` to the processes it launches (its resource
    tracker, `spawn` workers); inside a Textual app `sys.stderr` is a capture whose `fileno()`
    is -1, and the launch fails with "bad value(s) in fds_to_keep".
    """
    try:
        usable = sys.stderr.fileno() >= 0
    except Exception:  # noqa: BLE001 - no fileno at all: multiprocessing skips it itself
        usable = True
    if usable:
        yield
        return
    saved = sys.stderr
    sys.stderr = sys.__stderr__
    try:
        yield
    finally:
        sys.stderr = saved


def start_method() -> str:
    """`forkserver` where there is one: workers fork from a clean server process (never from
    a caller holding threads), and launching one passes no descriptor of ours."""
    import multiprocessing

    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _quiet_worker() -> None:
    """Workers never write to the terminal (it may hold a full-screen app): errors reach the
    caller through the futures, and a worker orphaned by a killed caller exits silently."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


class WorkerPool:
    """A process pool started as the module says; `submit` as `ProcessPoolExecutor.submit`."""

    def __init__(self, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import resource_tracker

        method = start_method()
        with usable_stderr():
            resource_tracker.ensure_running()
            if method == "forkserver":
                from multiprocessing import forkserver

                forkserver.ensure_running()
            self._pool = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context(method), initializer=_quiet_worker
            )
        # With `spawn`, workers start at submit time: keep the real stderr for those too.
        self._spawned = method == "spawn"

    def submit(self, fn, *args):
        if self._spawned:
            with usable_stderr():
                return self._pool.submit(fn, *args)
        return self._pool.submit(fn, *args)

    def close(self, wait: bool = False, kill: bool = False) -> None:
        """Stop the workers; queued work is dropped. `kill` also ends work under way (a
        cancelled step); `wait` waits for the workers to exit (all work done)."""
        if kill:
            # The executor keeps its processes in `_processes` (pid -> process).
            for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
                if proc.is_alive():
                    proc.terminate()
        self._pool.shutdown(wait=wait, cancel_futures=True)
