"""Snapshots of the main views at 80x24 and 120x40 (pytest-textual-snapshot).

Only the summary analysis runs, so the pictures do not change when other cores are merged.
Update them with `pytest tests/ui/test_snapshots.py --snapshot-update` after checking the
differences in the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.ui.app import InspectorApp
from inspector.ui.session import Session

ROOT = Path(__file__).resolve().parents[2]
SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def app_on(tmp_path, monkeypatch):
    """An app on a sample dataset opened by a relative path (the same picture everywhere)."""
    monkeypatch.chdir(ROOT)

    def make(name="sft", **kwargs):
        ds = open_dataset(f"sample_data/{name}", state_dir=tmp_path / "state")
        return InspectorApp(Session(ds), analyses=("summary",), **kwargs)

    return make


async def _ready(pilot, *keys):
    while pilot.app.starting:  # background work starts after a pause in the typing
        await pilot.pause(0.05)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    if keys:
        await pilot.press(*keys)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    pilot.app.clear_notifications()
    await pilot.pause()


def runner(*keys):
    async def run_before(pilot):
        await _ready(pilot, *keys)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_overview(snap_compare, app_on, size):
    assert snap_compare(app_on(view="overview"), terminal_size=size, run_before=runner())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_rows_with_decisions_and_selection(snap_compare, app_on, size):
    keys = ("j", "d", "j", "s", "j", "j", "a")
    assert snap_compare(app_on(view="rows"), terminal_size=size, run_before=runner(*keys))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_one_row(snap_compare, app_on, size):
    assert snap_compare(app_on(view="rows"), terminal_size=size, run_before=runner("j", "enter"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_preference_row(snap_compare, app_on, size):
    app = app_on("preference", view="rows")
    assert snap_compare(app, terminal_size=size, run_before=runner("enter"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare, app_on, size):
    assert snap_compare(app_on(view="rows"), terminal_size=size, run_before=runner("question_mark"))


def test_clusters_waiting(snap_compare, app_on):
    assert snap_compare(app_on(view="clusters"), terminal_size=(80, 24), run_before=runner())


def test_rows_in_the_16_colour_theme(snap_compare, app_on):
    app = app_on(view="rows", theme="inspector-contrast")
    assert snap_compare(app, terminal_size=(80, 24), run_before=runner("j", "d", "j"))


def test_rows_in_the_light_theme(snap_compare, app_on):
    app = app_on(view="rows", theme="inspector-light")
    assert snap_compare(app, terminal_size=(80, 24), run_before=runner("j", "d", "j"))


def test_help_on_the_overview(snap_compare, app_on):
    """The first `?` on the first screen: how the app works (drop and keep named), then keys."""
    assert snap_compare(
        app_on(view="overview"), terminal_size=(80, 24), run_before=runner("question_mark")
    )


def test_near_duplicate_pair_with_differing_words(snap_compare, real_data, tmp_path):
    """A real near-duplicate pair (rows 5 and 505 of the SFT notebook's data) side by side,
    the words that differ marked."""
    from textual.widgets import OptionList

    ds = open_dataset(real_data / "rasbt_instruction-data.json", state_dir=tmp_path / "state")
    app = InspectorApp(Session(ds), view="duplicates", analyses=("scan",))

    async def run_before(pilot):
        await _ready(pilot)
        groups = pilot.app.screen.query_one("#dup-groups", OptionList)
        ids = [groups.get_option_at_index(i).id for i in range(groups.option_count)]
        groups.highlighted = ids.index("near#0")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
