"""Nested column maps (`--map output=instances.0.output`) and `--explode`: one row per instance
of a self-instruct-shaped file, each traceable to its record through export and decisions."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from inspector.cli import main
from inspector.core.data.dataset import open_dataset
from inspector.core.errors import InputError

RECORDS = [
    {
        "instruction": "Give the opposite.",
        "instances": [{"input": "hot", "output": "cold"}, {"input": "up", "output": "down"}],
    },
    {"instruction": "Add one.", "instances": [{"input": "1", "output": "2"}]},
    {"instruction": "Nothing to do.", "instances": []},
    {
        "instruction": "Give the opposite.",
        "instances": [{"input": "left", "output": "right"}, {"input": "up", "output": "down"}],
    },
]
MAP = "input=instances.input,output=instances.output"


@pytest.fixture
def self_instruct(tmp_path):
    path = tmp_path / "self_instruct.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    return path


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_explode_gives_one_row_per_instance(self_instruct):
    ds = open_dataset(
        self_instruct,
        explode="instances",
        column_map={"input": "instances.input", "output": "instances.output"},
    )
    assert ds.format == "alpaca" and ds.num_rows("train") == 5  # the empty record gives none
    got = []
    for row in range(5):
        conv = ds.conversation("train", row)
        origin = ds.origin("train", row)
        record = RECORDS[origin["row"]]
        item = record["instances"][origin["item"]]
        fields = {"instruction": record["instruction"], "input": item["input"]}
        assert conv.turns[0].fields == fields
        assert conv.turns[1].content == item["output"]
        got.append((origin["row"], origin["item"]))
    assert got == [(0, 0), (0, 1), (1, 0), (3, 0), (3, 1)]


def test_nested_path_without_explode_reads_one_item(self_instruct):
    ds = open_dataset(
        self_instruct,
        column_map={"input": "instances.0.input", "output": "instances.0.output"},
    )
    conv = ds.conversation("train", 3)
    assert (conv.turns[-1].content, conv.turns[0].fields["input"]) == ("right", "left")
    problems = [p for _, c, p in ds.iter_conversations("train") if p]
    assert problems == ["output is missing"]  # the record with no instance, reported


def test_export_traces_rows_to_their_records(self_instruct, tmp_path):
    out = tmp_path / "out"
    args = ["export", self_instruct, "--explode", "instances", "--map", MAP, "--out", out]
    result = invoke(*args, "--drop", "dup:exact", "--state", tmp_path / "s")
    assert result.exit_code == 0, result.output
    (line,) = [json.loads(x) for x in (out / "decisions.jsonl").read_text().splitlines()]
    assert (line["decision"], line["reason"]) == ("drop", "dup:exact")
    assert line["source"] == {"column": "instances", "row": 3, "item": 1}
    kept = [json.loads(x) for x in (out / "filtered" / "train.jsonl").read_text().splitlines()]
    assert [(r["source_row"], r["source_item"]) for r in kept] == [(0, 0), (0, 1), (1, 0), (3, 0)]
    for r in kept:
        assert RECORDS[r["source_row"]]["instances"][r["source_item"]] == r["instances"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--map", "output=instances.0.outptu"], "instances.0 has no field 'outptu'"),
        (["--map", "output=instance.0.output"], "--map names column(s) instance.0.output"),
        (["--map", "output=instruction.0"], "instruction is a single value"),
        (["--explode", "instruction"], "not lists"),
        (["--explode", "nope"], "--explode nope: no such column"),
    ],
)
def test_bad_paths_and_explodes_exit_2(self_instruct, tmp_path, args, message):
    result = invoke("info", self_instruct, *args, "--state", tmp_path)
    assert result.exit_code == 2 and message in result.output, result.output


def test_explode_refuses_a_clashing_origin_column(tmp_path):
    path = tmp_path / "clash.jsonl"
    path.write_text(json.dumps({"text": "a", "source_row": 1, "items": ["x"]}) + "\n")
    with pytest.raises(InputError, match="source_row"):
        open_dataset(path, explode="items")
