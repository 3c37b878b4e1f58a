"""No byte leaves the machine: every command on real data under a socket guard.

Each command runs in a fresh interpreter whose `sitecustomize` installs an audit hook
(`sys.addaudithook`) that records, then refuses, any DNS lookup or connection other than a
local (AF_UNIX) socket: the libraries swallow the errors of their own background calls
(`datasets`' load counter catches everything), so the record is what the test reads. Worker
processes inherit the guard through PYTHONPATH. The Hugging Face offline switches are removed
from the environment first, so what keeps the network off is inspector itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

GUARD = textwrap.dedent(
    '''
    """Test guard: refuse and record every network call of this process."""
    import os
    import socket
    import sys
    import traceback

    _LOG = os.environ["INSPECTOR_NET_LOG"]
    _NAMES = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
              "socket.gethostbyaddr", "socket.connect", "socket.sendto", "socket.sendmsg"}

    def _guard(event, args):
        if event not in _NAMES:
            return
        if event.startswith("socket.connect") or event.startswith("socket.send"):
            if getattr(args[0], "family", None) == socket.AF_UNIX:
                return  # worker pipes and the fork server: not the network
        stack = "".join(traceback.format_stack(limit=12)[:-1])
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {event} {args[1:]!r}\\n{stack}\\n")
        raise OSError(f"network call refused by the test guard: {event}")

    sys.addaudithook(_guard)
    '''
)

#: Switches a user's shell may hold; inspector must not depend on any of them.
SWITCHES = (
    "HF_HUB_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HF_HUB_DISABLE_TELEMETRY",
    "DISABLE_TELEMETRY",
    "DO_NOT_TRACK",
    "HF_UPDATE_DOWNLOAD_COUNTS",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN",
)

OPEN_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path

    from inspector.cli.open_app import _app

    path, state = sys.argv[1], sys.argv[2]
    settings = {"tokenizer": None, "template": None, "mask": "completion",
                "max_length": 2048, "against": []}
    app = _app(Path(path), None, None, Path(state), None, None, "overview", False, settings)

    async def settle(pilot):
        await pilot.pause()
        while app.starting:
            await pilot.pause(0.05)
        await asyncio.gather(*(w.wait() for w in list(app.workers)), return_exceptions=True)
        await pilot.pause()

    async def main():
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            for key in ("2", "enter", "escape", "3", "4", "5", "6", "1"):
                await pilot.press(key)
                await settle(pilot)
            print("views:", app.screen.__class__.__name__, flush=True)

    asyncio.run(main())
    """
)


@pytest.fixture()
def guarded(tmp_path):
    """`guarded(*args)`: run python with the guard; returns (completed process, network log)."""
    site = tmp_path / "guard"
    site.mkdir()
    (site / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    log = tmp_path / "network.log"
    env = {k: v for k, v in os.environ.items() if k not in SWITCHES}
    env.update(
        PYTHONPATH=os.pathsep.join([str(site), str(ROOT), env.get("PYTHONPATH", "")]),
        INSPECTOR_NET_LOG=str(log),
        HF_HOME=str(tmp_path / "hf-home"),  # an empty Hub cache: nothing to find locally
    )

    def run(*args: str, timeout: float = 300):
        proc = subprocess.run(
            [sys.executable, *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return proc, (log.read_text(encoding="utf-8") if log.exists() else "")

    return run


def _cli(guarded, *args: str):
    return guarded("-m", "inspector.cli", *map(str, args))


def test_the_guard_catches_what_a_library_does_behind_our_back(guarded):
    # Without inspector's switches, `datasets` pings its host on every local load: the guard
    # must see that, or the tests below prove nothing.
    proc, log = guarded(
        "-c",
        "import datasets, sys; print(datasets.config.HF_UPDATE_DOWNLOAD_COUNTS);"
        "from datasets.load import increase_load_count; increase_load_count('json')",
    )
    assert proc.returncode == 0, proc.stderr
    assert "socket.getaddrinfo" in log or "socket.connect" in log, (proc.stdout, log)


def test_info_tokens_scan_export_make_no_network_call(guarded, real_data, tmp_path):
    data = real_data / "rasbt_instruction-examples_with-dups.json"
    state = tmp_path / "state"
    runs = [
        ("info", data, "--state", state, "--json"),
        ("tokens", data, "--row", 3, "--state", state),
        ("tokens", data, "--stats", "--state", state, "--json"),
        ("scan", data, "--max-length", 512, "--state", state, "--json", "-"),
        (
            "export",
            data,
            "--out",
            tmp_path / "out",
            "--what",
            "filtered,tokenized",
            "--drop",
            "dup:exact",
            "--state",
            state,
        ),
    ]
    for args in runs:
        proc, log = _cli(guarded, *args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert "Traceback" not in proc.stderr, (args, proc.stderr)
        assert log == "", f"{args[0]} tried the network:\n{log}"
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["rows"]["kept"] > 0


def test_a_hub_name_not_in_the_cache_fails_without_asking_the_hub(guarded, real_data, tmp_path):
    data = real_data / "axolotl_alpaca.json"
    proc, log = _cli(
        guarded, "tokens", data, "--tokenizer", "acme/never-downloaded", "--state", tmp_path
    )
    assert proc.returncode == 2, proc.stderr
    assert "not a Hub name found in the local Hugging Face cache" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert log == "", log


def test_a_scripted_open_makes_no_network_call(guarded, real_data, tmp_path):
    data = real_data / "rasbt_instruction-examples_with-dups.json"
    proc, log = guarded("-c", OPEN_SCRIPT, str(data), str(tmp_path / "state"), timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "views:" in proc.stdout
    assert log == "", f"the app tried the network:\n{log}"
