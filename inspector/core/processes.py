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
import signal
import sys
import time
import weakref
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


def _quiet_worker(server: int | None = None) -> None:
    """Workers never write to the terminal (it may hold a full-screen app): errors reach the
    caller through the futures, and a worker orphaned by a killed caller exits silently.

    On Linux a worker also asks to be killed when the process that started it (the fork
    server, which itself ends with the caller) dies, so a `kill -9` of the caller leaves no
    worker computing for nobody.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    _die_with_parent(server)


def _die_with_parent(parent: int | None) -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl
        return
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent died before the request took hold


#: Every pool still open in this process, for `stop_all_workers`.
_POOLS: weakref.WeakSet = weakref.WeakSet()


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
            server = None
            if method == "forkserver":
                server = getattr(forkserver._forkserver, "_forkserver_pid", None)
            self._pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context(method),
                initializer=_quiet_worker,
                initargs=(server if method == "forkserver" else os.getpid(),),
            )
        _POOLS.add(self)
        # With `spawn`, workers start at submit time: keep the real stderr for those too.
        self._spawned = method == "spawn"

    def submit(self, fn, *args):
        if self._spawned:
            with usable_stderr():
                return self._pool.submit(fn, *args)
        return self._pool.submit(fn, *args)

    def pids(self) -> list[int]:
        """The worker processes' ids (the executor keeps them in `_processes`)."""
        return list((getattr(self._pool, "_processes", None) or {}).keys())

    def close(self, wait: bool = False, kill: bool = False) -> None:
        """Stop the workers; queued work is dropped. `kill` also ends work under way (a
        cancelled step); `wait` waits for the workers to exit (all work done)."""
        if kill:
            # The executor keeps its processes in `_processes` (pid -> process).
            for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
                if proc.is_alive():
                    proc.terminate()
        self._pool.shutdown(wait=wait, cancel_futures=True)
        _POOLS.discard(self)


def stop_all_workers(grace: float = 2.0) -> list[int]:
    """End every worker process of every open pool now: SIGTERM, then SIGKILL for any still
    alive after `grace` seconds. Safe inside a signal handler (no lock is taken: the pools'
    own shutdown runs later, as the interrupted code unwinds). Returns the pids signalled."""
    pids = [pid for pool in list(_POOLS) for pid in pool.pids()]
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.02)
        alive = [pid for pid in alive if _alive(pid)]
    for pid in alive:
        _signal(pid, signal.SIGKILL)
    return pids


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - the pid was reused by someone else
        return False
    try:  # a zombie is dead: reap it if it is our own child
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread by SIGTERM, SIGHUP or SIGINT once workers are stopped; as a
    `KeyboardInterrupt` it passes every `except Exception`, so `finally` blocks and context
    managers (an export's staging folder) clean up on the way out."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


#: The signals that stop a command: `kill`, a dropped SSH session, Ctrl-C.
STOP_SIGNALS = ("SIGTERM", "SIGHUP", "SIGINT")


def install_stop_handlers(on_stop=None) -> None:
    """On SIGTERM, SIGHUP and SIGINT: stop every worker process, then `on_stop(signum)`
    (default: raise `Interrupted` in the main thread). A second signal while cleaning up is
    ignored, so the cleanup finishes. Call from the main thread only."""

    def handler(signum, frame):
        for name in STOP_SIGNALS:
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        stop_all_workers()
        if on_stop is None:
            raise Interrupted(signum)
        on_stop(signum)

    import threading

    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers (a CLI run inside a test's thread)
    for name in STOP_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, handler)
