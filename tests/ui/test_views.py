"""Every view opens, shows what it should, and says what it waits for."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.widgets import OptionList, Static, TabbedContent

from inspector.ui.screens.help import HelpScreen, key_rows
from inspector.ui.screens.row import RowScreen
from inspector.ui.session import Settings
from inspector.ui.widgets.conversation import ConversationView
from inspector.ui.widgets.gated import Gated
from inspector.ui.widgets.panels import AnalysisPanel

pytestmark = pytest.mark.anyio


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text at the widget's width."""
    console = Console(width=widget.size.width or 100, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


async def test_overview_shows_dataset_summary_and_decisions(make_app, settle):
    app = make_app(view="overview")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        body = {g.id: text_of(g.query_one(".gated--body", Static)) for g in app.screen.query(Gated)}
        assert "alpaca" in body["dataset"] and "train 470, validation 30" in body["dataset"]
        assert "every row normalized" in body["summary"]
        assert "assistant" in body["summary"] and "user" in body["summary"]
        assert "kept 0 · dropped 0" in body["decisions"]
        await pilot.press("2", "d", "1")  # drop a row in the rows view, come back
        await settle(pilot)
        decisions = app.screen.query_one("#decisions", Gated).query_one(".gated--body", Static)
        assert "dropped 1" in text_of(decisions)


async def test_help_lists_every_key_of_the_current_view(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        rows = key_rows(app.screen)
        ids = {r[3] for r in rows}
        assert {
            "triage.drop",
            "triage.keep",
            "rows.search",
            "rows.filter",
            "table.down",
            "app.undo",
            "app.redo",
            "app.help",
        } <= ids
        down = [r[1].split() for r in rows if r[3] == "table.down"]
        assert len(down) == 1 and "j" in down[0] and len(down[0]) == 2  # ↓ and j, one line
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        assert not any(r[0][:1].isupper() for r in rows)  # sections in words, no class names
        await pilot.press("escape", "enter", "question_mark")
        assert "one-row view" in str(app.screen.query(Static).first().render())
        await pilot.press("escape", "escape")
        await pilot.press("1", "question_mark")  # the overview has its own keys
        assert "overview.down" in {r[3] for r in app.screen.rows}
        assert "triage.drop" not in {r[3] for r in app.screen.rows}


async def test_one_row_view_walks_and_triages(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RowScreen) and screen.gid == 1
        conv = text_of(screen.query_one(ConversationView))
        row = app.session.ds.conversation("train", 1)
        assert "── user" in conv and "── assistant" in conv
        assert row.prompt_text()[:30] in conv.replace("\n", " ")
        await pilot.press("n", "n")
        assert screen.gid == 3
        await pilot.press("d")
        assert app.session.decisions.of(3) == "drop"
        assert "DROP" in text_of(screen.query_one("#row-head", Static))
        await pilot.press("right_square_bracket")
        assert screen.query_one(TabbedContent).active == "tab-tokens"
        await pilot.press("escape")
        assert not isinstance(app.screen, RowScreen)
        # The rows view follows the walk: its cursor is on the row last shown.
        assert app.screen.query_one("RowTable").cursor_gid == 3


async def test_preference_rows_show_both_sides(make_app, settle):
    app = make_app("preference", view="rows")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        view = app.screen.query_one(ConversationView)
        shown = text_of(view)
        conv = app.session.ds.conversation("train", 0)
        assert "chosen" in shown and "rejected" in shown
        assert conv.chosen[0].content[:30] in shown.replace("\n", " ")
        assert conv.rejected[0].content[:30] in shown.replace("\n", " ")


@pytest.mark.parametrize(
    "view,needs",
    [
        ("clusters", "clusters"),
        ("duplicates", "scan"),
        ("contamination", "scan"),
        ("packs", "tokens"),
    ],
)
async def test_views_say_what_they_wait_for(make_app, settle, view, needs):
    app = make_app(view=view)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        state = app.analyses[needs]
        panel = app.screen.query_one(AnalysisPanel)
        if state.ready:
            assert not panel.display
        else:
            assert panel.display
            assert state.describe().split(":")[0] in text_of(panel)
        await pilot.press("2")  # the rest of the app keeps working
        assert app.screen.query_one("RowTable").cursor_gid == 0


async def test_failed_analysis_shows_an_error_panel_and_the_rest_works(make_app, tmp_path, settle):
    # A broken cache no longer fails an analysis (its result is kept in a fallback folder), so
    # the failure is a real one: a tokenizer folder whose tokenizer.json is not a tokenizer.
    bad = tmp_path / "bad-tokenizer"
    bad.mkdir()
    (bad / "tokenizer.json").write_text("not a tokenizer")
    app = make_app(view="overview", settings=Settings(tokenizer=str(bad)), analyses=("tokens",))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        tokens = app.analyses["tokens"]
        assert tokens.status == "failed" and "could not load a tokenizer" in tokens.error
        panel = app.screen.query_one("#tokens", Gated).query_one(AnalysisPanel)
        assert panel.display and panel.has_class("-failed")
        assert "failed" in text_of(panel)
        await pilot.press("2", "d")  # triage still works
        assert app.session.decisions.of(0) == "drop"


async def test_palette_offers_views_bulk_and_themes(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"rust", "enter")
        await settle(pilot)
        from inspector.ui.commands import InspectorCommands

        provider = InspectorCommands(app.screen)
        titles = [t for t, _, _ in provider._commands()]
        assert any(t.startswith("Bulk: drop every row of the filter “/rust”") for t in titles)
        assert "Theme: inspector-contrast" in titles
        system = [c.title for c in app.get_system_commands(app.screen)]
        assert "Go to clusters" in system and "Keys" in system
        await pilot.press("ctrl+p")
        await pilot.press(*"Theme: inspector-light", "enter")
        await settle(pilot)
        assert app.theme == "inspector-light"


async def test_related_tab_lists_duplicates_and_neighbours_when_ready(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        related = app.screen.query_one("#row-related", OptionList)
        first = str(related.get_option_at_index(0).prompt)
        if app.analyses.index("scan") is None and app.analyses.index("clusters") is None:
            assert "appear when these finish" in first
        else:
            assert first.startswith("──")
