"""The app on a dataset reopened from its open index: the first frame comes from Arrow alone and
shows the rows the normal open shows; the full dataset is swapped in before any analysis; a
change to the data in between ends the app with a clear message instead of showing stale rows."""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest

from inspector.cli.open_app import _open
from inspector.core.data.dataset import open_dataset
from inspector.core.data.open_index import open_fast, record
from inspector.ui.app import InspectorApp
from inspector.ui.session import Session
from inspector.ui.widgets.row_table import RowTable

pytestmark = pytest.mark.anyio


def visible_text(table: RowTable) -> str:
    return "\n".join(strip.text for strip in table.render_lines(table.region.reset_offset))


def reopened(path, state):
    """`(provisional dataset, normal dataset)` of `path`, its open index recorded."""
    full = open_dataset(path, state_dir=state)
    assert record(full)
    fast = open_fast(path, state_dir=state)
    assert fast is not None and fast.provisional
    return fast, full


async def wait_until_loaded(app, pilot, timeout: float = 60.0) -> None:
    """The load starts after a quiet moment and runs in a thread: wait for the swap."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not app.dataset.ready.is_set() and loop.time() < deadline:
        await pilot.pause(0.05)
    assert app.dataset.ready.is_set(), "the dataset never finished loading"


async def test_first_frame_from_arrow_equals_the_normal_open(sample_data, tmp_path, settle):
    fast, full = reopened(sample_data / "sft", tmp_path / "state")
    normal = InspectorApp(Session(full), view="rows", analyses=False)
    async with normal.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        expected = visible_text(normal.screen.query_one(RowTable))
    normal.session.store.close()

    app = InspectorApp(Session(fast), view="rows", analyses=("summary",))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        # Drawn before `datasets` gave anything: the rows come from the Arrow cache.
        assert app.session.ds is fast and not app.dataset.ready.is_set()
        assert app.analyses["summary"].status == "queued"
        assert visible_text(app.screen.query_one(RowTable)) == expected
        await wait_until_loaded(app, pilot)
        await settle(pilot)
        assert not app.session.ds.provisional
        assert app.session.ds.hf["train"].cache_files == full.hf["train"].cache_files
        assert app.analyses["summary"].ready  # the analyses ran on the full dataset
        assert visible_text(app.screen.query_one(RowTable)) == expected


async def test_decisions_before_the_load_carry_the_normal_content_hash(
    sample_data, tmp_path, settle
):
    fast, full = reopened(sample_data / "sft", tmp_path / "state")
    app = InspectorApp(Session(fast), view="rows", analyses=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("j", "j", "d")  # typed at once: the load waits for a quiet moment
        assert app.session.ds.provisional
        decision = app.session.store.decision("train", 2)
        assert decision.decision == "drop"
        assert decision.content_hash == full.row_hash("train", 2)
        await wait_until_loaded(app, pilot)
        await settle(pilot)
        assert not app.session.ds.provisional


async def test_export_waits_for_the_full_dataset(sample_data, tmp_path, settle):
    fast, _ = reopened(sample_data / "chat", tmp_path / "state")
    app = InspectorApp(Session(fast), view="rows", analyses=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        waiting = asyncio.ensure_future(asyncio.to_thread(app.dataset.full))
        await wait_until_loaded(app, pilot)
        ds = await asyncio.wait_for(waiting, 30)
        assert ds is app.session.ds and not ds.provisional


async def test_data_changed_while_opening_ends_the_app(sample_data, tmp_path):
    data = tmp_path / "chat.jsonl"
    shutil.copy(sample_data / "chat" / "train.jsonl", data)
    fast, _ = reopened(data, tmp_path / "state")
    with open(data, "a") as f:  # written between the fast open and the full load
        f.write(json.dumps({"messages": [{"role": "user", "content": "late row"}]}) + "\n")
    app = InspectorApp(Session(fast), view="rows", analyses=("summary",))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until_loaded(app, pilot)
        await pilot.pause()
    assert app.return_code == 2
    assert app.session.ds is fast  # never swapped: nothing ran on other rows than shown


async def test_data_broken_while_opening_ends_the_app_with_its_error(sample_data, tmp_path):
    data = tmp_path / "chat.jsonl"
    shutil.copy(sample_data / "chat" / "train.jsonl", data)
    fast, _ = reopened(data, tmp_path / "state")
    data.write_text("")
    app = InspectorApp(Session(fast), view="rows", analyses=("summary",))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until_loaded(app, pilot)
        await pilot.pause()
    assert app.return_code == 2
    assert app.analyses["summary"].status == "queued"  # never started on the old rows


def test_cli_open_records_then_reopens_from_arrow(sample_data, tmp_path):
    state = tmp_path / "state"
    first = _open(sample_data / "preference", None, None, state)
    assert not first.provisional
    assert list((state / "cache" / "open").glob("*.json"))
    again = _open(sample_data / "preference", None, None, state)
    assert again.provisional and again.num_rows("train") == first.num_rows("train")
    # Other options: the normal path (and an entry of their own).
    mapped = _open(sample_data / "preference", "preference", None, state)
    assert not mapped.provisional


@pytest.mark.parametrize("view", ["overview", "clusters", "duplicates", "contamination", "packs"])
async def test_every_view_opens_on_a_reopened_dataset(sample_data, tmp_path, settle, view):
    fast, full = reopened(sample_data / "sft", tmp_path / "state")
    app = InspectorApp(Session(fast), view=view, analyses=("summary",))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.session.ds.provisional and app.current_mode == view
        await wait_until_loaded(app, pilot)
        await settle(pilot)
        assert not app.session.ds.provisional and app.analyses["summary"].ready
        await pilot.press("2")  # and on to the rows view, drawn from the full dataset
        await pilot.pause()
        first = full.conversation("train", 0).prompt_text()[:30]
        assert first in visible_text(app.screen.query_one(RowTable))


HEAVY = (
    "datasets",
    "pandas",
    "scipy",
    "sklearn",
    "torch",
    "transformers",
    "tokenizers",
    "numba",
    "pyarrow.compute",
    "inspector.core.scan.run",
    "inspector.core.data.summary",
)

FIRST_FRAME = """
import asyncio, sys
from inspector.cli.open_app import _open
from inspector.ui.app import InspectorApp
from inspector.ui.session import Session

ds = _open(sys.argv[1], None, None, sys.argv[2])

async def main():
    app = InspectorApp(Session(ds), view="rows")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.starting  # the first frame is out, nothing else has started
        heavy = sys.argv[3].split(",")
        print(ds.provisional, ",".join(m for m in heavy if m in sys.modules) or "-")

asyncio.run(main())
"""


def test_a_reopen_paints_without_importing_heavy_packages(sample_data, tmp_path):
    """What `inspector open` imports before its first frame (a reopen): Textual, numpy and
    pyarrow, never `datasets`, pandas, torch or the analysis cores."""
    import subprocess
    import sys

    state = str(tmp_path / "state")
    _open(sample_data / "sft", None, None, state)  # the first open records the open index
    args = [sys.executable, "-c", FIRST_FRAME, str(sample_data / "sft"), state, ",".join(HEAVY)]
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "-"], out.stdout + out.stderr
