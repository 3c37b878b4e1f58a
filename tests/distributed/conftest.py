"""A real Ray cluster on 127.0.0.1 for the engine tests: a head and one worker node, started once.

`ray start --head` and `ray start --address` run as for a user (docs/scale.md), each node with
one CPU (this machine has two) and a small object store. The cluster lives in its own temporary
folder, and teardown ends exactly the processes whose command line names that folder, and
their children (Ray's workers rename themselves `ray::...`), never another cluster here.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OBJECT_STORE = str(200 << 20)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_cli() -> list[str]:
    return [sys.executable, "-m", "ray.scripts.scripts"]


def _ours(folder: str) -> list:
    """Our cluster's processes: those naming `folder`, and all their descendants."""
    import psutil

    found = {}
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            if any(folder in part for part in proc.info["cmdline"] or []):
                found[proc.pid] = proc
                for child in proc.children(recursive=True):
                    found[child.pid] = child
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    found.pop(os.getpid(), None)
    return list(found.values())


def _stop(folder: str) -> None:
    import psutil

    procs = _ours(folder)
    for p in procs:
        try:
            p.send_signal(signal.SIGTERM)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=10)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass


@pytest.fixture(scope="session")
def ray_cluster():
    """`{"address", "folder", "head_port"}` of a running two-node cluster this process joined."""
    if importlib.util.find_spec("ray") is None:  # not importorskip: Ray must not load yet
        pytest.skip('the Ray engine tests need the ray extra (pip install ".[ray]")')
    folder = tempfile.mkdtemp(prefix="insp-ray-", dir="/tmp")  # Ray's sockets need a short path
    port = _free_port()
    # Ray authenticates every connection with a token: one for this cluster alone, given to
    # the nodes and to this process (which is the driver), never written to ~/.ray.
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    saved = {k: os.environ.get(k) for k in auth}
    os.environ.update(auth)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0"}
    import ray

    common = [
        "--node-ip-address=127.0.0.1",
        "--num-cpus=1",
        f"--object-store-memory={OBJECT_STORE}",
    ]
    try:
        subprocess.run(
            [*_ray_cli(), "start", "--head", f"--port={port}", f"--temp-dir={folder}",
             "--include-dashboard=false", "--disable-usage-stats", *common],
            check=True, env=env, cwd=ROOT, capture_output=True, timeout=120,
        )  # fmt: skip
        subprocess.run(
            [*_ray_cli(), "start", f"--address=127.0.0.1:{port}", *common],
            check=True, env=env, cwd=ROOT, capture_output=True, timeout=120,
        )  # fmt: skip
        address = f"127.0.0.1:{port}"
        ray.init(address=address, runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}},
                 _node_ip_address="127.0.0.1",
                 logging_level="WARNING", log_to_driver=False)  # fmt: skip
        deadline = time.time() + 60
        while len([n for n in ray.nodes() if n["Alive"]]) < 2 and time.time() < deadline:
            time.sleep(0.5)
        yield {"address": address, "folder": folder, "port": port}
    except subprocess.CalledProcessError as err:
        pytest.fail(f"could not start the test cluster: {err.stderr.decode(errors='replace')}")
    finally:
        if ray.is_initialized():
            ray.shutdown()
        _stop(folder)
        shutil.rmtree(folder, ignore_errors=True)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
