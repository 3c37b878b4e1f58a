"""Views over the analyses' results: tokens, clusters, packs, and what the rows view shows of
them."""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich.console import Console
from textual.widgets import OptionList, Static, TabbedContent

from inspector.ui.screens.clusters import ClustersScreen
from inspector.ui.screens.rows import RowsScreen
from inspector.ui.widgets.braille_map import BrailleMap
from inspector.ui.widgets.gated import Gated
from inspector.ui.widgets.row_table import RowTable
from inspector.ui.widgets.tokens import TokenView

pytestmark = pytest.mark.anyio


def text_of(widget: Static) -> str:
    console = Console(width=widget.size.width or 100, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def assert_ready(app, name: str) -> None:
    """Every core is a hard dependency: each analysis must have finished."""
    state = app.analyses[name]
    assert state.ready, state.describe()


async def test_overview_tokens_and_clusters(make_app, settle):
    app = make_app(view="overview", warm=True)
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        tokens = app.screen.query_one("#tokens", Gated)
        assert_ready(app, "tokens")
        body = text_of(tokens.query_one(".gated--body", Static))
        index = app.analyses.index("tokens")
        assert f"{int(index.known().sum()):,} rows tokenized" in body
        assert "trained-token share" in body and "truncated" in body
        clusters = app.screen.query_one("#clusters", Gated)
        assert_ready(app, "clusters")
        body = text_of(clusters.query_one(".gated--body", Static))
        assert f"{len(app.analyses.index('clusters').clusters)} clusters" in body


async def test_rows_view_shows_and_sorts_by_token_counts(make_app, settle):
    app = make_app(view="rows", warm=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert_ready(app, "tokens")
        tokens = app.analyses.index("tokens")
        cells = app.screen.cells([0, 1])
        assert cells[0]["tokens"][0] == str(tokens.total[0])
        table = app.screen.query_one(RowTable)
        table.column = [c.key for c in table.columns].index("tokens")
        await pilot.press("right_square_bracket")  # longest first
        await settle(pilot)
        order = table.order
        assert (np.diff(tokens.total[order]) <= 0).all()
        top = int(order[0])
        assert tokens.truncated[top] and app.screen.cells([top])[top]["tokens"][0].startswith("✂")


async def test_row_view_token_tab(make_app, settle):
    app = make_app(view="rows", warm=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "right_square_bracket")
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "tab-tokens"
        shown = text_of(app.screen.query_one(TokenView))
        assert_ready(app, "tokens")
        row = app.screen.query_one(TokenView).row
        assert f"{row.total_tokens:,} tokens" in shown and "trained" in shown
        conv = app.session.ds.conversation("train", 0)
        assert row.trained_tokens == sum(1 for x in row.labels[: row.max_length] if x != -100)
        assert conv.response_text()[:20] in shown.replace("\n", "")


async def test_clusters_view_map_rows_and_drop(make_app, settle):
    app = make_app(view="clusters", warm=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ClustersScreen)
        assert_ready(app, "clusters")
        index = app.analyses.index("clusters")
        rendered = str(app.screen.query_one(BrailleMap).render())
        assert any(0x2800 < ord(ch) <= 0x28FF for ch in rendered)
        options = app.screen.query_one(OptionList)
        assert options.option_count == len(index.clusters)
        await pilot.press("j")
        cid = app.screen.current()
        members = set(index.members(cid).tolist())
        await pilot.press("d")  # drop the whole cluster: one action
        assert {g for g in members if app.session.decisions.of(g) == "drop"} == members
        assert app.screen.current() != cid  # on to the next cluster
        await pilot.press("U", "k")
        assert not any(app.session.decisions.of(g) for g in members)
        await pilot.press("enter")  # its rows, in the rows view
        await settle(pilot)
        assert isinstance(app.screen, RowsScreen)
        assert set(app.screen.rowset.order.tolist()) == members


async def test_packs_view(make_app, settle):
    app = make_app(view="packs", warm=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert_ready(app, "tokens")
        from inspector.core.tokens.pack import pack

        tokens = app.analyses.index("tokens")
        lo, hi = app.session.split_range("train")
        lengths = np.clip(tokens.total[lo:hi], 0, tokens.max_length)
        expected = pack(lengths, tokens.max_length, "bfd")
        head = text_of(app.screen.query_one("#packs-head", Static))
        assert f"{len(expected):,} packs" in head and f"{expected.efficiency:.1%}" in head
        assert app.screen.query_one("#packs-list", OptionList).option_count == len(expected)
        await pilot.press("t")  # the other strategy
        await settle(pilot)
        assert "wrapped" in text_of(app.screen.query_one("#packs-head", Static))
        await pilot.press("x")  # the next split
        await settle(pilot)
        assert "validation" in text_of(app.screen.query_one("#packs-head", Static))
