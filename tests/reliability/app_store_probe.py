"""The app's `d` on a store that cannot take it: run by `test_state.py` inside a private mount
namespace (a read-only or a filling tmpfs), it drives the real app with Textual's Pilot and
prints one JSON line saying what happened.

Usage: ``python -m tests.reliability.app_store_probe DATA STATE readonly|fill [FILLER]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path


def _messages(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _fill(filler: Path) -> None:
    """Write into `filler` until the file system is full."""
    block = b"\0" * (1 << 16)
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, block)
    except OSError:
        pass
    finally:
        os.close(fd)


async def probe(data: str, state: str, mode: str, filler: str | None) -> dict:
    from inspector.core.data import open_dataset
    from inspector.core.state import prepare_state
    from inspector.ui.app import InspectorApp
    from inspector.ui.session import Session

    ds = open_dataset(data, state_dir=state)
    notes = prepare_state(ds, store="write")
    app = InspectorApp(Session(ds), analyses=("summary",), view="rows")
    for note in notes:
        app.notify(note, severity="warning", markup=False)
    out: dict = {"notes": notes}
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        while app.starting:
            await pilot.pause(0.05)
        if mode == "fill":
            await pilot.press("d")
            await pilot.pause()
            out["first"] = app.session.store.counts()
            _fill(Path(filler))
        await pilot.press("j", "d", "j", "D", "x", "enter")
        await pilot.pause(0.2)
        out["after_refusal"] = app.session.store.counts()
        out["mirror"] = app.session.decisions.counts()
        out["messages"] = _messages(app)
        out["running"] = app.is_running
        if mode == "fill":
            Path(filler).unlink()
            await pilot.press("j", "d")
            await pilot.pause()
            out["after_freeing"] = app.session.store.counts()
        await pilot.press("q")
    return out


def main() -> None:
    data, state, mode = sys.argv[1:4]
    filler = sys.argv[4] if len(sys.argv) > 4 else None
    print(json.dumps(asyncio.run(probe(data, state, mode, filler))), flush=True)


if __name__ == "__main__":
    main()
