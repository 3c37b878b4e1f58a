"""What the reliability tests share: running the real `inspector` command in a subprocess,
checking that it failed the right way, private tmpfs mounts, and a process's descendants."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a command under test: this checkout's code first, and every cache
    (`datasets`', the per-user fallback) inside the test's folder."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HF_DATASETS_CACHE": str(tmp_path / "hf-datasets"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg"),
        "COLUMNS": "120",
    }
    env.update(extra)
    return env


def cli_command(*args) -> list[str]:
    return [sys.executable, "-m", "inspector.cli", *[str(a) for a in args]]


def run_cli(tmp_path: Path, *args, timeout: float = 240, **env: str):
    """Run `inspector ARGS` to its end; returns the `CompletedProcess` (text output)."""
    return subprocess.run(
        cli_command(*args),
        cwd=ROOT,
        env=env_for(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_refused(result, *needles: str) -> str:
    """Exit status 2 and one `error:` paragraph on stderr holding every needle; no traceback,
    no signal. Returns the paragraph."""
    rc, out = _outcome(result)
    assert rc == 2, f"exit {rc}, expected 2:\n{out[-3000:]}"
    assert "Traceback" not in out, out[-3000:]
    err = result.stderr.strip()
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and (lines[-1].startswith("error:") or lines[-1].startswith("Error:")), err
    paragraph = lines[-1]
    for needle in needles:
        assert needle in paragraph, f"{needle!r} not in: {paragraph}"
    return paragraph


def assert_fine(result) -> None:
    """Exit status 0 or 1 (a --fail-on gate), no traceback."""
    rc, out = _outcome(result)
    assert rc in (0, 1), f"exit {rc}:\n{out[-3000:]}"
    assert "Traceback" not in out, out[-3000:]


def _outcome(result) -> tuple[int, str]:
    """Exit status and all output, of a `subprocess` run or a click `CliRunner` result (whose
    uncaught exception, a traceback for a user, counts as exit 99)."""
    if hasattr(result, "returncode"):
        return result.returncode, (result.stdout or "") + (result.stderr or "")
    out = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        out += "Traceback\n" + "".join(traceback.format_exception(result.exception))
        return 99, out
    return result.exit_code, out


def invoke(*args):
    """`inspector ARGS` in this process (fast; for inputs that cannot crash the process)."""
    from click.testing import CliRunner

    from inspector.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


def write_jsonl(path: Path, rows) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def alpaca_rows(n: int, tag: str = "") -> list[dict]:
    return [
        {
            "instruction": f"Name a colour that is not number {i}{tag}.",
            "input": "",
            "output": f"Blue is a colour; it is not {i}{tag}.",
        }
        for i in range(n)
    ]


# -- private mounts -------------------------------------------------------------------------


def _unshare_prefix() -> list[str] | None:
    if shutil.which("unshare") is None:
        return None
    prefix = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "-rm"]
    probe = subprocess.run(
        [
            *prefix,
            "sh",
            "-c",
            "mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null || "
            "mount -t tmpfs -o size=64k tmpfs /tmp",
        ],
        capture_output=True,
        timeout=30,
    )
    return prefix if probe.returncode == 0 else None


_PREFIX: list | None | bool = False


def mount_prefix() -> list[str]:
    """The `unshare` command line giving a private mount namespace, or a skip saying why."""
    global _PREFIX
    if _PREFIX is False:
        _PREFIX = _unshare_prefix()
    if _PREFIX is None:
        pytest.skip(
            "needs a private mount namespace (`unshare --mount`, or `unshare -rm` with user "
            "namespaces) to make a read-only or full file system without touching the host"
        )
    return list(_PREFIX)


def run_in_mounts(tmp_path: Path, script: str, timeout: float = 300, **env: str):
    """Run a shell `script` in a private mount namespace (tmpfs mounts it makes vanish with
    it). `$PY` is this Python, `$INSPECTOR` the command under test."""
    prefix = mount_prefix()
    full = f'PY="{sys.executable}"; INSPECTOR="$PY -m inspector.cli"; set -e\n{script}'
    return subprocess.run(
        [*prefix, "sh", "-c", full],
        cwd=ROOT,
        env=env_for(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# -- processes ------------------------------------------------------------------------------


def _process_table() -> dict[int, list[tuple[int, str]]]:
    kids: dict[int, list[tuple[int, str]]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2 :].split()
        kids.setdefault(int(rest[1]), []).append((int(name), rest[0]))
    return kids


def descendants(pid: int) -> list[int]:
    """Every living process below `pid` (children, their children...)."""
    table, out, todo = _process_table(), [], [pid]
    while todo:
        for child, state in table.get(todo.pop(), []):
            if state != "Z":
                out.append(child)
            todo.append(child)
    return out


def running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie waiting to be reaped counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def drive(tmp_path: Path, cases: list[list], seconds: float | None = None, timeout: float = 600):
    """Run command lines in one subprocess (`tests.reliability.drive`); returns one report per
    case run, failing the test, with the case named, when the process dies on one."""
    spec = tmp_path / "cases.json"
    spec.write_text(json.dumps([[str(a) for a in c] for c in cases]), encoding="utf-8")
    args = [sys.executable, "-m", "tests.reliability.drive", str(spec)]
    if seconds is not None:
        args.append(str(seconds))
    proc = subprocess.run(
        args, cwd=ROOT, env=env_for(tmp_path), capture_output=True, text=True, timeout=timeout
    )
    reports: dict[int, dict] = {}
    started = None
    for line in proc.stdout.splitlines():
        if line.startswith("START "):
            started = int(line.split()[1])
        elif line.startswith("RESULT "):
            _, i, body = line.split(" ", 2)
            reports[int(i)] = json.loads(body)
    if proc.returncode != 0:
        case = cases[started] if started is not None else None
        raise AssertionError(
            f"the process died (status {proc.returncode}) running {case}:\n{proc.stderr[-3000:]}"
        )
    return [reports[i] for i in sorted(reports)]
