"""The README's promises: two set-up commands, CI runs the second verbatim, every command has
help and is documented."""

from __future__ import annotations

import re

import click
from click.testing import CliRunner

from inspector.cli import main
from tests.conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_readme_opens_with_two_commands():
    commands = readme_commands()
    assert len(commands) == 2
    assert "sample_data" in commands[0]
    assert "pytest" in commands[1] and ".[test]" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in ci


def test_every_command_has_help_and_is_documented():
    readme = (ROOT / "README.md").read_text()
    names = main.list_commands(click.Context(main))
    assert {"info", "tokens", "scan", "export", "open"} <= set(names)
    for name in names:
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, name
        assert f"inspector {name}" in readme, f"README does not document `inspector {name}`"
