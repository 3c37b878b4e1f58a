"""The packs view's footer follows the split shown, and its truncation figures are true."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.widgets import Static

from inspector.ui.adapters import token_pipeline
from inspector.ui.widgets.bars import StatusLine

pytestmark = pytest.mark.anyio


def plain(static: Static) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


async def test_next_split_updates_footer_and_truncation_is_counted(make_app, settle):
    app = make_app("sft", warm=True, view="packs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        status = screen.query_one(StatusLine)
        assert status.message.startswith(f"train pack 0: {len(screen.packing.pack(0))} sequences")
        # The truncation the head reports, checked row by row with the token pipeline.
        s = app.session
        rows = cut = trained = 0
        convs = [s.ds.conversation("train", r) for r in range(s.ds.num_rows("train"))]
        for row in token_pipeline(s).encode_batch(convs):
            if row.truncated:
                rows += 1
                cut += row.total_tokens - row.max_length
                trained += row.trained_tokens_lost
        assert rows and cut and trained  # the sample has rows longer than 2,048 tokens
        head = plain(screen.query_one("#packs-head", Static))
        assert (
            f"{rows:,} rows cut at 2,048 before packing: {cut:,} tokens lost, "
            f"{trained:,} of them trained" in head
        )
        assert "0 tokens lost to truncation" not in head
        await pilot.press("x")
        await settle(pilot)
        head = plain(screen.query_one("#packs-head", Static))
        assert head.startswith("validation") and "no row longer than the pack length" in head
        n = len(screen.packing.pack(0))
        assert screen.packing.rows.max() < s.ds.num_rows("validation")
        assert status.message.startswith(f"validation pack 0: {n} sequences")
