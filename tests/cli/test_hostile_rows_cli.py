"""Rows holding escape sequences never drive the terminal, whatever command prints them.

Every command runs on real rows with OSC 0 / OSC 52 / `ESC[2J` / CSI / DCS / C1 CSI / BEL
spliced in (`tests/hostile_data.py`): piped (`| cat`: no colour at all, so no escape byte may
appear), and on a real terminal (a pty), with colours and with `NO_COLOR=1` (only our own SGR
styles may appear). The controls must be shown, as `␛` and `<U+009B>`, not dropped.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from click.testing import CliRunner

from inspector.cli import main
from tests.hostile_data import benchmark, broken_file, hostile_dataset, leaks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hostile(real_data, tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    data = hostile_dataset(real_data, base / "data")
    return {
        "data": data,
        "bench": benchmark(base, data),
        "broken": broken_file(base),
        "state": base / "state",
        "base": base,
    }


def _commands(h) -> list[list[str]]:
    """Every command and view, on the hostile folder (and an error paragraph quoting data)."""
    d, out = str(h["data"]), str(h["base"] / "out")
    commands = [
        ["info", d],
        ["info", d, "--json"],
        ["tokens", d, "--row", "0"],
        ["tokens", d, "--row", "5"],
        ["tokens", d, "--row", "6", "--ids"],
        ["tokens", d, "--row", "5", "--json"],
        ["tokens", d, "--stats"],
        ["tokens", d, "--pack", "2048"],
        ["scan", d, "--against", str(h["bench"]), "--max-length", "512"],
        ["scan", d, "--against", str(h["bench"]), "--json", "-"],
        ["export", d, "--out", out, "--what", "filtered,tokenized", "--force"],
        ["export", d, "--out", out, "--drop", "flag:control_chars", "--force", "--json"],
        ["info", str(h["broken"])],
        ["tokens", d, "--split", "no\x1b]0;ARG\x07such"],
    ]
    return [[*c, "--state", str(h["state"])] for c in commands]


def test_every_command_piped_prints_no_control_byte(hostile):
    shown = 0
    for args in _commands(hostile):
        result = CliRunner().invoke(main, args)
        text = result.output
        assert "Traceback" not in text, (args, text)
        assert result.exit_code in (0, 2), (args, result.exit_code, text)
        found = leaks(text)
        assert not found, f"{args[:2]}: control characters reached the output: {found[:5]}"
        if "--json" in args:
            json.loads(result.stdout)  # still one valid JSON document
        shown += text.count("␛") + text.count("<U+009B>")
    assert shown > 20, "the controls should be shown as placeholders, not dropped"


def test_json_output_keeps_the_data_exact(hostile):
    """JSON escapes the controls (`\\u009b`) instead of replacing them: parsed back, the
    tokens are the data as it is in the file."""
    args = ["tokens", str(hostile["data"]), "--row", "5", "--json"]
    result = CliRunner().invoke(main, [*args, "--state", str(hostile["state"])])
    assert result.exit_code == 0, result.output
    assert "\x9b" not in result.stdout and "\\u009b" in result.stdout
    assert "\x9b" in json.loads(result.stdout)["tokens"]


def _on_a_terminal(args: list[str], env_extra: dict[str, str]) -> tuple[int, str, str]:
    """Run `inspector ARGS` with stdout on a pty (100x24): (exit code, stdout, stderr).

    Standard error is a pipe: on a terminal it would carry our progress bars, whose cursor
    moves are ours, not the data's (and hold nothing but step names)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    # No output processing: the terminal driver would turn every "\n" into "\r\n", and a CR
    # is one of the controls looked for (a CR written by the program itself still counts).
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", **env_extra}
    env.pop("COLUMNS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "inspector.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    err = proc.stderr.read().decode("utf-8", errors="replace")
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", errors="replace"), err


@pytest.mark.parametrize("colour", ["NO_COLOR", "colour"])
def test_on_a_terminal_only_our_styles_reach_it(hostile, colour):
    env = {"NO_COLOR": "1"} if colour == "NO_COLOR" else {"FORCE_COLOR": "1"}
    d, s = str(hostile["data"]), str(hostile["state"])
    for args in (
        ["tokens", d, "--row", "0", "--state", s],
        ["tokens", d, "--row", "5", "--state", s],
        ["info", d, "--state", s],
        ["scan", d, "--against", str(hostile["bench"]), "--state", s],
    ):
        code, text, err = _on_a_terminal(args, env)
        assert code == 0, (args, err[-2000:])
        found = leaks(text, allow_sgr=True) + leaks(err)
        assert not found, f"{args[:2]} ({colour}): {found[:5]}"
        assert "␛" in text or "<U+009B>" in text, (args, text[-2000:])
