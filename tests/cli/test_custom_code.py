"""Custom code is never offered a run, and `--json` stdout carries JSON only.

The tokenizer folder here asks, through `auto_map`, for a class from its own Python file, and
that file writes a marker the moment it is imported. Every command that tokenizes runs as a
real process with `y` arriving on standard input (enough for transformers' "[y/N]" question
when nothing passes `trust_remote_code`): each must exit 2 saying why, ask nothing, and leave
no marker.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inspector.core.errors import InputError
from inspector.core.tokens.tokenizer import load_tokenizer

ROOT = Path(__file__).resolve().parents[2]
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _custom_folder(folder: Path, marker: Path) -> Path:
    """A real tokenizer saved to `folder`, whose config maps AutoTokenizer to its own code."""
    load_tokenizer().save_pretrained(folder)
    config_path = folder / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    config.pop("tokenizer_class", None)
    config["auto_map"] = {"AutoTokenizer": [None, "tokenization_marker.MarkerTokenizer"]}
    config_path.write_text(json.dumps(config))
    (folder / "tokenization_marker.py").write_text(
        f"open({str(marker)!r}, 'w').write('custom code ran')\n"
        "from transformers import PreTrainedTokenizerFast\n\n\n"
        "class MarkerTokenizer(PreTrainedTokenizerFast):\n"
        "    pass\n"
    )
    return folder


@pytest.fixture()
def custom(tmp_path):
    marker = tmp_path / "MARKER"
    return _custom_folder(tmp_path / "custom-tok", marker), marker


def _run(args, tmp_path, stdin="y\ny\ny\n", env_extra=None, timeout=300):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "inspector.cli", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=timeout,
    )


def _refused(proc, marker: Path) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "custom Python code" in proc.stderr and "tokenizer.json" in proc.stderr, out
    assert "[y/N]" not in out and "Traceback" not in out, out
    assert not marker.exists(), "the folder's code ran"


def test_every_command_that_tokenizes_refuses_custom_code(custom, real_data, tmp_path):
    folder, marker = custom
    data = real_data / "rasbt_instruction-examples_with-dups.json"
    state = tmp_path / "state"
    for args in (
        ("tokens", data, "--row", 0, "--tokenizer", folder, "--state", state),
        ("tokens", data, "--row", 0, "--tokenizer", folder, "--state", state, "--json"),
        ("scan", data, "--max-length", 512, "--tokenizer", folder, "--state", state),
        (
            "export",
            data,
            "--out",
            tmp_path / "out",
            "--what",
            "tokenized",
            "--tokenizer",
            folder,
            "--state",
            state,
        ),
        ("open", data, "--tokenizer", folder, "--state", state),
    ):
        proc = _run(args, tmp_path)
        _refused(proc, marker)
        if "--json" in args:
            assert proc.stdout == "", proc.stdout  # the error is on stderr, stdout stays clean
    assert not (tmp_path / "out").exists()


def test_a_cached_hub_name_with_custom_code_is_refused_too(tmp_path, real_data):
    marker = tmp_path / "MARKER"
    repo = tmp_path / "hf" / "hub" / "models--acme--custom-tok"
    _custom_folder(repo / "snapshots" / COMMIT, marker)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    with pytest.raises(InputError, match="custom Python code"):
        load_tokenizer("acme/custom-tok", cache_dir=tmp_path / "hf" / "hub")
    proc = _run(
        ("tokens", real_data / "axolotl_alpaca.json", "--tokenizer", "acme/custom-tok"),
        tmp_path,
        env_extra={"HF_HOME": str(tmp_path / "hf")},
    )
    _refused(proc, marker)


def test_the_app_shows_the_refusal_in_its_tokens_analysis(custom, make_app_on, settle_app):
    """A library caller that skips the command's check: the analysis fails with the reason."""
    folder, marker = custom
    app = make_app_on(folder)

    async def run():
        async with app.run_test(size=(120, 40)) as pilot:
            await settle_app(pilot)
            return app.analyses["tokens"].describe()

    import asyncio

    text = asyncio.run(run())
    assert "custom Python code" in text, text
    assert not marker.exists()


@pytest.fixture()
def make_app_on(sample_data, tmp_path):
    from inspector.core.data.dataset import open_dataset
    from inspector.ui.app import InspectorApp
    from inspector.ui.session import Session, Settings

    def make(tokenizer):
        ds = open_dataset(sample_data / "sft", state_dir=tmp_path / "app-state")
        return InspectorApp(
            Session(ds, Settings(tokenizer=str(tokenizer))), analyses=("summary", "tokens")
        )

    return make


@pytest.fixture()
def settle_app():
    import asyncio

    async def settle(pilot):
        await pilot.pause()
        while pilot.app.starting:
            await pilot.pause(0.05)
        await asyncio.gather(*(w.wait() for w in list(pilot.app.workers)), return_exceptions=True)
        await pilot.pause()

    return settle


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_inspector_open_in_a_terminal_exits_2_and_asks_nothing(custom, real_data, tmp_path):
    folder, marker = custom
    data = real_data / "axolotl_alpaca.json"
    socket = str(tmp_path / "tmux.sock")
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    env["PYTHONPATH"] = str(ROOT)
    command = (
        f"{sys.executable} -m inspector.cli open {data} --tokenizer {folder} "
        f"--state {tmp_path / 'state'}; echo EXIT=$?; sleep 60"
    )
    tmux = ["tmux", "-S", socket]
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "t", "-x", "120", "-y", "30", command],
        env=env,
        check=True,
        timeout=20,
    )
    try:
        screen = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "EXIT=" not in screen:
            time.sleep(0.3)
            screen = subprocess.run(
                [*tmux, "capture-pane", "-p", "-J", "-t", "t"],
                env=env,
                capture_output=True,
                text=True,
            ).stdout
        assert "EXIT=2" in screen, screen
        assert "custom Python code" in screen and "[y/N]" not in screen, screen
        assert not marker.exists()
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, capture_output=True)


def test_json_stdout_is_json_only_whatever_libraries_print(real_data, tmp_path):
    """A library that prints, from Python and from compiled code (descriptor 1), while the
    command works: stdout still parses as JSON, and the noise is on stderr."""
    noisy = (
        "import os, sys, datasets\n"
        "_load = datasets.load_dataset\n"
        "def load_dataset(*a, **k):\n"
        "    print('library noise on sys.stdout')\n"
        "    sys.stdout.flush()\n"
        "    os.write(1, b'library noise on descriptor 1\\n')\n"
        "    return _load(*a, **k)\n"
        "datasets.load_dataset = load_dataset\n"
        "from inspector.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    data = real_data / "axolotl_alpaca.json"
    state = tmp_path / "state"
    for args in (
        ("info", data, "--json"),
        ("tokens", data, "--row", 1, "--json"),
        ("scan", data, "--json", "-"),
        ("export", data, "--out", tmp_path / "out", "--json"),
    ):
        proc = subprocess.run(
            [sys.executable, "-c", noisy, *map(str, args), "--state", str(state), "--no-cache"]
            if args[0] == "scan"
            else [sys.executable, "-c", noisy, *map(str, args), "--state", str(state)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=tmp_path,
            timeout=300,
        )
        assert proc.returncode == 0, (args, proc.stderr)
        json.loads(proc.stdout)  # nothing but JSON
        assert "library noise on sys.stdout" in proc.stderr, (args, proc.stderr)
        assert "library noise on descriptor 1" in proc.stderr, (args, proc.stderr)
