"""Interrupted work (issue 18, item 3): SIGTERM, SIGHUP and Ctrl-C stop every worker process a
command started; SIGTERM removes an export's partial folder; after SIGKILL, the next export to
the same place (or `inspector export --clean`) removes the stale partial folder and says so.

The commands run for real in subprocesses on rows these tests write; the flag workers are
forced on (`INSPECTOR_FLAG_WORKERS=2`) so that a small dataset has them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from tests.reliability.helpers import (
    ROOT,
    alpaca_rows,
    assert_refused,
    cli_command,
    descendants,
    env_for,
    run_cli,
    running,
    write_jsonl,
)

ROWS = 30_000


@pytest.fixture(scope="module")
def many_rows(tmp_path_factory):
    return write_jsonl(tmp_path_factory.mktemp("rows") / "train.jsonl", alpaca_rows(ROWS))


def _start(tmp_path, *args, **env):
    return subprocess.Popen(
        cli_command(*args),
        cwd=ROOT,
        env=env_for(tmp_path, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(check, proc, timeout=180.0, what="the moment to interrupt"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        if proc.poll() is not None:
            break
        time.sleep(0.01)
    out, err = proc.communicate(timeout=30)
    pytest.fail(f"never saw {what} (exit {proc.returncode}): {err[-2000:]}")


def _all_gone(pids, timeout=15.0) -> list[int]:
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if running(p)]
        time.sleep(0.05)
    return alive


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_scan_interrupted_while_flagging_leaves_no_process(tmp_path, many_rows, sig):
    proc = _start(
        tmp_path,
        "scan",
        many_rows,
        "--state",
        tmp_path / "s",
        "--no-cache",
        INSPECTOR_FLAG_WORKERS="2",
    )
    # The fork server and its two workers (and the resource tracker) are up: flagging runs.
    family = _wait_for(lambda: (d := descendants(proc.pid)) and len(d) >= 4 and d, proc)
    time.sleep(0.3)
    family = sorted(set(family) | set(descendants(proc.pid)))
    os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err[-2000:]
    assert "Traceback" not in err and f"interrupted ({signal.Signals(sig).name})" in err
    assert _all_gone(family) == [], f"still running after {sig.name}: {family}"


def test_export_sigterm_removes_its_partial_folder(tmp_path, many_rows):
    out = tmp_path / "out"
    proc = _start(
        tmp_path,
        "export",
        many_rows,
        "--out",
        out,
        "--what",
        "tokenized",
        "--state",
        tmp_path / "s",
    )
    staged = _wait_for(
        lambda: [p for p in tmp_path.iterdir() if p.name.startswith(".out.partial-")], proc
    )
    family = descendants(proc.pid)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err[-2000:]
    assert "Traceback" not in err
    assert not out.exists()
    assert not any(p.exists() for p in staged)
    assert _all_gone(family) == []


def test_after_sigkill_clean_and_the_next_export_remove_partial_folders(tmp_path, many_rows):
    out = tmp_path / "out"
    args = ("export", many_rows, "--out", out, "--state", tmp_path / "s")

    def killed_midway():
        proc = _start(tmp_path, *args, "--what", "tokenized")
        staged = _wait_for(
            lambda: [p for p in tmp_path.iterdir() if p.name.startswith(".out.partial-")], proc
        )
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        assert all(p.exists() for p in staged)  # SIGKILL cannot clean up: the next run does
        return staged

    staged = killed_midway()
    cleaned = run_cli(tmp_path, "export", many_rows, "--clean", "--out", out)
    assert cleaned.returncode == 0, cleaned.stderr
    for p in staged:
        assert not p.exists() and f"removed {p}" in cleaned.stderr
    nothing = run_cli(tmp_path, "export", many_rows, "--clean")
    assert nothing.returncode == 0 and "no stale partial folders" in nothing.stderr

    staged = killed_midway()
    rerun = run_cli(tmp_path, *args)
    assert rerun.returncode == 0, rerun.stderr
    for p in staged:
        assert not p.exists() and f"removed {p}" in rerun.stderr
    assert (out / "manifest.json").is_file()


def test_export_needs_out_unless_clean(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", alpaca_rows(2))
    assert_refused(run_cli(tmp_path, "export", data), "--out")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_the_app_interrupted_mid_analysis_restores_the_terminal_and_leaves_no_process(
    tmp_path, many_rows, sig
):
    import fcntl
    import pty
    import struct
    import termios
    import threading

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(
        cli_command("open", many_rows, "--state", tmp_path / "s"),
        cwd=ROOT,
        env=env_for(tmp_path, INSPECTOR_FLAG_WORKERS="2", TERM="xterm-256color"),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    screen = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            screen.extend(chunk)

    threading.Thread(target=read, daemon=True).start()
    try:
        # The scan analysis runs its flag workers: the fork server and two workers are up.
        family = _wait_for(lambda: (d := descendants(proc.pid)) and len(d) >= 4 and d, proc)
        family = sorted(set(family) | set(descendants(proc.pid)))
        os.kill(proc.pid, sig)
        assert proc.wait(timeout=60) == 128 + sig
        assert _all_gone(family) == []
        time.sleep(0.2)
        assert b"\x1b[?1049l" in bytes(screen)  # the alternate screen was left
        assert b"Traceback" not in bytes(screen)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
