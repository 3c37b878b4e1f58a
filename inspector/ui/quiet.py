"""Background work that waits for a pause in the typing before it starts.

Starting work in a thread right after the first frame (`import datasets`, the analyses) takes
the GIL from the UI just when a user begins to scroll. `QuietStart` remembers when the last key
was pressed and runs a callback once no key has come for `QUIET` seconds; once started, the
work runs to its end.
"""

from __future__ import annotations

import time

from textual import events

#: Seconds without a key press before deferred background work starts.
QUIET = 0.3


class QuietStart:
    """Mixin for the app: `when_keys_quiet(callback)`."""

    _last_key = 0.0

    def when_keys_quiet(self, callback) -> None:
        """Call `callback()` on the UI thread once no key has been pressed for `QUIET` seconds,
        counted from now."""
        self._last_key = max(self._last_key, time.monotonic())
        self._check_quiet(callback)

    def _check_quiet(self, callback) -> None:
        quiet = time.monotonic() - self._last_key
        if quiet < QUIET:
            self.set_timer(QUIET - quiet, lambda: self._check_quiet(callback))
            return
        callback()

    async def on_event(self, event) -> None:
        if isinstance(event, events.Key):
            self._last_key = time.monotonic()
        await super().on_event(event)
