"""`inspector scan`: summary, JSON output, --fail-on exit codes, clear errors, the cache."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner

from inspector.cli import main


def scan_cli(*args):
    result = CliRunner().invoke(main, ["scan", *map(str, args)])
    assert "Traceback" not in result.output, result.output
    return result


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_help_lists_the_options():
    r = scan_cli("--help")
    assert r.exit_code == 0
    for option in (
        "--against",
        "--against-field",
        "--max-length",
        "--json",
        "--fail-on",
        "--clusters",
        "--embed-model",
        "--semantic",
    ):
        assert option in r.output


def test_summary_and_json_on_real_data(real_data, tmp_path):
    data = real_data / "openai-cookbook_toy_chat_fine_tuning.jsonl"
    before = digest(data)
    out = tmp_path / "scan.json"
    r = scan_cli(data, "--json", out, "--state", tmp_path / "state")
    assert r.exit_code == 0, r.output
    assert "no_user_turn" in r.output and "repetition" in r.output
    result = json.loads(out.read_text())
    assert result["flags"]["no_user_turn"] == [{"split": "train", "row": 3}]
    assert result["flags"]["repetition"] == [{"split": "train", "row": 4}]
    assert digest(data) == before  # the input is never modified


def test_json_to_stdout(real_data, tmp_path):
    r = scan_cli(real_data / "axolotl_alpaca.json", "--json", "-", "--state", tmp_path)
    assert r.exit_code == 0
    assert json.loads(r.output)["row_count"] == 2


def test_fail_on_gates_ci(sample_data, tmp_path):
    args = [
        sample_data / "sft",
        "--state",
        tmp_path,
        "--against",
        sample_data / "benchmark" / "test.jsonl",
    ]
    r = scan_cli(*args, "--fail-on", "contamination,pii_email")
    assert r.exit_code == 1
    assert "contamination" in r.output and "pii_email" in r.output
    r = scan_cli(*args, "--fail-on", "bad_tool_call_json")
    assert r.exit_code == 0
    r = scan_cli(*args, "--fail-on", "error")  # a severity: any error-level flag
    assert r.exit_code == 1
    manifest = json.loads((sample_data / "manifest.json").read_text())
    planted = manifest["datasets"]["sft"]["contamination"][0]
    output = scan_cli(*args).output
    assert f"train:{planted['row']} " in output  # a contaminated row is listed


def test_max_length_tokenizes_and_flags_cut_rows(sample_data, manifest_rows, tmp_path):
    out = tmp_path / "scan.json"
    r = scan_cli(sample_data / "sft", "--state", tmp_path, "--max-length", 2048, "--json", out)
    assert r.exit_code == 0, r.output
    flags = json.loads(out.read_text())["flags"]
    for code in ("too_long", "no_trained_tokens"):
        assert flags[code] == manifest_rows("sft", code)


@pytest.fixture
def manifest_rows(sample_data):
    manifest = json.loads((sample_data / "manifest.json").read_text())

    def rows(name: str, code: str) -> list[dict]:
        found = [d for d in manifest["datasets"][name]["defects"] if d["code"] == code]
        return sorted(
            ({"split": d["split"], "row": d["row"]} for d in found), key=lambda d: d["row"]
        )

    return rows


def test_unknown_fail_on_code_is_a_usage_error(real_data, tmp_path):
    r = scan_cli(real_data / "axolotl_alpaca.json", "--state", tmp_path, "--fail-on", "nonsense")
    assert r.exit_code == 2 and "unknown code nonsense" in r.output


def test_missing_input_and_bad_against_field(real_data, tmp_path):
    r = scan_cli(tmp_path / "nope.jsonl")
    assert r.exit_code == 2 and "no such file" in r.output
    r = scan_cli(
        real_data / "axolotl_alpaca.json",
        "--state",
        tmp_path,
        "--against",
        real_data / "gsm8k_test.jsonl",
        "--against-field",
        "problem",
    )
    assert r.exit_code == 2 and "no column 'problem'" in r.output


def test_clusters_add_top_level_clusters_and_rows(sample_data, tmp_path):
    r = scan_cli(sample_data / "chat", "--clusters", "--json", "-", "--state", tmp_path)
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert 2 <= len(out["clusters"]) <= 40
    assert {"id", "size", "keywords"} <= set(out["clusters"][0])
    assert len(out["rows"]) == out["row_count"] == 120
    assert {"split", "row", "cluster", "x", "y"} <= set(out["rows"][0])
    assert sum(c["size"] for c in out["clusters"]) == 120


def test_semantic_duplicates_use_the_embeddings(sample_data, tmp_path):
    r = scan_cli(sample_data / "sft", "--semantic", "--json", "-", "--state", tmp_path)
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    semantic = [{(m["split"], m["row"]) for m in g} for g in out["duplicates"]["semantic"]]
    manifest = json.loads((sample_data / "manifest.json").read_text())
    for pair in manifest["datasets"]["sft"]["duplicates"]["exact"]:
        keys = {(m["split"], m["row"]) for m in pair}
        assert any(keys <= g for g in semantic), f"exact duplicates {keys} not semantic"


def test_unreadable_rows_are_named_and_fail_an_error_gate(tmp_path):
    data = tmp_path / "rows.jsonl"
    lines = ['{"instruction": "Say hi", "output": "Hi there, nice to meet you."}'] * 3
    lines[1] = '{"instruction": 5}'
    data.write_text("\n".join(lines) + "\n")
    args = (data, "--state", tmp_path / "state")
    r = scan_cli(*args)
    assert r.exit_code == 0
    assert "1 rows could not be normalized" in r.output
    assert "train:1  instruction is a number (5), not text" in r.output
    for gate in ("invalid_row", "error"):
        r = scan_cli(*args, "--fail-on", gate)
        assert r.exit_code == 1, gate
        assert f"failing: {gate}" in r.output
    assert scan_cli(*args, "--fail-on", "refusal").exit_code == 0
