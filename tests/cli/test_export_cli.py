"""`inspector export` on the command line: outputs, refusals, clear errors, a SIGKILL midway."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from inspector.cli import main

ROOT = Path(__file__).resolve().parents[2]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_help_lists_the_options():
    result = invoke("export", "--help")
    assert result.exit_code == 0
    for option in (
        "--out",
        "--what",
        "--as",
        "--drop",
        "--decisions",
        "--split",
        "--seed",
        "--stratify-clusters",
        "--pack-length",
        "--force",
        "--against",
    ):
        assert option in result.output


def test_export_then_refuse_then_force(real_data, tmp_path):
    src = real_data / "rasbt_instruction-data.json"
    out = tmp_path / "out"
    first = invoke("export", src, "--out", out, "--state", tmp_path / "s", "--json")
    assert first.exit_code == 0, first.output
    manifest = json.loads(first.output)
    assert manifest["rows"]["kept"] == 1100
    assert (out / "filtered" / "train.jsonl").is_file()
    again = invoke("export", src, "--out", out, "--state", tmp_path / "s")
    assert again.exit_code == 2
    assert "already exists" in again.output and "--force" in again.output
    assert "Traceback" not in again.output
    forced = invoke(
        "export", src, "--out", out, "--state", tmp_path / "s", "--force", "--as", "parquet"
    )
    assert forced.exit_code == 0, forced.output
    assert sorted(p.name for p in (out / "filtered").iterdir()) == ["train.parquet"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--drop", "dup:fuzzy"], "not a rule"),
        (["--split", "0.5,0.6"], "add up to"),
        (["--what", "filtered,zipped"], "--what"),
        (["--decisions", "missing.jsonl"], "no such decisions file"),
    ],
)
def test_bad_options_give_one_clear_error(real_data, tmp_path, args, message):
    result = invoke(
        "export",
        real_data / "axolotl_alpaca.json",
        "--out",
        tmp_path / "out",
        "--state",
        tmp_path / "s",
        *args,
    )
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_decisions_file_round_trip_through_the_cli(real_data, tmp_path):
    src = real_data / "fastchat_dummy_conversation.json"
    from inspector.core.data.dataset import open_dataset

    ds = open_dataset(src, state_dir=tmp_path / "s")
    store = ds.triage()
    store.decide([("train", r, ds.row_hash("train", r)) for r in (1, 2, 3)], "drop", "dull")
    store.close()
    a = invoke("export", src, "--out", tmp_path / "a", "--state", tmp_path / "s")
    assert a.exit_code == 0, a.output
    b = invoke(
        "export",
        src,
        "--out",
        tmp_path / "b",
        "--state",
        tmp_path / "empty",
        "--decisions",
        tmp_path / "a" / "decisions.jsonl",
        "--json",
    )
    assert b.exit_code == 0, b.output
    assert json.loads(b.output)["rows"]["kept"] == 497
    assert (tmp_path / "a/filtered/train.jsonl").read_bytes() == (
        tmp_path / "b/filtered/train.jsonl"
    ).read_bytes()


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_sigkill_midway_leaves_no_target_and_a_rerun_succeeds(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with open(data / "train.jsonl", "w") as f:
        for i in range(60_000):
            f.write(
                json.dumps(
                    {"instruction": f"Say {i} twice.", "input": "", "output": f"{i} {i}. " * 8}
                )
                + "\n"
            )
    before = _digest(data)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_DATASETS_CACHE": str(tmp_path / "hf")}
    cmd = [
        sys.executable,
        "-m",
        "inspector.cli",
        "export",
        str(data),
        "--out",
        str(out),
        "--state",
        str(tmp_path / "state"),
        "--as",
        "parquet",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    staged = None
    while time.monotonic() < deadline and proc.poll() is None:
        # The staging folder exists only between the start of writing and the final rename.
        found = [p for p in tmp_path.iterdir() if p.name.startswith(".out.partial-")]
        if found:
            staged = found[0]
            break
        time.sleep(0.002)
    assert staged is not None, f"export ended before it could be killed: {proc.communicate()}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    assert _digest(data) == before
    assert sorted(p.name for p in data.iterdir()) == ["train.jsonl"]

    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert (out / "manifest.json").is_file()
    assert json.loads((out / "manifest.json").read_text())["rows"]["kept"] == 60_000
    assert not staged.exists()  # the dead process's staging folder was swept
    assert _digest(data) == before


def test_tokenized_and_packed_from_the_cli_drop_rows_with_nothing_to_train(sample_data, tmp_path):
    out = tmp_path / "out"
    result = invoke(
        "export",
        sample_data / "sft",
        "--out",
        out,
        "--state",
        tmp_path / "s",
        "--what",
        "filtered,tokenized,packed",
        "--template",
        "alpaca",
        "--max-length",
        "2048",
        "--pack-length",
        "4096",
        "--json",
    )
    assert result.exit_code == 0, result.output
    m = json.loads(result.output)
    planted = json.loads((sample_data / "manifest.json").read_text())["datasets"]["sft"]
    too_long = sorted(d["row"] for d in planted["defects"] if d["code"] == "no_trained_tokens")
    log = [json.loads(x) for x in (out / "decisions.jsonl").read_text().splitlines()]
    assert sorted(e["row"] for e in log if e["reason"] == "no_trained_tokens") == too_long
    assert m["drops"] == {"no_trained_tokens": len(too_long)}
    assert m["tokens"]["template"] == "alpaca" and m["tokens"]["max_length"] == 2048
    assert m["outputs"]["packed"]["packing"]["pack_length"] == 4096
    # Every output holds the same rows.
    for split, n in m["rows"]["out"].items():
        for name in ("filtered", "tokenized"):
            assert m["outputs"][name]["files"][split]["rows"] == n


def test_rules_and_leakage_safe_split_from_the_cli_on_the_sample_data(sample_data, tmp_path):
    out = tmp_path / "out"
    bench = sample_data / "benchmark" / "test.jsonl"
    result = invoke(
        "export",
        sample_data / "sft",
        "--out",
        out,
        "--state",
        tmp_path / "s",
        "--drop",
        "dup:exact",
        "--drop",
        "contaminated",
        "--against",
        bench,
        "--drop",
        "flag:refusal",
        "--split",
        "0.85,0.10,0.05",
        "--seed",
        "3",
        "--json",
    )
    assert result.exit_code == 0, result.output
    m = json.loads(result.output)
    planted = json.loads((sample_data / "manifest.json").read_text())["datasets"]["sft"]
    log = [json.loads(x) for x in (out / "decisions.jsonl").read_text().splitlines()]
    dropped = {(e["split"], e["row"]): e["reason"] for e in log if e["decision"] == "drop"}
    for hit in planted["contamination"]:
        assert dropped[(hit["split"], hit["row"])] == "contaminated"
    for d in planted["defects"]:
        if d["code"] == "refusal":
            assert dropped[(d["split"], d["row"])] == "flag:refusal"
    for group in planted["duplicates"]["exact"]:
        refs = sorted((g["split"], g["row"]) for g in group)
        assert refs[0] not in dropped or dropped[refs[0]] != "dup:exact"  # the earliest stays
        assert all(dropped.get(r) == "dup:exact" for r in refs[1:])
    assert m["split"]["mode"] == "resplit" and m["split"]["seed"] == 3
    assert {"exact", "near"} <= set(m["split"]["groups_checked"])
    assert all(n == 0 for n in m["split"]["groups_crossing"].values())
    assert sum(m["rows"]["out"].values()) == 500 - len(dropped) == m["rows"]["kept"]


def test_a_flag_code_that_does_not_exist_is_refused(sample_data, tmp_path):
    result = invoke(
        "export",
        sample_data / "sft",
        "--out",
        tmp_path / "out",
        "--state",
        tmp_path / "s",
        "--drop",
        "flag:refusals",
    )
    assert result.exit_code == 2
    assert "no flag has the code 'refusals'" in result.output
    assert not (tmp_path / "out").exists()
