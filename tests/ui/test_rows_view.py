"""The rows view: a virtual table, cursor keys, search, filters, sort, and state restored."""

from __future__ import annotations

import pytest

from inspector.ui.widgets.row_table import RowTable

pytestmark = pytest.mark.anyio


def visible_text(table: RowTable) -> str:
    """The table's lines as drawn on screen."""
    return "\n".join(strip.text for strip in table.render_lines(table.region.reset_offset))


async def test_table_is_virtual_and_walks_rows(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RowTable)
        assert len(table.order) == 500
        assert len(table.children) == 0  # no widget per row: lines are drawn on demand
        first = app.session.ds.conversation("train", 0).prompt_text()
        assert first[:40] in visible_text(table)
        await pilot.press("j", "j", "down")
        assert table.cursor == 3
        await pilot.press("k")
        assert table.cursor == 2
        await pilot.press("G")  # the last row: the second split's row 29
        assert table.cursor == 499
        assert app.session.locate(table.cursor_gid) == ("validation", 29)
        assert "val:29" in visible_text(table)
        await pilot.press("home", "pagedown")
        assert table.cursor == table.size.height - 2


async def test_search_filters_rows_by_text(make_app, sample_data, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"banana bread", "enter")
        await settle(pilot)
        table = app.screen.query_one(RowTable)
        lines = [
            line
            for split in ("train", "validation")
            for line in (sample_data / "sft" / f"{split}.jsonl").read_text().splitlines()
        ]
        expected = [i for i, line in enumerate(lines) if "banana bread" in line.lower()]
        assert expected and table.order.tolist() == expected
        assert "/banana bread" in app.screen.rowset.filter.describe()
        await pilot.press("F")  # clear filters
        assert len(table.order) == 500


async def test_sort_by_length_descending(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RowTable)
        await pilot.press("l")  # the preview column sorts by text length
        assert table.current_column.key == "length"
        await pilot.press("right_square_bracket")
        lengths = app.screen.builder.length()[table.order]
        assert (lengths[:-1] >= lengths[1:]).all()

        def chars(gid):  # the characters of a flat Alpaca row, counted independently
            raw = app.session.ds.raw_row(*app.session.locate(gid))
            return sum(len(v) for v in raw.values() if isinstance(v, str))

        assert chars(int(table.order[0])) == max(chars(g) for g in range(app.session.total))
        assert "sorted by length desc" in app.screen.rowset.filter.describe()


async def test_filter_menu_decision_filter(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("j", "d", "j", "d")  # rows 1 and 3
        await pilot.press("f")
        await settle(pilot)
        menu = app.screen
        labels = [label for label, _ in menu.choices]
        assert "decision: dropped (2)" in labels
        menu.query_one("OptionList").highlighted = labels.index("decision: dropped (2)")
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one(RowTable)
        assert table.order.tolist() == [1, 3]
        await pilot.press("f")
        labels = [label for label, _ in app.screen.choices]
        # flags/clusters wait for their analyses and say why
        assert any(
            label.startswith("flags, duplicates, contamination:") or label.startswith("any flag")
            for label in labels
        )


async def test_filter_and_cursor_survive_a_restart(make_app, tmp_path, settle):
    state = tmp_path / "shared-state"
    app = make_app(view="rows", state=state)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"geography", "enter")
        await settle(pilot)
        await pilot.press("j", "j", "j")
        gid = app.screen.query_one(RowTable).cursor_gid
    again = make_app(state=state)  # no view given: the last one used comes back
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = again.screen.query_one(RowTable)
        assert again.screen.rowset.filter.text == "geography"
        assert table.cursor_gid == gid
