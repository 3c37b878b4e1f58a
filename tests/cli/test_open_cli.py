"""`inspector open`: options, and clear errors (exit 2) before any terminal is taken over."""

from __future__ import annotations

from click.testing import CliRunner

from inspector.cli import main


def test_open_is_registered_with_its_options():
    result = CliRunner().invoke(main, ["open", "--help"])
    assert result.exit_code == 0
    for option in (
        "--tokenizer",
        "--template",
        "--mask",
        "--max-length",
        "--against",
        "--theme",
        "--state",
        "--format",
        "--map",
        "--embed-model",
        "--keys",
    ):
        assert option in result.output


def test_missing_path_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["open", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output
    assert "Traceback" not in result.output


def test_unknown_theme_is_a_clear_error(sample_data, tmp_path):
    result = CliRunner().invoke(
        main,
        ["open", str(sample_data / "sft"), "--state", str(tmp_path), "--theme", "no-such-theme"],
    )
    assert result.exit_code == 2
    assert "Unknown theme 'no-such-theme'" in result.output
    assert "inspector-contrast" in result.output


def test_bad_theme_file_is_a_clear_error(sample_data, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [unclosed\n")
    result = CliRunner().invoke(main, ["open", str(sample_data / "sft"), "--theme", str(bad)])
    assert result.exit_code == 2
    assert "is not valid TOML" in result.output


def test_bad_keymap_file_is_a_clear_error(sample_data, tmp_path):
    keys = tmp_path / "keys.toml"
    keys.write_text('"triage.drop" = [1, 2]\n')
    result = CliRunner().invoke(
        main, ["open", str(sample_data / "sft"), "--state", str(tmp_path), "--keys", str(keys)]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"keymap {keys}: triage.drop must be a string of keys" in result.output
