"""One place where every background worker's end is handled, and every failure shown alike.

The app's parts (the analyses, the dataset loader, the exporter, a view's own worker) each
start thread workers in a group of their own and register that group here with what to do when
a worker succeeds, fails or is cancelled. The app's single `Worker.StateChanged` handler hands
each event to `WorkerRouter.route`: a failure is reported to its owner (which records it where
its views read it) and shown to the user in the same words everywhere — "<what> failed:
<error>" as an error notification — so no failure is silent and none is shown twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.worker import Worker, WorkerState

from inspector.core.errors import InputError
from inspector.core.progress import Cancelled
from inspector.core.safe_text import safe_text


def describe_error(err: BaseException | None) -> str:
    """How a failure reads on screen: an `InputError` is already a sentence for the user;
    anything else is named by its type, so a bug is told apart from bad input."""
    if err is None:
        return "unknown error"
    if isinstance(err, InputError):
        return str(err)
    return f"{type(err).__name__}: {err}"


@dataclass
class Route:
    """What a group's owner does when one of its workers ends."""

    what: Callable[[Worker], str]
    """What the worker was doing, for the failure message ("scan", "export")."""
    success: Callable[[Worker], None]
    failure: Callable[[Worker, str], None] | None = None
    """Called with the described error; the router then shows it (unless `quiet`)."""
    cancelled: Callable[[Worker], None] | None = None
    quiet: bool = False
    """The owner shows its failures in its own view: no notification."""


class WorkerRouter:
    """Routes each worker's state change to the owner of its group."""

    def __init__(self, app):
        self.app = app
        self.routes: dict[str, Route] = {}

    def register(self, group: str, route: Route) -> None:
        self.routes[group] = route

    def route(self, event: Worker.StateChanged) -> bool:
        """Handle `event` when its worker's group is registered; True when it was."""
        route = self.routes.get(event.worker.group)
        if route is None:
            return False
        worker = event.worker
        if event.state == WorkerState.SUCCESS:
            route.success(worker)
        elif event.state == WorkerState.CANCELLED or (
            event.state == WorkerState.ERROR and isinstance(worker.error, Cancelled)
        ):
            if route.cancelled is not None:
                route.cancelled(worker)
        elif event.state == WorkerState.ERROR:
            self.failed(route, worker, describe_error(worker.error))
        return True

    def failed(self, route: Route, worker: Worker | None, error: str) -> None:
        """Report a failure to its owner and show it: the one way any failure is shown."""
        what = route.what(worker)
        if route.failure is not None:
            route.failure(worker, error)
        if not route.quiet:
            self.show(f"{what} failed: {error}")

    def show(self, message: str) -> None:
        self.app.notify(safe_text(message), severity="error", timeout=10, markup=False)
