"""Every CLI table fits an 80-column terminal: text wraps, the least useful columns go (and
the output says so), and codes, numbers and headers are never cut."""

from __future__ import annotations

from click.testing import CliRunner
from rich.cells import cell_len

from inspector.cli import main


def run(*args) -> str:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, [*map(str, args)])
    assert result.exit_code == 0, result.output
    return result.output


def widest(output: str) -> int:
    return max(cell_len(line) for line in output.splitlines())


def test_tokens_stats_fit_80_columns(sample_data, tmp_path):
    out = run("tokens", sample_data / "sft", "--stats", "--state", tmp_path)
    assert widest(out) <= 80
    # the linter's codes and the packing simulator's headers are whole
    assert "assistant_turn_untrained" in out and "no_trained_tokens" in out
    for header in ("strategy", "seqs", "padding", "effic.", "lost"):
        assert f" {header} " in out
    assert "examples left out at 80 columns" in out  # said, not silently cut


def test_scan_tables_fit_80_columns(real_data, tmp_path):
    out = run(
        "scan",
        real_data / "llamafactory_glaive_toolcall_en_demo.json",
        "--against",
        real_data / "gsm8k_test.jsonl",
        "--state",
        tmp_path,
    )
    assert widest(out) <= 80
    assert "…" not in "".join(line.split("│")[1] for line in out.splitlines() if "│" in line)


def test_wide_terminals_keep_every_column(sample_data, tmp_path):
    result = CliRunner(env={"COLUMNS": "160"}).invoke(
        main, ["tokens", str(sample_data / "sft"), "--stats", "--state", str(tmp_path)]
    )
    assert result.exit_code == 0 and "examples" in result.output
    assert "left out" not in result.output
