"""`inspector info` on good and bad input: formats, splits, row problems and clear errors."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from inspector.cli import main

ALPACA = [
    {"instruction": "Add the numbers.", "input": "2 and 3", "output": "5"},
    {"instruction": "Name a colour.", "input": "", "output": "Blue."},
]


def info(*args):
    result = CliRunner().invoke(main, ["info", *map(str, args)])
    assert "Traceback" not in result.output
    return result


def info_json(*args) -> dict:
    result = info(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- whole-input errors: exit 2, one message naming the file (and line) ---------------------


def test_missing_path(tmp_path):
    r = info(tmp_path / "nope.json")
    assert r.exit_code == 2 and "nope.json" in r.output and "no such file" in r.output


def test_empty_file(tmp_path):
    f = tmp_path / "train.jsonl"
    f.write_text("\n  \n")
    r = info(f)
    assert r.exit_code == 2 and "train.jsonl" in r.output and "empty" in r.output


def test_malformed_json_lines_names_line(tmp_path):
    f = tmp_path / "data.jsonl"
    f.write_text(
        json.dumps(ALPACA[0]) + "\n" + json.dumps(ALPACA[1]) + "\n" + '{"instruction": "x",\n'
    )
    r = info(f)
    assert r.exit_code == 2 and "data.jsonl" in r.output and "line 3" in r.output


def test_malformed_json_array_names_line(tmp_path):
    f = tmp_path / "data.json"
    f.write_text('[\n  {"instruction": "a", "output": "b"},\n  {"instruction": "c", "output": }\n]')
    r = info(f)
    assert r.exit_code == 2 and "data.json" in r.output and "line 3" in r.output


def test_undecodable_bytes(tmp_path):
    f = tmp_path / "latin.jsonl"
    f.write_bytes(
        json.dumps(ALPACA[0]).encode() + b"\n" + b'{"instruction": "caf\xe9", "output": "x"}\n'
    )
    r = info(f)
    assert r.exit_code == 2 and "latin.jsonl" in r.output and "UTF-8" in r.output
    assert "line 2" in r.output


def test_unknown_schema_lists_columns_and_map_example(tmp_path):
    f = write_jsonl(tmp_path / "qa.jsonl", [{"problem": "q", "solution": "a"}])
    r = info(f)
    assert r.exit_code == 2
    assert "problem, solution" in r.output and "--map" in r.output


def test_folder_of_different_schemas(tmp_path):
    write_jsonl(tmp_path / "train.jsonl", ALPACA)
    write_jsonl(tmp_path / "test.jsonl", [{"text": "hello"}])
    r = info(tmp_path)
    assert r.exit_code == 2 and "different schemas" in r.output
    assert "train.jsonl" in r.output and "test.jsonl" in r.output


def test_installed_command_prints_no_traceback(tmp_path):
    f = tmp_path / "broken.json"
    f.write_text("[{")
    proc = subprocess.run(
        [sys.executable, "-m", "inspector.cli", "info", str(f)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "broken.json" in proc.stderr and "line 1" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


# --- row-level problems: listed and counted, never a crash ------------------------------------


def test_rows_of_the_wrong_shape_are_listed(tmp_path):
    f = write_jsonl(
        tmp_path / "chat.jsonl",
        [
            {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "yo"},
                ]
            },
            {"messages": [{"content": "no role here"}, {"role": "assistant", "content": "x"}]},
            {"messages": [{"role": "wizard", "content": "?"}]},
        ],
    )
    before = digest(f)
    out = info_json(f)
    assert out["format"] == "messages" and out["splits"] == {"train": {"rows": 3, "problems": 2}}
    assert out["problems"] == [
        {"split": "train", "row": 1, "reason": "messages[0] has no role"},
        {"split": "train", "row": 2, "reason": "messages[0] has an unknown role 'wizard'"},
    ]
    assert digest(f) == before  # the input is never modified


def test_output_a_number_is_a_row_problem(tmp_path):
    rows = ALPACA + [
        {"instruction": "Count.", "output": 42},
        {"instruction": "Five?", "output": "5"},
    ]
    f = write_jsonl(tmp_path / "a.jsonl", rows)
    out = info_json(f)
    # the text "5" stays text even though its column mixes types
    assert out["splits"]["train"] == {"rows": 4, "problems": 1}
    assert out["format"] == "alpaca"
    assert out["problems"] == [
        {"split": "train", "row": 2, "reason": "output is a number (42), not text"}
    ]
    human = info(f)
    assert human.exit_code == 0 and "train row 2: output is a number (42), not text" in human.output


# --- every container the loader reads ------------------------------------------------------


def test_file_types(tmp_path):
    import datasets

    ds = datasets.Dataset.from_list(ALPACA)
    ds.to_parquet(str(tmp_path / "p.parquet"))
    ds.to_csv(str(tmp_path / "c.csv"), index=False)
    (tmp_path / "arrow").mkdir()
    ds.save_to_disk(str(tmp_path / "saved"))
    with gzip.open(tmp_path / "g.jsonl.gz", "wt") as fh:
        fh.write("".join(json.dumps(r) + "\n" for r in ALPACA))
    (tmp_path / "wrapped.json").write_text(json.dumps({"data": ALPACA}))
    (tmp_path / "array.json").write_text(json.dumps(ALPACA, indent=2))
    (tmp_path / "docs.txt").write_text("first document\nsecond document\nthird\n")
    for name in ["p.parquet", "c.csv", "saved", "g.jsonl.gz", "wrapped.json", "array.json"]:
        out = info_json(tmp_path / name)
        assert (out["format"], out["splits"]["train"]["rows"]) == ("alpaca", 2), name
    out = info_json(tmp_path / "docs.txt")
    assert out["format"] == "text" and out["splits"]["train"]["rows"] == 3
    arrow_file = next((tmp_path / "saved").glob("*.arrow"))
    out = info_json(arrow_file)
    assert out["format"] == "alpaca" and out["splits"]["train"]["rows"] == 2


def test_splits_from_file_names(tmp_path):
    write_jsonl(tmp_path / "my_train.jsonl", ALPACA * 3)
    write_jsonl(tmp_path / "my-val.jsonl", ALPACA)
    write_jsonl(tmp_path / "test.jsonl", ALPACA[:1])
    out = info_json(tmp_path)
    assert list(out["splits"]) == ["train", "validation", "test"]
    assert [s["rows"] for s in out["splits"].values()] == [6, 2, 1]


def test_map_and_forced_format(tmp_path):
    f = write_jsonl(tmp_path / "qa.jsonl", [{"question": "2+2?", "answer": "4"}])
    out = info_json(f, "--map", "instruction=question,output=answer")
    assert out["format"] == "alpaca" and out["column_map"]["output"] == "answer"
    out = info_json(f, "--map", "prompt=question,completion=answer")
    assert out["format"] == "prompt_completion"
    r = info(f, "--format", "text")
    assert r.exit_code == 2 and "--format text needs" in r.output
    r = info(f, "--map", "output=nonexistent")
    assert r.exit_code == 2 and "nonexistent" in r.output


def test_folder_of_datasets_says_which(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_jsonl(tmp_path / "a" / "train.jsonl", ALPACA)
    write_jsonl(tmp_path / "b" / "train.jsonl", [{"text": "x"}])
    r = info(tmp_path)
    assert r.exit_code == 2 and "a/" in r.output and "b/" in r.output


@pytest.mark.parametrize("cmd", ["info"])
def test_every_command_has_help(cmd):
    r = CliRunner().invoke(main, [cmd, "--help"])
    assert r.exit_code == 0 and "Usage" in r.output


def test_percentiles_do_not_understate_the_tail_of_a_small_set(real_data):
    # The toy chat file has 8 assistant turns, one of 26,000 characters: p99 over 8 values
    # must be that turn, and p90 too (nearest rank 0.9 * 7 = 6.3 rounds up to the longest).
    out = info_json(real_data / "openai-cookbook_toy_chat_fine_tuning.jsonl")
    a = out["roles"]["assistant"]
    assert a["turns"] == 8 and a["max"] == 26_000
    assert a["p99"] == a["max"] and a["p90"] == a["max"]
    assert a["p50"] <= a["p90"] <= a["p99"] <= a["max"]
    text = info(real_data / "openai-cookbook_toy_chat_fine_tuning.jsonl").output
    assert "p99" in text and "max" in text and "26,000" in text


def test_text_output_names_the_columns_read_and_the_files(sample_data, tmp_path):
    from click.testing import CliRunner

    from inspector.cli import main

    r = CliRunner().invoke(main, ["info", str(sample_data / "sft"), "--state", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "columns: instruction, input, output" in r.output
    assert "files (2): " in r.output and "validation.jsonl" in r.output
