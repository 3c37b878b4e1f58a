"""Views over the scan: flags with evidence, duplicate groups, contamination, bulk actions.
Checked against the defects planted in `sample_data/` (its manifest)."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console
from textual.widgets import OptionList, Static

from inspector.ui.screens.contamination import ContaminationScreen
from inspector.ui.screens.duplicates import DuplicatesScreen
from inspector.ui.session import Settings
from inspector.ui.widgets.conversation import ConversationView
from inspector.ui.widgets.row_table import RowTable

pytestmark = pytest.mark.anyio


def text_of(widget: Static) -> str:
    console = Console(width=widget.size.width or 100, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


@pytest.fixture(scope="module")
def manifest(sample_data):
    return json.loads((sample_data / "manifest.json").read_text())["datasets"]


def planted(manifest, code: str) -> set[int]:
    """Gids (train rows come first in `sft`) of the rows planted with `code`."""
    return {
        d["row"] for d in manifest["sft"]["defects"] if d["code"] == code and d["split"] == "train"
    }


def assert_scanned(app) -> None:
    state = app.analyses["scan"]
    assert state.ready, state.describe()


async def test_flag_filter_and_evidence(make_app, settle, manifest):
    app = make_app(view="rows", warm=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert_scanned(app)
        app.screen.set_filter(app.screen._patched(flag="refusal"))
        await settle(pilot)
        rows = set(app.screen.query_one(RowTable).order.tolist())
        assert planted(manifest, "refusal") <= rows
        first = min(planted(manifest, "refusal"))
        app.screen.query_one(RowTable).cursor = app.screen.rowset.position(first)
        await pilot.press("enter")
        await settle(pilot)
        flags_text = text_of(app.screen.query_one("#row-flags", Static))
        assert "refusal" in flags_text and "evidence:" in flags_text
        view = app.screen.query_one(ConversationView)
        assert view.needles and view.needles[0].lower() in view.conversation.all_text().lower()


async def test_duplicates_view_and_bulk_drop(make_app, settle, manifest):
    app = make_app(view="duplicates", warm=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen)
        assert_scanned(app)
        scan = app.analyses.index("scan")
        groups = [set(g.tolist()) for g in scan.groups["exact"]]
        for pair in manifest["sft"]["duplicates"]["exact"]:
            assert any({r["row"] for r in pair} <= g for g in groups)
        options = app.screen.query_one("#dup-groups", OptionList)
        assert options.option_count > len(groups)
        kind, i = app.screen.current()
        members = scan.groups[kind][i].tolist()
        await pilot.press("d")  # the group but its representative
        assert app.session.decisions.of(members[0]) is None
        assert all(app.session.decisions.of(g) == "drop" for g in members[1:])
        assert app.session.decisions.reasons[members[1]] == f"dup:{kind}"
        await pilot.press("U", "b")
        await settle(pilot)
        titles = [t for t, _ in app.screen.choices]
        target = next(t for t in titles if t.startswith("drop exact duplicates"))
        app.screen.query_one(OptionList).highlighted = titles.index(target)
        await pilot.press("enter")
        await settle(pilot)
        extra = scan.duplicates_beyond_representative("exact").tolist()
        assert app.session.decisions.counts()["drop"] == len(set(extra))
        assert all(app.session.decisions.of(g[0]) is None for g in scan.groups["exact"])


async def test_contamination_view(make_app, settle, manifest, sample_data):
    settings = Settings(against=[sample_data / "benchmark" / "test.jsonl"])
    app = make_app(view="contamination", warm=True, settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ContaminationScreen)
        assert_scanned(app)
        scan = app.analyses.index("scan")
        expected = {h["row"] for h in manifest["sft"]["contamination"]}
        assert expected <= {h["gid"] for h in scan.hits}
        hit = app.screen.current()
        detail = text_of(app.screen.query_one("#contam-detail", Static))
        assert "training row" in detail and "item" in detail
        await pilot.press("d")
        assert app.session.decisions.of(hit["gid"]) == "drop"
        assert app.session.decisions.reasons[hit["gid"]] == "contaminated"
