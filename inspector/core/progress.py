"""Progress reports and cancellation shared by every long core computation.

A long computation is a generator that yields `Progress` values and stops early, raising
`Cancelled`, once its `cancel` event is set. The CLI turns those values into a Rich progress
bar; the app's workers turn them into messages for the status line. Neither needs to know what
is being computed.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class Cancelled(Exception):
    """Raised inside a computation whose cancel event was set."""


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a named step has come: `done` out of `total` units (total 0 = unknown)."""

    step: str
    done: int
    total: int = 0

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


def check(cancel: threading.Event | None) -> None:
    """Raise `Cancelled` if the caller asked to stop."""
    if cancel is not None and cancel.is_set():
        raise Cancelled()


def run(gen: Generator[Progress, None, T]) -> T:
    """Drive a progress generator to its end, ignoring the reports; return its result."""
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def drain(gen: Generator[Progress, None, T], on_progress) -> T:
    """Drive a progress generator, calling `on_progress(p)` for each report; return its result."""
    while True:
        try:
            on_progress(next(gen))
        except StopIteration as stop:
            return stop.value


def chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    """`(start, stop)` pairs covering `range(total)` in slices of `size`."""
    for start in range(0, total, size):
        yield start, min(start + size, total)
