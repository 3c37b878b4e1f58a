"""Every bad input ends with exit 2 and one paragraph naming the file, line or option and the
problem: never a signal, a hang or a traceback (issue 18, item 2).

Inputs that once crashed the process itself (pyarrow's segmentation fault on `null`, its stack
overflow on deep nesting) run in a subprocess, so a regression fails the test instead of
killing the test run; the rest run in this process through click's runner.
"""

from __future__ import annotations

import json
import os

import pytest

from inspector.core.data import limits
from inspector.core.errors import InputError
from tests.reliability.helpers import (
    alpaca_rows,
    assert_fine,
    assert_refused,
    drive,
    invoke,
    run_cli,
    write_jsonl,
)

#: Files that crashed `pyarrow` (segmentation fault) or Python (RecursionError) before.
CRASHERS = {
    "null.json": ("null\n", "line 1", "null"),
    "null-first-line.jsonl": ('null\n{"text": "a"}\n', "line 1", "null"),
    "blank-then-null.json": ("\n\n   null  ", "line 3", "null"),
    "null-line.jsonl": ('{"text": "a"}\n' * 2048 + "null\n" + '{"text": "b"}\n', "line 2049"),
    "null-in-array.json": ('[{"text": "a"},\n null]', "record 1 of the JSON array is null"),
    "deep-5000.json": ("[" * 5000 + "]" * 5000, "nesting deeper than 60", "line 1"),
    "deep-100k.jsonl": ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n", "nesting", "line 1"),
}


def test_files_that_crashed_the_readers_are_refused_by_line(tmp_path):
    cases, expected = [], []
    for name, (text, *needles) in sorted(CRASHERS.items()):
        data = tmp_path / name
        data.write_text(text)
        for command in ("info", "scan"):
            cases.append([command, data, "--state", tmp_path / "state"])
            expected.append([str(data), *needles])
    for args, report, needles in zip(cases, drive(tmp_path, cases), expected, strict=True):
        assert report["exit"] == 2 and not report["traceback"], (args, report)
        assert report["last"].startswith("error:") and report["lines"] == 1, (args, report)
        for needle in needles:
            assert needle in report["last"], (args, report)


def test_null_kills_neither_open_nor_against(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", alpaca_rows(3))
    null = tmp_path / "test.json"
    null.write_text("null")
    against = run_cli(tmp_path, "scan", data, "--against", null, "--state", tmp_path / "s")
    assert_refused(against, str(null), "null")
    opened = run_cli(tmp_path, "open", null, "--state", tmp_path / "s2")
    assert_refused(opened, str(null), "null")


@pytest.mark.parametrize(
    "text, needles",
    [
        ('{"text": "a", "score": NaN}\n', ["line 1", "NaN is not a JSON value"]),
        ('{"text": "a"}\n{"text": "b", "score": -Infinity}\n', ["line 2", "Infinity"]),
        ('[{"instruction": "a", "input": "", "output": NaN}]', ["line 1", "NaN"]),
    ],
)
def test_nan_and_infinity_are_not_json(tmp_path, text, needles):
    data = tmp_path / "data.jsonl"
    data.write_text(text)
    assert_refused(invoke("info", data, "--state", tmp_path / "s"), str(data), *needles)


def test_nan_inside_a_string_is_text(tmp_path):
    data = write_jsonl(tmp_path / "data.jsonl", [{"text": "NaN, Infinity and null [[{"}])
    result = invoke("info", data, "--json", "--state", tmp_path / "s")
    assert_fine(result)
    assert json.loads(result.stdout)["splits"]["train"]["rows"] == 1


def test_nesting_at_the_limit_is_read_and_past_it_refused(tmp_path):
    ok = tmp_path / "ok.jsonl"
    depth = limits.MAX_DEPTH - 1  # the row object is one level
    ok.write_text('{"text": "a", "x": ' + "[" * depth + "]" * depth + "}\n")
    assert_fine(invoke("info", ok, "--state", tmp_path / "s"))
    deep = tmp_path / "deep.jsonl"
    deep.write_text('{"text": "a"}\n{"text": "b", "x": ' + "[" * 60 + "]" * 60 + "}\n")
    assert_refused(invoke("info", deep, "--state", tmp_path / "s"), "line 2", "nesting deeper")


@pytest.mark.parametrize(
    "name, text, where",
    [
        ("rows.jsonl", '{"text": "a"}\n{"text": "' + "x" * 600 + '"}\n{"text": "c"}\n', "line 2"),
        ("rows.json", '[{"text": "a"},\n {"text": "' + "x" * 600 + '"}]', "line 2"),
        ("rows.txt", "short\n" + "y" * 600 + "\nshort\n", "line 2"),
        ("rows.csv", "text\nshort\n" + "z" * 600 + "\n", "line 3"),
    ],
)
def test_a_row_over_the_size_limit_is_refused(tmp_path, monkeypatch, name, text, where):
    monkeypatch.setattr(limits, "MAX_ROW_BYTES", 500)  # the real limit is 64 MiB
    data = tmp_path / name
    data.write_text(text)
    with pytest.raises(InputError, match=where):
        if name.endswith((".json", ".jsonl")):
            limits.check_json_file(data)
        else:
            limits.check_line_sizes(data)


def test_the_limits_block_by_block_match_the_whole_file(tmp_path, monkeypatch, real_data):
    """Strings, escapes and records that straddle blocks are scanned as in one piece."""
    monkeypatch.setattr(limits, "BLOCK", 4093)
    for f in sorted(real_data.iterdir()):
        if f.name.endswith((".json", ".jsonl", ".jsonl.gz")):
            limits.check_json_file(f)
    monkeypatch.setattr(limits, "BLOCK", 7)
    tricky = tmp_path / "tricky.jsonl"
    tricky.write_text('{"a": "\\\\"}\n{"b": "\\" null [ NaN"}\n{"c": NaN}\n')
    with pytest.raises(InputError, match="line 3: NaN"):
        limits.check_json_file(tricky)


def test_whitespace_first_4kb_is_not_empty(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text(" \n" * 4096 + json.dumps({"text": "late"}) + "\n")
    result = invoke("info", data, "--json", "--state", tmp_path / "s")
    assert_fine(result)
    assert json.loads(result.stdout)["splits"]["train"]["rows"] == 1
    blank = tmp_path / "blank.jsonl"
    blank.write_text(" \n" * 8000)
    assert_refused(invoke("info", blank, "--state", tmp_path / "s"), "empty", "whitespace")


def test_csv_row_missing_a_field_is_named(tmp_path):
    data = tmp_path / "train.csv"
    data.write_text('instruction,input,output\na,b,c\n"two\nlines",e,f\ng,h\n')
    assert_refused(
        invoke("info", data, "--state", tmp_path / "s"),
        str(data),
        "record 4",
        "2 field(s)",
        "header names 3",
    )
    tsv = tmp_path / "train.tsv"
    tsv.write_text("instruction\tinput\toutput\na\t\tc\nd\te\n")
    assert_refused(invoke("info", tsv, "--state", tmp_path / "s"), "record 3")
    full = tmp_path / "ok.csv"
    full.write_text("instruction,input,output\na,,c\n")  # an empty cell is a value
    assert_fine(invoke("info", full, "--state", tmp_path / "s"))


def test_map_garbage_names_the_entry(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", alpaca_rows(2))
    paragraph = assert_refused(invoke("info", data, "--map", "garbage"), "'garbage'", "--map")
    assert "{part" not in paragraph


@pytest.mark.parametrize("spec", ["nan,nan", "nan,0.5", "inf,0", "0.5,nan,0.5"])
def test_split_refuses_non_finite_fractions(tmp_path, spec):
    data = write_jsonl(tmp_path / "d.jsonl", alpaca_rows(5))
    out = tmp_path / "out"
    result = run_cli(tmp_path, "export", data, "--out", out, "--split", spec, timeout=60)
    assert_refused(result, "--split", "finite")
    assert not out.exists()


@pytest.mark.parametrize("option", ["--max-length", "--pack-length"])
def test_huge_lengths_are_refused_as_options(tmp_path, option):
    data = write_jsonl(tmp_path / "d.jsonl", alpaca_rows(2))
    result = invoke("export", data, "--out", tmp_path / "o", "--what", "packed", option, "9" * 25)
    assert_refused(result, option)


def test_tokenizer_folder_of_the_wrong_shape(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", alpaca_rows(2))
    folder = tmp_path / "tok"
    folder.mkdir()
    (folder / "tokenizer.json").write_text('{"not": "a tokenizer"}')
    result = invoke("tokens", data, "--tokenizer", folder, "--state", tmp_path / "s")
    assert_refused(result, "--tokenizer", str(folder), "could not load a tokenizer")
    (folder / "tokenizer.json").write_text("{")
    result = invoke("tokens", data, "--tokenizer", folder, "--state", tmp_path / "s")
    assert_refused(result, "could not load a tokenizer")


def test_symlink_loop_reads_each_file_once(tmp_path):
    data = tmp_path / "data"
    write_jsonl(data / "sub" / "train.jsonl", alpaca_rows(7))
    os.symlink("..", data / "sub" / "up")  # a loop: sub/up/sub/up/...
    looped = invoke("info", data, "--state", tmp_path / "s")
    assert_refused(looped, str(data / "sub" / "up"), "holds the folder being opened", "a loop")
    os.unlink(data / "sub" / "up")
    os.symlink(data / "sub", data / "again")  # a second path to the same folder
    os.symlink(data / "sub" / "train.jsonl", data / "copy.jsonl")  # and to the same file
    result = invoke("info", data, "--json", "--state", tmp_path / "s")
    assert_fine(result)
    info = json.loads(result.stdout)
    assert info["splits"]["train"]["rows"] == 7
    assert len(info["files"]) == 1


def test_link_to_a_parent_folder_is_refused(tmp_path):
    write_jsonl(tmp_path / "other" / "train.jsonl", alpaca_rows(3, "other"))
    data = tmp_path / "mine"
    write_jsonl(data / "train.jsonl", alpaca_rows(2))
    os.symlink(tmp_path, data / "everything")
    result = invoke("info", data, "--state", tmp_path / "s")
    assert_refused(result, str(data / "everything"), "holds the folder being opened")


def test_dangling_and_self_links_are_named(tmp_path):
    data = tmp_path / "data"
    write_jsonl(data / "train.jsonl", alpaca_rows(2))
    os.symlink("self.jsonl", data / "self.jsonl")
    assert_refused(invoke("info", data, "--state", tmp_path / "s"), "self.jsonl", "leads nowhere")
