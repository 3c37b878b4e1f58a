"""The open index: a reopen read with pyarrow alone gives exactly the rows of the normal open,
and any change to the input (or to the cache behind it) makes it step aside."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from inspector.core.data import open_index
from inspector.core.data.dataset import open_dataset
from inspector.core.data.open_index import open_fast, record, same_data

REAL_FILES = [
    "fastchat_dummy_conversation.json",  # sharegpt
    "hh-rlhf_harmless-base_test.jsonl.gz",  # preference, compressed, a `test` split
    "llamafactory_glaive_toolcall_en_demo.json",  # tool calls
    "llamafactory_kto_en_demo.json",  # unpaired preference (a boolean label)
    "openai-cookbook_toy_chat_fine_tuning.jsonl",  # messages
    "rasbt_instruction-data.json",  # alpaca, a JSON array
]


def recorded(path, state, **options):
    """The normal open of `path`, with its open index written."""
    ds = open_dataset(path, state_dir=state, **options)
    assert record(ds, options.get("format"), options.get("column_map"))
    return ds


def assert_same_rows(fast, full):
    """Every row, slice, conversation and content hash of `fast` equals the normal open's."""
    assert fast.provisional and not full.provisional
    assert fast.splits == full.splits
    assert (fast.format, fast.column_map, fast.json_columns) == (
        full.format,
        full.column_map,
        full.json_columns,
    )
    assert fast.files == full.files and fast.split_files == full.split_files
    for split in full.splits:
        n = full.num_rows(split)
        assert fast.num_rows(split) == n
        assert fast.hf[split][0:n] == full.hf[split][0:n]
        for row in {0, n // 2, n - 1}:
            assert fast.raw_row(split, row) == full.raw_row(split, row)
            assert fast.row_hash(split, row) == full.row_hash(split, row)
        assert list(fast.iter_conversations(split, batch_size=97)) == list(
            full.iter_conversations(split, batch_size=97)
        )


@pytest.mark.parametrize("name", ["sft", "chat", "preference"])
def test_sample_data_reopens_from_arrow_with_the_same_rows(sample_data, tmp_path, name):
    full = recorded(sample_data / name, tmp_path)
    fast = open_fast(sample_data / name, state_dir=tmp_path)
    assert fast is not None
    assert_same_rows(fast, full)
    assert same_data(fast, fast.complete())


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_data_reopens_from_arrow_with_the_same_rows(real_data, tmp_path, name):
    full = recorded(real_data / name, tmp_path)
    fast = open_fast(real_data / name, state_dir=tmp_path)
    assert fast is not None
    assert_same_rows(fast, full)


def test_fast_open_does_not_import_datasets(sample_data, tmp_path):
    recorded(sample_data / "sft", tmp_path)
    code = (
        "import sys; from inspector.core.data.open_index import open_fast; "
        f"ds = open_fast({str(sample_data / 'sft')!r}, state_dir={str(tmp_path)!r}); "
        "print(ds.num_rows('train'), ds.conversation('train', 0).response_text()[:10], "
        "'datasets' in sys.modules, 'textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    full = open_dataset(sample_data / "sft", state_dir=tmp_path)
    response = full.conversation("train", 0).response_text()[:10]
    assert out.stdout.split() == [str(full.num_rows("train")), *response.split(), "False", "False"]


def test_mixed_type_columns_and_several_files_per_split(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    # `output` mixes text and numbers: stored as JSON text (`json_columns`), decoded per row.
    rows = [{"instruction": f"q{i}", "output": str(i) if i % 2 else i} for i in range(30)]
    for part in range(2):
        lines = [json.dumps(r) for r in rows[part * 15 : (part + 1) * 15]]
        (data / f"train-{part}.jsonl").write_text("\n".join(lines) + "\n")
    (data / "test.jsonl").write_text(json.dumps({"instruction": "t", "output": "x"}) + "\n")
    full = recorded(data, tmp_path / "state")
    assert full.json_columns == {"output"} and len(full.split_files["train"]) == 2
    fast = open_fast(data, state_dir=tmp_path / "state")
    assert fast is not None
    assert_same_rows(fast, full)
    assert [fast.raw_row("train", i)["output"] for i in (0, 1)] == [0, "1"]


def test_save_to_disk_folder(sample_data, tmp_path):
    saved = tmp_path / "saved"
    open_dataset(sample_data / "sft", state_dir=tmp_path / "s0").hf.save_to_disk(str(saved))
    full = recorded(saved, tmp_path / "state")
    fast = open_fast(saved, state_dir=tmp_path / "state")
    assert fast is not None
    assert_same_rows(fast, full)


def _copy(sample_data, tmp_path):
    data = tmp_path / "chat.jsonl"
    shutil.copy(sample_data / "chat" / "train.jsonl", data)
    return data


def test_rewritten_file_of_the_same_size_and_mtime_is_not_trusted(sample_data, tmp_path):
    data = _copy(sample_data, tmp_path)
    recorded(data, tmp_path / "state")
    before = os.stat(data)
    text = data.read_text()
    data.write_text(text.replace("a", "b", 1) if "a" in text else text[::-1])
    os.utime(data, ns=(before.st_atime_ns, before.st_mtime_ns))  # a tool restoring the mtime
    assert os.stat(data).st_size == before.st_size
    assert os.stat(data).st_mtime_ns == before.st_mtime_ns
    assert open_fast(data, state_dir=tmp_path / "state") is None
    # The normal open then sees the new content, and recording makes the next reopen fast.
    full = recorded(data, tmp_path / "state")
    fast = open_fast(data, state_dir=tmp_path / "state")
    assert fast is not None and fast.raw_row("train", 0) == full.raw_row("train", 0)


def test_changes_that_make_the_fast_open_step_aside(sample_data, tmp_path):
    data = _copy(sample_data, tmp_path)
    state = tmp_path / "state"
    full = recorded(data, state)
    assert open_fast(data, state_dir=state) is not None
    # Other options are another entry.
    assert open_fast(data, state_dir=state, format="messages") is None
    assert open_fast(data, state_dir=state, column_map={"messages": "messages"}) is None
    # The cache file behind it rewritten, or gone.
    arrow = full.hf["train"].cache_files[0]["filename"]
    os.utime(arrow)
    assert open_fast(data, state_dir=state) is None
    recorded(data, state)
    os.unlink(arrow)
    assert open_fast(data, state_dir=state) is None


def test_folder_with_a_file_added_or_removed(sample_data, tmp_path):
    data = tmp_path / "sft"
    shutil.copytree(sample_data / "sft", data)
    state = tmp_path / "state"
    recorded(data, state)
    assert open_fast(data, state_dir=state) is not None
    shutil.copy(data / "validation.jsonl", data / "test.jsonl")
    assert open_fast(data, state_dir=state) is None
    recorded(data, state)
    (data / "test.jsonl").unlink()
    assert open_fast(data, state_dir=state) is None


def test_a_broken_or_old_index_is_only_a_missed_shortcut(sample_data, tmp_path):
    data = _copy(sample_data, tmp_path)
    state = tmp_path / "state"
    ds = recorded(data, state)
    entry = ds.cache.path(open_index.KIND, open_index.index_key(data, None, None), "json")
    saved = json.loads(entry.read_text())
    entry.write_text(json.dumps({**saved, "version": open_index.VERSION + 1}))
    assert open_fast(data, state_dir=state) is None
    entry.write_text(json.dumps({**saved, "splits": {"train": {"rows": 3}}}))
    assert open_fast(data, state_dir=state) is None
    entry.write_text("{not json")
    assert open_fast(data, state_dir=state) is None
    assert open_fast(tmp_path / "missing.jsonl", state_dir=state) is None


def test_same_data_notices_a_change_after_the_fast_open(sample_data, tmp_path):
    data = _copy(sample_data, tmp_path)
    recorded(data, tmp_path / "state")
    fast = open_fast(data, state_dir=tmp_path / "state")
    with open(data, "a") as f:
        f.write(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n")
    full = fast.complete()
    assert not full.provisional
    assert not same_data(fast, full)


def test_rows_that_are_not_plain_files_are_not_recorded(sample_data, tmp_path):
    import datasets

    ds = open_dataset(sample_data / "chat", state_dir=tmp_path)
    train = ds.hf["train"]
    changed = {
        "a selection": train.select(range(10)),
        "a format": train.with_format("numpy"),
        "a renamed column (a replay on the mapped file)": train.rename_column("messages", "m"),
        "rows in memory": datasets.Dataset.from_dict(train[:5]),
    }
    for what, data in changed.items():
        ds.hf["train"] = data
        assert not record(ds), what
    assert open_fast(sample_data / "chat", state_dir=tmp_path) is None


def test_an_input_changed_during_the_open_is_not_recorded(sample_data, tmp_path):
    data = _copy(sample_data, tmp_path)
    before = open_index.input_stamps(data)
    with open(data, "a") as f:  # written while the normal open was reading it
        f.write(json.dumps({"messages": [{"role": "user", "content": "late"}]}) + "\n")
    ds = open_dataset(data, state_dir=tmp_path / "state")
    assert not record(ds, before=before)
    assert open_fast(data, state_dir=tmp_path / "state") is None
    assert record(ds, before=open_index.input_stamps(data))


def test_open_quickly_records_then_reopens_from_the_index(real_data, tmp_path):
    """The one open call: a normal open recorded the first time, the index the second time
    (a `ProvisionalDataset` whose completion holds the same rows), a normal open again once
    the file changed."""
    from inspector.core.data import ProvisionalDataset, open_quickly

    data = tmp_path / "data.json"
    shutil.copy(real_data / "rasbt_instruction-data.json", data)
    first = open_quickly(data, state_dir=tmp_path / "state")
    assert not first.provisional and first.complete() is first
    again = open_quickly(data, state_dir=tmp_path / "state")
    assert isinstance(again, ProvisionalDataset) and again.provisional
    full = again.complete()
    assert not full.provisional and again.same_rows(full)
    assert_same_rows(again, full)
    data.write_text(data.read_text().replace("Edit", "Fix", 1))
    changed = open_quickly(data, state_dir=tmp_path / "state")
    assert not changed.provisional
    assert not again.same_rows(changed)  # the rows shown are no longer the file's
