"""The state of each background analysis, and its result cache next to the data.

A result is a JSON object whose top-level numpy arrays (per-row columns) are stored beside it
in an `.npz` file, so a million-row column loads without parsing JSON. Both files are written
atomically; the JSON is written last, so its presence means the entry is complete.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inspector import __version__
from inspector.core.cache import Cache, make_key

from .specs import AnalysisSpec

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"
SKIPPED = "not run"
"""Not started this time (`--no-analyses`, or not among those asked for)."""

#: Short marks for the status line (plain characters so 16-colour and NO_COLOR terminals read them).
MARKS = {QUEUED: "…", RUNNING: "", DONE: "✓", FAILED: "✗", CANCELLED: "⊘", SKIPPED: "-"}
#: What a step that compiles kernels on its first run says while it does.
COMPILING = "compiling kernels, once"


@dataclass
class AnalysisState:
    """Where one analysis is: its status, progress, result or error."""

    spec: AnalysisSpec
    status: str = QUEUED
    step: str = ""
    done: int = 0
    total: int = 0
    fraction: float = 0.0
    """How much of the whole analysis is done, over all its steps; never decreases in a run."""
    compiling: bool = False
    """The current step compiles kernels (the first run of it on this machine)."""
    result: dict[str, Any] | None = None
    error: str | None = None
    cached: bool = False
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def ready(self) -> bool:
        return self.status == DONE and self.result is not None

    def start(self) -> None:
        """Queued -> running, its progress back at zero."""
        self.status, self.step, self.done, self.total = RUNNING, "starting", 0, 0
        self.fraction, self.compiling, self.cached = 0.0, False, False

    def short(self) -> str:
        """`scan 42%`, `clusters ✓`... for the status line."""
        if self.status == RUNNING:
            return f"{self.spec.name} {int(100 * self.fraction)}%"
        return f"{self.spec.name} {MARKS[self.status]}"

    def describe(self) -> str:
        """A sentence for panels waiting on this analysis."""
        title = self.spec.title
        if self.status == RUNNING:
            of = f" {self.done:,}/{self.total:,}" if self.total else ""
            step = self.step or "running"
            if self.compiling:
                step += f" ({COMPILING})"
            return f"{title}: {step}{of}"
        if self.status == QUEUED:
            return f"{title}: waiting for earlier analyses"
        if self.status == CANCELLED:
            return f"{title}: cancelled (run it again from the command palette)"
        if self.status == SKIPPED:
            return f"{title}: not run (start it with ctrl+p, run analysis)"
        if self.status == FAILED:
            return f"{title}: {self.error}"
        return f"{title}: done"


def cache_key(spec: AnalysisSpec, session) -> str:
    """The app's cache key of an analysis: the core's own key for what it computes, the app's
    shaping of it (`spec.version`) and the inspector version (an upgrade recomputes)."""
    return make_key(
        analysis=spec.name, core=spec.key(session), version=spec.version, inspector=__version__
    )


def load_result(cache: Cache, spec: AnalysisSpec, key: str) -> dict | None:
    """A cached result, or None when there is none (or it is unreadable)."""
    kind = f"app-{spec.name}"
    meta = cache.get_json(kind, key)
    if meta is None:
        return None
    arrays = meta.pop("__arrays__", [])
    if arrays:
        try:
            with np.load(cache.path(kind, key, "npz")) as npz:
                meta.update({name: npz[name] for name in arrays})
        except (OSError, KeyError, ValueError):
            return None
    return meta


def save_result(cache: Cache, spec: AnalysisSpec, key: str, result: dict) -> None:
    """Store a result: arrays in `.npz`, the rest in `.json` (written last)."""
    kind = f"app-{spec.name}"
    arrays = {k: v for k, v in result.items() if isinstance(v, np.ndarray)}
    meta = {k: v for k, v in result.items() if k not in arrays}
    if arrays:
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        if cache.put_bytes(cache.path(kind, key, "npz"), buf.getvalue()) is None:
            return  # not cached (read-only or full): the result is still shown
        meta["__arrays__"] = sorted(arrays)
    cache.put_json(kind, key, meta)
