"""The one-row view's text tab labels as trained exactly the turns the mask mode trains."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from inspector.core.data.dataset import open_dataset
from inspector.core.tokens.tokenize import TokenPipeline, TokenSettings
from inspector.core.tokens.tokenizer import load_tokenizer
from inspector.ui.app import InspectorApp
from inspector.ui.screens.row import RowScreen
from inspector.ui.session import Session, Settings
from inspector.ui.widgets.conversation import ConversationView

pytestmark = pytest.mark.anyio

TOOLCALL = "llamafactory_glaive_toolcall_en_demo.json"


def shown(view: ConversationView) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(view.content)
    return console.export_text()


@pytest.mark.parametrize("mask", ["completion", "assistant", "all"])
async def test_text_tab_trained_labels_follow_the_mask(real_data, tmp_path, settle, mask):
    ds = open_dataset(real_data / TOOLCALL, state_dir=tmp_path / "state")
    conv = ds.conversation("train", 0)
    pipeline = TokenPipeline(load_tokenizer(None), TokenSettings(mask=mask), fmt=ds.format)
    expected = pipeline.render(conv).trained_turns(mask)
    assistants = [i for i, t in enumerate(conv.turns) if t.role == "assistant"]
    # The row has several assistant turns (a function call among them): the modes differ.
    assert len(assistants) >= 3
    assert expected == {"completion": assistants[-1:], "assistant": assistants}.get(
        mask, list(range(len(conv.turns)))
    )
    app = InspectorApp(Session(ds, Settings(mask=mask)), analyses=("summary",), view="rows")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RowScreen) and app.screen.gid == 0
        heads = [
            ln
            for ln in shown(app.screen.query_one(ConversationView)).splitlines()
            if ln.startswith("── ")
        ]
        assert len(heads) == len(conv.turns)
        labelled = [i for i, h in enumerate(heads) if h.rstrip().endswith("trained")]
        assert labelled == expected


async def test_tokens_tab_shows_a_byte_spelled_emoji_once(real_data, tmp_path, settle):
    from inspector.ui.widgets.tokens import TokenView

    ds = open_dataset(real_data / "llamafactory_alpaca_en_demo.json", state_dir=tmp_path / "s")
    app = InspectorApp(Session(ds, Settings()), analyses=("summary",), view="rows")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # Row 539 ends "take care of them 🌳🌲": four byte tokens each.
        app.push_screen(RowScreen(539))
        await settle(pilot)
        view = app.screen.query_one(TokenView)
        assert view.row is not None
        text = shown(view)
        assert text.count("🌳") == 1 and text.count("🌲") == 1
        assert "···🌳···🌲" in text
        assert "<0xF0>" not in text


async def test_an_unreadable_row_shows_its_problem_and_the_record_as_stored(tmp_path, settle):
    data = tmp_path / "rows.jsonl"
    data.write_text(
        '{"instruction": "Say hi", "output": "Hi!"}\n'
        '{"instruction": 5, "output": "a number for an instruction"}\n'
    )
    ds = open_dataset(data, state_dir=tmp_path / "state")
    app = InspectorApp(Session(ds), analyses=False, view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(RowScreen(1))
        await settle(pilot)
        text = shown(app.screen.query_one("#row-text", ConversationView))
        assert "this row cannot be shown: instruction is a number (5), not text" in text
        assert "the row as stored:" in text
        assert '"output": "a number for an instruction"' in text
