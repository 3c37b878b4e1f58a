"""`inspector scan|export --engine ray`: the same JSON and files as the local commands, and
clear errors when the cluster cannot be reached or the extra is not installed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from inspector.cli import main

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def _run(args):
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.slow
@pytest.mark.xdist_group("ray-cluster")
def test_scan_and_export_commands_on_the_cluster_match_local(ray_cluster, sample_data, tmp_path):
    data = sample_data / "preference"
    bench = str(sample_data / "benchmark" / "test.jsonl")
    common = ["--against", bench, "--no-cache"]
    _run(["scan", str(data), "--state", str(tmp_path / "s1"), "--json", str(tmp_path / "a.json"),
          *common])  # fmt: skip
    _run(["scan", str(data), "--state", str(tmp_path / "s2"), "--json", str(tmp_path / "b.json"),
          "--engine", "ray", "--ray-address", ray_cluster["address"], "--concurrency", "2",
          *common])  # fmt: skip
    assert json.loads((tmp_path / "a.json").read_text()) == json.loads(
        (tmp_path / "b.json").read_text()
    )
    export = ["export", str(data), "--what", "filtered,tokenized", "--drop", "dup:exact",
              "--max-length", "256", "--json"]  # fmt: skip
    a = _run([*export, "--out", str(tmp_path / "oa"), "--state", str(tmp_path / "s1")])
    b = _run([*export, "--out", str(tmp_path / "ob"), "--state", str(tmp_path / "s2"),
              "--engine", "ray", "--ray-address", ray_cluster["address"]])  # fmt: skip
    ma, mb = json.loads(a.output), json.loads(b.output)
    assert mb["outputs"] == ma["outputs"]
    assert mb["rows"] == ma["rows"] and mb["drops"] == ma["drops"]
    assert mb["engine"]["cluster"]["nodes"] >= 2


def _cli(args, prelude=""):
    code = f"{prelude}import sys; from inspector.cli import main; sys.exit(main({args!r}))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_an_unreachable_cluster_is_a_clear_error(sample_data, tmp_path):
    pytest.importorskip("ray", reason='needs the ray extra (pip install ".[ray]")')
    done = _cli(["scan", str(sample_data / "preference"), "--state", str(tmp_path),
                 "--engine", "ray", "--ray-address", "127.0.0.1:9"])  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "cannot reach a Ray cluster at 127.0.0.1:9" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "ray").exists()


def test_without_the_extra_the_engine_says_how_to_install_it(sample_data, tmp_path):
    done = _cli(
        ["export", str(sample_data / "preference"), "--out", str(tmp_path / "o"),
         "--state", str(tmp_path), "--engine", "ray"],
        prelude="import sys; sys.modules['ray'] = None; ",
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert 'pip install "inspector[ray]"' in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()
