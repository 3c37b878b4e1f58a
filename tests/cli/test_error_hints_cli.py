"""Error paragraphs that point the right way: a --map example for the format asked, and a
tokenizer folder that holds no tokenizer."""

from __future__ import annotations

from click.testing import CliRunner

from inspector.cli import main


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_forced_format_suggests_a_map_for_that_format(real_data, tmp_path):
    data = real_data / "gsm8k_test.jsonl"
    alpaca = invoke("info", data, "--format", "alpaca", "--state", tmp_path / "s")
    assert alpaca.exit_code == 2
    assert "--map instruction=question,output=answer" in alpaca.output
    assert "text=content" not in alpaca.output
    # question/answer is a known layout of prompt_completion: that format needs no map.
    pc = invoke("info", data, "--format", "prompt_completion", "--state", tmp_path / "s")
    assert pc.exit_code == 0 and "prompt <- question" in pc.output
    text = invoke("info", data, "--format", "text", "--state", tmp_path / "s")
    assert text.exit_code == 2 and "--map text=" in text.output
    # The suggestion works: the same command with it reads every row.
    fixed = invoke(
        "info",
        data,
        "--format",
        "alpaca",
        "--map",
        "instruction=question,output=answer",
        "--state",
        tmp_path / "s",
        "--json",
    )
    assert fixed.exit_code == 0, fixed.output


def test_tokenizer_folder_without_tokenizer_files(real_data, tmp_path):
    empty = tmp_path / "not_a_tokenizer"
    empty.mkdir()
    (empty / "README.md").write_text("# nothing here\n", encoding="utf-8")
    result = invoke(
        "tokens",
        real_data / "gsm8k_test.jsonl",
        "--map",
        "prompt=question,completion=answer",
        "--row",
        0,
        "--tokenizer",
        empty,
        "--state",
        tmp_path / "s",
    )
    assert result.exit_code == 2
    assert "holds no tokenizer files" in result.output
    assert "sentencepiece or tiktoken" not in result.output
