"""The background analyses: cancel, run again, and the cache that makes a reopen instant."""

from __future__ import annotations

import pytest

from inspector.ui.analyses.state import CANCELLED, DONE

pytestmark = pytest.mark.anyio


async def test_cancel_then_run_again(make_app, settle):
    app = make_app(view="rows", analyses=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        state = app.analyses["tokens"]
        assert state.status == CANCELLED and state.error == "not started"
        app.rerun_analysis("tokens")  # what the palette's "Run analysis: tokens" does
        if state.status == "unavailable":
            pytest.skip(state.error)
        assert state.status == "running"
        # What `X` does, before the worker can finish: the computation stops at its next
        # check, or its result is thrown away, and the analysis ends cancelled.
        assert app.cancel_analysis() == "tokens"
        await settle(pilot)
        assert state.status == CANCELLED and state.result is None
        assert app.index("tokens") is None
        app.rerun_analysis("tokens")
        await settle(pilot)
        assert state.status == DONE and app.index("tokens") is not None
        await pilot.press("X")  # nothing runs now: the key says so and changes nothing
        assert state.status == DONE


async def test_results_are_cached_for_the_next_open(make_app, settle, tmp_path):
    state_dir = tmp_path / "cached-state"
    first = make_app(view="overview", state=state_dir)
    async with first.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert first.analyses["summary"].status == DONE
        assert not first.analyses["summary"].cached
        computed = first.analyses["summary"].result
    second = make_app(view="overview", state=state_dir)
    async with second.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert second.analyses["summary"].cached
        assert second.analyses["summary"].result == computed
