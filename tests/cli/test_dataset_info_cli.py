"""LLaMA-Factory's registry (`--dataset-info FILE --name NAME`, or a dataset_info.json in the
data folder): each entry is read as LLaMA-Factory maps it; bad requests exit 2 clearly."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from inspector.cli import main
from inspector.core.data.dataset import open_dataset
from inspector.core.data.llamafactory import entry_request

REGISTRY = "llamafactory_dataset_info.json"
#: Entries whose files are in the real folder (saved there with a `llamafactory_` prefix).
ENTRIES = {
    "alpaca_en_demo": ("alpaca", 999),
    "glaive_toolcall_en_demo": ("sharegpt", 300),
    "glaive_toolcall_zh_demo": ("sharegpt", 300),
    "dpo_en_demo": ("preference", 300),
    "dpo_zh_demo": ("preference", 300),
    "kto_en_demo": ("unpaired_preference", 300),
    "c4_demo": ("text", 300),
}


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_entries_read_as_llamafactory_maps_them(real_data, tmp_path, name):
    registry = real_data / REGISTRY
    entry = json.loads(registry.read_text())[name]
    data = real_data / f"llamafactory_{entry['file_name']}"
    result = invoke(
        "info", data, "--dataset-info", registry, "--name", name, "--json", "--state", tmp_path
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    fmt, rows = ENTRIES[name]
    assert (out["format"], out["rows"], out["problems"]) == (fmt, rows, [])
    # The entry's columns are the ones read: same rows as detection finds on its own.
    request = entry_request(registry, name, data)
    by_entry = open_dataset(request.path, format=request.format, column_map=request.column_map)
    detected = open_dataset(data)
    split = by_entry.splits[0]
    for row in (0, rows // 2, rows - 1):
        a, b = by_entry.conversation(split, row), detected.conversation(split, row)
        assert [(t.role, t.content) for t in a.turns] == [(t.role, t.content) for t in b.turns]
        assert a.label == b.label and (a.chosen is None) == (b.chosen is None)


def test_registry_in_the_data_folder_is_used_by_itself(real_data, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(real_data / REGISTRY, folder / "dataset_info.json")
    shutil.copy(real_data / "llamafactory_kto_en_demo.json", folder / "kto_en_demo.json")
    shutil.copy(real_data / "llamafactory_c4_demo.jsonl", folder / "c4_demo.jsonl")
    state = tmp_path / "s"
    named = invoke("info", folder, "--name", "kto_en_demo", "--json", "--state", state)
    assert named.exit_code == 0 and json.loads(named.output)["format"] == "unpaired_preference"
    # A data file the registry names is read with its entry, no option needed.
    file_only = invoke("info", folder / "c4_demo.jsonl", "--json", "--state", state)
    assert file_only.exit_code == 0 and json.loads(file_only.output)["format"] == "text"
    # The folder alone is several datasets: the error lists the names to choose from.
    folder_only = invoke("info", folder, "--state", state)
    assert folder_only.exit_code == 2 and "--name" in folder_only.output
    assert "kto_en_demo" in folder_only.output


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--name", "no_such_entry"], "no entry named 'no_such_entry'"),
        (["--name", "alpaca_en"], "not a local file"),
        ([], "say which entry with --name"),
        (["--name", "alpaca_en_demo", "--map", "output=input"], "drop --format and --map"),
    ],
)
def test_bad_registry_requests_exit_2(real_data, tmp_path, extra, message):
    data = real_data / "llamafactory_alpaca_en_demo.json"
    args = ["info", data, "--dataset-info", real_data / REGISTRY, *extra, "--state", tmp_path]
    result = invoke(*args)
    assert result.exit_code == 2 and message in result.output, result.output
    assert result.output.count("\n") <= 2  # one paragraph


def test_opening_the_registry_itself_says_what_it_is(real_data, tmp_path):
    result = invoke("info", real_data / REGISTRY, "--state", tmp_path)
    assert result.exit_code == 2 and "dataset registry, not data" in result.output
