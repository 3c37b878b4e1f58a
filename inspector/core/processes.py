"""Whether the core may start worker processes (a tiny module: the CLI sets it before any work).

Workers start the caller's main module again, as `multiprocessing` does, which is only safe when
that module is guarded by ``if __name__ == "__main__":``. The `inspector` command is; a script
using the core may not be, so it gets serial passes unless it calls `allow_workers()`.
"""

from __future__ import annotations

_allowed = False


def allow_workers(allowed: bool = True) -> None:
    """Let the core use worker processes (the caller's main module is import-safe)."""
    global _allowed
    _allowed = allowed


def workers_allowed() -> bool:
    return _allowed
