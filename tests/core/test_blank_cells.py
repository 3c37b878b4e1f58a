"""Empty CSV/TSV cells of text columns read as "" (like JSON's ""), not as missing values."""

from __future__ import annotations

import csv
import json

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.export.run import export_dataset
from inspector.core.flags import flag_row

FIELDS = ["instruction", "input", "output"]


def _write(path, rows, delimiter=","):
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, FIELDS, delimiter=delimiter)
        out.writeheader()
        out.writerows({k: r[k] for k in FIELDS} for r in rows)


def _rows(real_data, n=40):
    rows = json.loads((real_data / "rasbt_instruction-data.json").read_text(encoding="utf-8"))[:n]
    rows[3] = {**rows[3], "output": ""}  # an empty answer: a flag, not an unreadable row
    assert any(r["input"] == "" for r in rows)
    return rows


@pytest.mark.parametrize("suffix,delimiter", [(".csv", ","), (".tsv", "\t")])
def test_csv_rows_normalize_like_the_same_json_rows(real_data, tmp_path, suffix, delimiter):
    rows = _rows(real_data)
    (tmp_path / "data.json").write_text(json.dumps(rows), encoding="utf-8")
    _write(tmp_path / f"data{suffix}", rows, delimiter)
    from_json = open_dataset(tmp_path / "data.json", state_dir=tmp_path / "s1")
    from_csv = open_dataset(tmp_path / f"data{suffix}", state_dir=tmp_path / "s2")
    got = list(from_csv.iter_conversations("train"))
    assert [reason for _, _, reason in got] == [None] * len(rows)
    assert got == list(from_json.iter_conversations("train"))
    assert "empty_response" in {f.code for f in flag_row(from_csv.conversation("train", 3))}


def test_a_column_empty_in_every_row_is_empty_text(real_data, tmp_path):
    rows = [{**r, "input": ""} for r in _rows(real_data, 10)]
    _write(tmp_path / "data.csv", rows)
    ds = open_dataset(tmp_path / "data.csv", state_dir=tmp_path / "s")
    assert ds.format == "alpaca"
    assert [r for _, _, r in ds.iter_conversations("train")] == [None] * 10
    raw = ds.canonical(ds.raw_row("train", 0))
    assert raw["input"] == ""


def test_filtered_export_of_csv_keeps_empty_cells_as_empty_strings(real_data, tmp_path):
    rows = _rows(real_data, 12)
    _write(tmp_path / "data.csv", rows)
    ds = open_dataset(tmp_path / "data.csv", state_dir=tmp_path / "s")
    from inspector.core.progress import drain

    drain(export_dataset(ds, tmp_path / "out"), lambda p: None)
    written = [
        json.loads(line)
        for line in (tmp_path / "out/filtered/train.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert written == [{k: r[k] for k in FIELDS} for r in rows]
    assert (tmp_path / "data.csv").read_text(encoding="utf-8").count(",,") >= 1  # input as it was


def test_json_null_stays_missing(tmp_path):
    (tmp_path / "d.jsonl").write_text(
        '{"instruction": "a", "input": "", "output": null}\n'
        '{"instruction": "b", "input": "", "output": "ok"}\n',
        encoding="utf-8",
    )
    ds = open_dataset(tmp_path / "d.jsonl", state_dir=tmp_path / "s")
    assert [r for _, _, r in ds.iter_conversations("train")] == ["output is missing", None]
