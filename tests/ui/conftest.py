"""Fixtures for the app's tests: an app on the sample data with its state in a temp folder."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.progress import drain
from inspector.ui.analyses.specs import SPECS
from inspector.ui.analyses.state import cache_key, save_result
from inspector.ui.app import InspectorApp
from inspector.ui.session import Session, Settings


@pytest.fixture(scope="session")
def analysed(sample_data, tmp_path_factory):
    """`analysed("sft", settings)`: a state folder whose cache holds every analysis, computed
    once per test session (clusters take seconds on two cores)."""
    done: dict[tuple, object] = {}

    def get(name: str, settings: Settings | None = None):
        settings = settings or Settings()
        key = (name, repr(settings))
        if key not in done:
            state = tmp_path_factory.mktemp(f"analysed-{name}")
            session = Session(open_dataset(sample_data / name, state_dir=state), settings)
            for spec in SPECS:
                result = drain(spec.compute(session, None), lambda p: None)
                save_result(session.ds.cache, spec, cache_key(spec, session), result)
            session.store.close()
            done[key] = state
        return done[key]

    return get


@pytest.fixture
def make_app(sample_data, tmp_path, analysed):
    """`make_app("sft", view="rows", ...)`: an `InspectorApp` whose decisions and caches live
    in this test's temp folder (the committed sample data is never written to).

    By default only the quick summary analysis runs; `warm=True` starts every analysis from
    results computed once per session (copied in, so decisions stay per test)."""

    def make(
        name: str = "sft",
        *,
        state=None,
        settings: Settings | None = None,
        warm: bool = False,
        analyses=("summary",),
        **kwargs,
    ):
        state = state or tmp_path / "state"
        if warm:
            shutil.copytree(analysed(name, settings) / "cache", state / "cache", dirs_exist_ok=True)
            analyses = True
        ds = open_dataset(sample_data / name, state_dir=state)
        return InspectorApp(Session(ds, settings), analyses=analyses, **kwargs)

    return make


async def _settle(pilot) -> None:
    await pilot.pause()
    # Background work starts after a pause in the typing (`QuietStart`): let it start.
    while pilot.app.starting:
        await pilot.pause(0.05)
    # A failed or cancelled analysis is part of what tests look at: wait, do not raise.
    await asyncio.gather(*(w.wait() for w in list(pilot.app.workers)), return_exceptions=True)
    await pilot.pause()
    # The analyses run one after another: the next one starts when a worker ends, so wait
    # until none is queued or running (on a loaded machine a cached one still takes a while).
    analyses = getattr(pilot.app, "analyses", {})
    while any(s.status in ("queued", "running") for s in analyses.values()):
        await asyncio.gather(*(w.wait() for w in list(pilot.app.workers)), return_exceptions=True)
        await pilot.pause(0.05)


@pytest.fixture
def settle():
    """`await settle(pilot)`: let background work finish and the screen catch up."""
    return _settle


@pytest.fixture
def anyio_backend():
    return "asyncio"
