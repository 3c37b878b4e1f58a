"""`e` in the app writes the kept rows through the same core as `inspector export`."""

from __future__ import annotations

import json

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.ui.exporting import default_target


@pytest.mark.anyio
async def test_e_exports_what_triage_kept(make_app, settle, tmp_path):
    app = make_app("sft", view="rows")
    target = tmp_path / "out"
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "d")  # drop row train:2
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        dialog_input = app.screen.query_one("Input")
        assert dialog_input.value == str(default_target(app.session.ds.path))
        dialog_input.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
    manifest = json.loads((target / "manifest.json").read_text())
    # the row dropped in the app, plus the 3 planted rows whose answer truncation cuts away
    # (tokenized outputs cannot train on them, so every output leaves them out)
    assert manifest["rows"]["kept"] == 496 and manifest["rows"]["dropped"] == 4, manifest["drops"]
    for kind in ("filtered", "tokenized", "packed"):
        assert (target / kind).is_dir(), kind
    out = open_dataset(target / "filtered")
    assert out.format == "alpaca" and out.total_rows == 496
    dropped = app.session.ds.raw_row("train", 2)
    assert dropped not in [out.raw_row("train", i) for i in range(out.num_rows("train"))]


def test_default_target_is_beside_the_data(sample_data):
    target = default_target(sample_data / "sft")
    assert target.parent == (sample_data).resolve() and target.name == "sft-export"
    assert default_target(sample_data / "sft" / "train.jsonl").name == "train-export"
