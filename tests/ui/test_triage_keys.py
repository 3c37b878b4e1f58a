"""Triage from the keyboard: keep/drop/clear, reasons, selection, bulk, undo/redo, persistence."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from inspector.core.triage import TriageStore
from inspector.ui.widgets.row_table import RowTable

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]


def stored(app) -> dict:
    """Decisions as a fresh connection to the store sees them (what a new process would)."""
    fresh = TriageStore.open(app.session.ds.state_dir, app.session.name)
    try:
        return {k: (d.decision, d.reason) for k, d in fresh.decisions().items()}
    finally:
        fresh.close()


async def test_drop_keep_clear_current_row(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RowTable)
        await pilot.press("j", "d")  # drop row 1, then on to row 2
        assert stored(app) == {("train", 1): ("drop", None)} and table.cursor == 2
        await pilot.press("a")
        assert stored(app)[("train", 2)] == ("keep", None) and table.cursor == 3
        await pilot.press("k", "k", "c")  # clearing stays on the row
        assert ("train", 1) not in stored(app)
        cells = app.screen.cells([2])[2]
        assert cells["decision"] == ("keep", "row-table--keep")
        assert table.cursor == 1


async def test_drop_with_a_reason(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "D")
        await pilot.press(*"off topic", "enter")
        await settle(pilot)
        assert stored(app) == {("train", 2): ("drop", "off topic")}
        assert app.screen.cells([2])[2]["decision"][0] == "drop:off topic"
        await pilot.press("j", "D", "escape")  # escape cancels: nothing written
        assert len(stored(app)) == 1


async def test_selection_prefix_and_undo_redo(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s", "j", "j", "s", "j", "t")  # select rows 0, 2, 3
        assert app.session.selection == {0, 2, 3}
        await pilot.press("g", "d")  # drop the selection: one action
        assert set(stored(app)) == {("train", 0), ("train", 2), ("train", 3)}
        await pilot.press("U")
        assert stored(app) == {}
        await pilot.press("R")
        assert len(stored(app)) == 3
        await pilot.press("g", "u")  # unselect every listed row
        assert app.session.selection == set()
        await pilot.press("g", "s")
        assert len(app.session.selection) == 500


async def test_undo_and_redo_have_no_limit(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for _ in range(15):
            await pilot.press("d")  # drops, then moves down
        assert len(stored(app)) == 15
        for _ in range(15):
            await pilot.press("U")
        assert stored(app) == {}
        assert app.session.decisions.counts() == {"keep": 0, "drop": 0}
        await pilot.press("U")  # nothing left: still nothing
        for _ in range(15):
            await pilot.press("R")
        assert len(stored(app)) == 15
        assert app.session.decisions.counts()["drop"] == 15


async def test_bulk_drop_the_current_filter(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"geography", "enter")
        await settle(pilot)
        listed = app.screen.rowset.order.tolist()
        assert len(listed) > 10
        await pilot.press("b")
        await settle(pilot)
        titles = [t for t, _ in app.screen.choices]
        assert titles[0].startswith("drop every row of the filter “/geography”")
        await pilot.press("enter")
        await settle(pilot)
        decisions = stored(app)
        assert len(decisions) == len(listed)
        assert set(decisions.values()) == {("drop", "filter: /geography")}
        await pilot.press("U")  # the whole bulk action is one step
        assert stored(app) == {}


async def test_decisions_survive_reopening(make_app, settle, tmp_path):
    state = tmp_path / "state-reopen"
    app = make_app(view="rows", state=state)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "d")
    again = make_app(view="rows", state=state)
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = again.screen.query_one(RowTable)
        assert table.cursor_gid == 4  # `d` moved on to the next row
        lines = [s.text for s in table.render_lines(table.region.reset_offset)]
        assert any(line.startswith(" train:3 ") and "drop" in line for line in lines)


OTHER_INSTANCE = textwrap.dedent("""
    import asyncio, sys
    from inspector.core.data.dataset import open_dataset
    from inspector.ui.app import InspectorApp
    from inspector.ui.session import Session

    async def main():
        ds = open_dataset(sys.argv[1], state_dir=sys.argv[2])
        app = InspectorApp(Session(ds), view="rows", analyses=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.screen.query_one("RowTable").cursor = 0  # the shared UI state may say otherwise
            for _ in range(30):
                await pilot.press("d")
    asyncio.run(main())
""")


async def test_two_app_instances_write_concurrently(make_app, settle, tmp_path, sample_data):
    """Another app drops rows 0-29 while this one keeps rows 200-229: all 60 are stored."""
    state = tmp_path / "state-shared"
    other = subprocess.Popen(
        [sys.executable, "-c", OTHER_INSTANCE, str(sample_data / "sft"), str(state)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    app = make_app(view="rows", state=state, analyses=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one(RowTable).cursor = 200
        for _ in range(30):
            await pilot.press("a")
    assert other.wait(120) == 0, other.stderr.read()
    decisions = stored(app)
    assert {k for k, v in decisions.items() if v[0] == "drop"} == {("train", i) for i in range(30)}
    assert {k for k, v in decisions.items() if v[0] == "keep"} == {
        ("train", i) for i in range(200, 230)
    }
    db = sqlite3.connect(state / "triage.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_decisions_of_another_instance_appear_and_are_not_undone_here(make_app, settle):
    app = make_app(view="rows", analyses=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        other = TriageStore.open(app.session.ds.state_dir, app.session.name)
        items = [("train", 0, None)]
        other.decide(items, "drop", label="drop row 0 elsewhere")
        for _ in range(30):  # the app looks every second
            await pilot.pause(0.1)
            if app.session.decisions.of(0) is not None:
                break
        table = app.screen.query_one(RowTable)
        table.cursor = 0
        await pilot.pause()
        assert app.screen.cells([0])[0]["decision"][0] == "drop"
        await pilot.press("U")
        assert stored(app)[("train", 0)] == ("drop", None)  # the other instance's: kept
        other.close()
