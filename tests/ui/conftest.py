"""Fixtures for the app's tests: an app on the sample data with its state in a temp folder."""

from __future__ import annotations

import pytest

from inspector.core.dataset import open_dataset
from inspector.ui.app import InspectorApp
from inspector.ui.session import Session, Settings


@pytest.fixture
def make_app(sample_data, tmp_path):
    """`make_app("sft", view="rows", ...)`: an `InspectorApp` whose decisions and caches live
    in this test's temp folder (the committed sample data is never written to)."""

    def make(name: str = "sft", *, state=None, settings: Settings | None = None, **kwargs):
        ds = open_dataset(sample_data / name, state_dir=state or tmp_path / "state")
        return InspectorApp(Session(ds, settings), **kwargs)

    return make


async def _settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def settle():
    """`await settle(pilot)`: let background work finish and the screen catch up."""
    return _settle


@pytest.fixture
def anyio_backend():
    return "asyncio"
