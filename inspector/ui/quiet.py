"""Background work that waits for a pause in the typing before it starts.

Starting work in a thread right after the first frame (`import datasets`, the analyses) takes
the GIL from the UI just when a user begins to scroll. `QuietStart` (the app's `app.quiet`)
is told of every key press and runs a callback once no key has come for `QUIET` seconds; once
started, the work runs to its end.
"""

from __future__ import annotations

import time

#: Seconds without a key press before deferred background work starts.
QUIET = 0.3


class QuietStart:
    """`when_quiet(callback)`; the app calls `key_pressed()` for every key."""

    def __init__(self, app):
        self.app = app
        self.last_key = 0.0

    def key_pressed(self) -> None:
        self.last_key = time.monotonic()

    def when_quiet(self, callback) -> None:
        """Call `callback()` on the UI thread once no key has been pressed for `QUIET` seconds,
        counted from now."""
        self.last_key = max(self.last_key, time.monotonic())
        self._check(callback)

    def _check(self, callback) -> None:
        quiet = time.monotonic() - self.last_key
        if quiet < QUIET:
            self.app.set_timer(QUIET - quiet, lambda: self._check(callback))
            return
        callback()
