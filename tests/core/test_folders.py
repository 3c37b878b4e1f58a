"""Folders whose splits sit in sub-folders (the Hub's layouts), and data files never dropped."""

from __future__ import annotations

import json
import shutil

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.data.open_index import open_fast, record
from inspector.core.errors import InputError
from inspector.core.export.run import export_dataset
from inspector.core.progress import drain


def _real_rows(real_data, n=30):
    return json.loads((real_data / "rasbt_instruction-data.json").read_text(encoding="utf-8"))[:n]


def _write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_splits_from_sub_folders_with_several_files(real_data, tmp_path):
    rows = _real_rows(real_data)
    hf = tmp_path / "hf"
    _write_jsonl(hf / "train" / "part-0000.jsonl", rows[:10])
    _write_jsonl(hf / "train" / "part-0001.jsonl", rows[10:20])
    _write_jsonl(hf / "test" / "part-0000.jsonl", rows[20:25])
    _write_jsonl(hf / "validation" / "part-0000.jsonl", rows[25:])
    ds = open_dataset(hf, state_dir=tmp_path / "state")
    assert ds.splits == ["train", "validation", "test"]
    assert [ds.num_rows(s) for s in ds.splits] == [20, 5, 5]
    assert ds.split_files["train"] == [hf / "train/part-0000.jsonl", hf / "train/part-0001.jsonl"]
    assert ds.raw_row("test", 0)["instruction"] == rows[20]["instruction"]


def test_hub_data_folder_one_level_down(real_data, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = _real_rows(real_data)
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    (repo / "README.md").write_text("# card\n", encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(rows[:20]), repo / "data/train-00000-of-00001.parquet")
    pq.write_table(pa.Table.from_pylist(rows[20:]), repo / "data/test-00000-of-00001.parquet")
    ds = open_dataset(repo, state_dir=tmp_path / "state")
    assert {s: ds.num_rows(s) for s in ds.splits} == {"train": 20, "test": 10}


def test_files_beside_and_below_are_all_read(real_data, tmp_path):
    rows = _real_rows(real_data)
    nested = tmp_path / "nested"
    _write_jsonl(nested / "train.jsonl", rows[:3])
    _write_jsonl(nested / "a" / "train" / "part1.jsonl", rows[3:7])
    _write_jsonl(nested / "b" / "test.jsonl", rows[7:9])
    _write_jsonl(nested / "c" / "more.jsonl", rows[9:10])  # no split word anywhere: train
    ds = open_dataset(nested, state_dir=tmp_path / "state")
    assert {s: ds.num_rows(s) for s in ds.splits} == {"train": 8, "test": 2}
    assert len(ds.files) == 4


def test_sub_folders_of_other_schemas_are_refused_by_name(real_data, tmp_path):
    rows = _real_rows(real_data)
    root = tmp_path / "mixed"
    _write_jsonl(root / "sft" / "train.jsonl", rows[:3])
    _write_jsonl(root / "chat" / "train.jsonl", [{"messages": [{"role": "user", "content": "hi"}]}])
    with pytest.raises(InputError) as err:
        open_dataset(root, state_dir=tmp_path / "state")
    message = str(err.value)
    assert "chat/train.jsonl has columns messages" in message
    assert "sft/train.jsonl has columns" in message
    assert "sub-folders (chat/, sft/) look like separate datasets" in message


def test_saved_dataset_in_a_sub_folder_is_named(real_data, tmp_path):
    import datasets

    root = tmp_path / "root"
    datasets.Dataset.from_list(_real_rows(real_data, 5)).save_to_disk(str(root / "saved"))
    _write_jsonl(root / "train.jsonl", _real_rows(real_data, 5))
    with pytest.raises(InputError, match="saved/"):
        open_dataset(root, state_dir=tmp_path / "state")


def test_state_folder_and_export_outputs_are_not_data(real_data, tmp_path):
    root = tmp_path / "hf"
    _write_jsonl(root / "train" / "part-0000.jsonl", _real_rows(real_data, 12))
    ds = open_dataset(root, state_dir=root / ".inspector")
    drain(export_dataset(ds, root / "cleaned"), lambda p: None)
    assert (root / "cleaned" / "manifest.json").is_file()
    again = open_dataset(root, state_dir=root / ".inspector")
    assert again.files == [root / "train" / "part-0000.jsonl"]
    assert again.num_rows("train") == 12


def test_open_index_stamps_files_in_sub_folders(real_data, tmp_path):
    rows = _real_rows(real_data)
    hf = tmp_path / "hf"
    _write_jsonl(hf / "train" / "part-0000.jsonl", rows[:10])
    _write_jsonl(hf / "test" / "part-0000.jsonl", rows[10:15])
    state = tmp_path / "state"
    full = open_dataset(hf, state_dir=state)
    assert record(full, None, None)
    fast = open_fast(hf, state_dir=state)
    assert fast is not None and fast.split_files == full.split_files
    shutil.copy(hf / "train" / "part-0000.jsonl", hf / "train" / "part-0001.jsonl")
    assert open_fast(hf, state_dir=state) is None
    (hf / "train" / "part-0001.jsonl").unlink()
    (hf / "test" / "part-0000.jsonl").write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")
    assert open_fast(hf, state_dir=state) is None
