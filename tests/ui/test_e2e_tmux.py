"""End to end in a real terminal: the installed `inspector open` under tmux, driven by keys,
killed with SIGKILL, reopened; the help and the decision are read back from the screen, not
from internals."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WIDTH, HEIGHT = 100, 30


def _inspector() -> str | None:
    """The console script installed next to this interpreter (what a user would run)."""
    return shutil.which("inspector", path=str(Path(sys.executable).parent))


pytestmark = [
    pytest.mark.skipif(
        shutil.which("tmux") is None, reason="tmux is not installed (CI installs it in .ci/run)"
    ),
    pytest.mark.skipif(
        _inspector() is None, reason="the `inspector` command is not installed (pip install -e .)"
    ),
]


#: What the private tmux server must not inherit from a terminal this suite runs in: the
#: outer tmux's own variables, and the size of the outer terminal (GNU readline, which pytest
#: loads, exports COLUMNS and LINES into the C environment, where `os.environ` does not see
#: them; the app then sizes itself for the outer pane and its screen scrolls off this one).
OUTER_TERMINAL = ("TMUX", "TMUX_PANE", "COLUMNS", "LINES", "TERM_PROGRAM", "TERM_PROGRAM_VERSION")


def _server_env() -> dict[str, str]:
    """The environment the private tmux server starts with: this one without `OUTER_TERMINAL`
    (given explicitly, so nothing set behind `os.environ`'s back comes through)."""
    return {k: v for k, v in os.environ.items() if k not in OUTER_TERMINAL}


class Tmux:
    """One private tmux server (its own socket) running one pane."""

    def __init__(self, socket: Path):
        self.socket = str(socket)

    def run(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-S", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=20,
            env=_server_env(),
        )
        return out.stdout

    def start(self, command: str) -> None:
        self.run(
            "new-session", "-d", "-s", "e2e", "-x", str(WIDTH), "-y", str(HEIGHT), f"exec {command}"
        )

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "e2e")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", "e2e", key)
            time.sleep(0.05)  # typed, not pasted

    def pid(self) -> int:
        return int(self.run("display-message", "-p", "-t", "e2e", "#{pane_pid}").strip())

    def wait_for(self, predicate, what: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")

    def kill_server(self) -> None:
        subprocess.run(
            ["tmux", "-S", self.socket, "kill-server"], capture_output=True, env=_server_env()
        )


def _row_line(screen: str, label: str) -> str | None:
    for line in screen.splitlines():
        if line[1:].startswith(f"{label} ") or line.startswith(f" {label} "):
            return line
    return None


def test_drop_survives_sigkill(sample_data, tmp_path):
    state = tmp_path / "state"
    env = {
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "TERM": "xterm-256color",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    command = " ".join(
        [
            "env",
            *(f"{k}={shlex.quote(v)}" for k, v in env.items()),
            shlex.quote(_inspector()),
            "open",
            shlex.quote(str(sample_data / "sft")),
            "--state",
            shlex.quote(str(state)),
            "--view",
            "rows",
        ]
    )
    tmux = Tmux(tmp_path / "tmux.sock")
    try:
        tmux.start(command)
        first = tmux.wait_for(lambda s: _row_line(s, "train:0") is not None, "the rows view")
        assert "? keys" in first, first  # a first open says where to start

        tmux.keys("?")  # the first help teaches the workflow: drop and keep are in it
        helped = tmux.wait_for(lambda s: "How this works" in s, "the help screen")
        lines = helped.splitlines()
        assert any("d drops a row, a keeps it" in line for line in lines), helped
        assert any(" d " in line and "drop this item" in line for line in lines), helped
        assert any(" a " in line and "keep this item" in line for line in lines), helped
        assert "Focus Next" not in helped and "triage.drop" not in helped, helped
        tmux.keys("Escape")
        tmux.wait_for(lambda s: "How this works" not in s, "the help closed")

        tmux.keys("j", "j", "j")
        tmux.wait_for(lambda s: "4/500" in s, "the cursor on the fourth row")
        tmux.keys("d")
        tmux.wait_for(lambda s: "drop" in (_row_line(s, "train:3") or ""), "row train:3 dropped")

        os.kill(tmux.pid(), signal.SIGKILL)  # no chance to save anything on the way out
        time.sleep(0.5)
        tmux.kill_server()

        tmux.start(command)
        screen = tmux.wait_for(lambda s: _row_line(s, "train:3") is not None, "the reopened app")
        assert "drop" in _row_line(screen, "train:3"), screen
        assert "drop" not in (_row_line(screen, "train:2") or ""), screen
        # `d` moved the cursor on to the next row, and the reopen restores it there
        assert "5/500" in screen and "keep 0 drop 1" in screen, screen
        tmux.keys("q")
    finally:
        tmux.kill_server()
