"""The rows view as a new user meets it: ids readable, telling previews, cursor and search kept."""

from __future__ import annotations

import pytest

from inspector.ui.rowcells import split_abbreviations
from inspector.ui.widgets.row_table import RowTable

pytestmark = pytest.mark.anyio


def lines_of(table: RowTable) -> list[str]:
    return [strip.text for strip in table.render_lines(table.region.reset_offset)]


def test_split_names_are_short_readable_and_unique():
    assert split_abbreviations(["train", "validation", "test"]) == {
        "train": "train",
        "validation": "val",
        "test": "test",
    }
    short = split_abbreviations(["training_a", "training_b", "valid", "validation"])
    assert len(set(short.values())) == 4


@pytest.mark.parametrize("width", [80, 100])
async def test_row_ids_and_reasons_are_never_cut(make_app, settle, width):
    app = make_app(view="rows")
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RowTable)
        # Rows 100-469 of train have the widest ids: each must be shown in full.
        await pilot.press("G")
        for _ in range(35):
            await pilot.press("k")
        await pilot.press("D", *"badformat", "enter")
        await settle(pilot)
        lines = lines_of(table)
        start = int(table.scroll_offset.y)
        for y, line in enumerate(lines[1:]):
            label = app.session.label(int(table.order[start + y]))
            short = label.replace("validation:", "val:")
            assert line.split()[0] == short, line
        assert any("drop:badformat" in line for line in lines), lines


async def test_chat_previews_show_the_first_user_turn(make_app, settle):
    app = make_app("chat", view="rows")
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RowTable)
        rows = lines_of(table)[1:6]
        for y, line in enumerate(rows):
            conv = app.session.ds.conversation(*app.session.locate(int(table.order[y])))
            user = next(t.content for t in conv.turns if t.role == "user")
            assert conv.turns[0].role == "system"  # the sample's rows all open with one
            assert " ".join(user.split())[:30] in line, line
            assert conv.turns[0].content[:20] not in line


def test_preview_falls_back_when_there_is_no_user_turn():
    from inspector.core.data.conversation import Conversation, Turn
    from inspector.ui.previews import preview

    only_system = Conversation("messages", [Turn("system", "Be brief."), Turn("assistant", "Ok")])
    assert preview(only_system) == "Be brief. → Ok"
    text = Conversation("text", [Turn("text", "just a document")])
    assert preview(text) == "just a document"


async def test_cursor_comes_back_under_a_filter_that_waits_for_an_analysis(
    make_app, settle, tmp_path
):
    state = tmp_path / "state"
    app = make_app(view="rows", state=state, warm=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.set_filter(app.screen._patched(flag="refusal"))
        await pilot.press("G")
        table = app.screen.query_one(RowTable)
        assert table.cursor > 0
        gid, pos = table.cursor_gid, table.cursor
        await pilot.press("q")
    # Reopened, the flag filter waits for the analyses read from the cache, then applies.
    again = make_app(state=state, warm=True)
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = again.screen.query_one(RowTable)
        assert again.screen.rowset.filter.flag == "refusal"
        assert not again.screen.rowset.waiting
        assert (table.cursor, table.cursor_gid) == (pos, gid)


async def test_leaving_the_one_row_view_keeps_the_row_last_shown(make_app, settle):
    from inspector.ui.screens.row import RowScreen

    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "n", "n")
        assert isinstance(app.screen, RowScreen) and app.screen.gid == 2
        await pilot.press("escape")
        await pilot.pause()
        table = app.screen.query_one(RowTable)
        assert (table.cursor, table.cursor_gid) == (2, 2)
        assert app.screen.query_one("StatusLine").message.startswith("3/500")


async def test_q_quits_from_the_one_row_view_and_escape_goes_back(make_app, settle):
    from inspector.ui.screens.row import RowScreen

    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, RowScreen)
        footer = {b.description for _, b, enabled, _ in app.screen.active_bindings.values()}
        assert {"Quit", "Back"} <= footer
        await pilot.press("escape")
        assert not isinstance(app.screen, RowScreen)
        await pilot.press("enter", "q")
        await pilot.pause()
    assert app.return_code == 0


@pytest.mark.parametrize("keys", [("q", "e"), ("q", "slash"), ("q", "f"), ("enter", "q", "D")])
async def test_keys_typed_while_quitting_raise_nothing(make_app, settle, keys):
    from textual import events

    app = make_app(view="rows")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # Keys arriving in one read (`tmux send-keys q e`): queued before `q` is handled.
        for key in keys:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await pilot.pause(0.2)
    assert app._exception is None
    assert app.return_code == 0


async def test_search_box_replaces_the_previous_query(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"SORRY", "enter")
        await pilot.press("slash", *"guacamole", "enter")
        await settle(pilot)
        assert app.screen.rowset.filter.text == "guacamole"
        assert len(app.screen.rowset) > 0


async def test_an_empty_result_says_so_and_how_to_clear_it(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"zqxwv", "enter")
        await settle(pilot)
        table = app.screen.query_one(RowTable)
        assert len(table.order) == 0
        first = lines_of(table)[1]
        assert "no rows match /zqxwv" in first and "F clears" in first
        await pilot.press("F")
        assert len(table.order) == 500
        assert "no rows match" not in "\n".join(lines_of(table))


def test_a_long_dataset_name_never_pushes_the_view_tabs_off(sample_data, tmp_path):
    import shutil

    from inspector.core.data.dataset import open_dataset
    from inspector.ui.app import InspectorApp
    from inspector.ui.session import Session
    from inspector.ui.widgets.bars import ViewBar

    long_name = tmp_path / "llamafactory_kto_en_demo_with_a_very_long_descriptive_name.jsonl"
    shutil.copy(sample_data / "sft" / "train.jsonl", long_name)

    async def check(width: int) -> str:
        ds = open_dataset(long_name, state_dir=tmp_path / "state")
        app = InspectorApp(Session(ds), analyses=False, view="rows")
        async with app.run_test(size=(width, 24)) as pilot:
            await pilot.pause()
            bar = app.screen.query_one(ViewBar).render_bar().plain
            assert len(bar) <= width, bar
            assert bar.rstrip().endswith("6 packs"), bar
            return bar

    import asyncio

    assert "…" in asyncio.run(check(80))
    wide = asyncio.run(check(110))
    assert "llamafactory_kto" in wide and "name.jsonl" in wide  # both ends of the name


async def test_the_filter_menu_counts_every_decision_state(make_app, settle):
    app = make_app(view="rows", analyses=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("d", "d", "a")
        labels = [label for label, _ in app.screen.filter_choices()]
        total = app.session.total
        assert "decision: dropped (2)" in labels
        assert "decision: kept (1)" in labels
        assert f"decision: undecided ({total - 3:,})" in labels
