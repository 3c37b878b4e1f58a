"""`inspector scan`: summary, JSON output, --fail-on exit codes, clear errors, the cache."""

from __future__ import annotations

import hashlib
import importlib.util
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
    assert json.loads(r.output)["rows"] == 2


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


@pytest.mark.skipif(
    importlib.util.find_spec("inspector.core.embed") is not None,
    reason="the embeddings layer is installed; --semantic runs for real (tested with it)",
)
def test_semantic_without_the_embeddings_layer_is_a_clear_error(real_data, tmp_path):
    r = scan_cli(real_data / "axolotl_alpaca.json", "--state", tmp_path, "--semantic")
    assert r.exit_code == 2 and "inspector.core.embed" in r.output
