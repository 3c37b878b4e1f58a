"""The row rules in worker processes give exactly the serial findings, and stop on cancel."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.flags import FlagRun, RowTokens
from inspector.core.flags.parallel import MIN_ROWS, worker_count
from inspector.core.progress import Cancelled, run
from inspector.core.scan.run import ScanSettings, scan

FILES = (
    "hh-rlhf_harmless-base_test.jsonl.gz",  # preference pairs: length bias, refusals
    "openai-cookbook_toy_chat_fine_tuning.jsonl",  # 2,000x "Eat a banana!"
    "llamafactory_glaive_toolcall_en_demo.json",  # tool calls
    "llamafactory_alpaca_en_demo.json",
)


def flag_all(data, workers: int, monkeypatch) -> dict:
    monkeypatch.setenv("INSPECTOR_FLAG_WORKERS", str(workers))
    out = {}
    for name in FILES:
        ds = open_dataset(data / name)
        flags = FlagRun(max_length=256, expected_rows=ds.total_rows)
        assert (flags._pool is not None) == (workers > 0)
        index = 0
        for split in ds.splits:
            for _, conv, _ in ds.iter_conversations(split):
                if conv is not None:
                    # Token facts as the tokens layer gives them: some rows too long.
                    flags.add(index, conv, RowTokens(100 + index % 400, index % 7))
                index += 1
        out[name] = flags.finish()
    return out


def test_workers_find_exactly_what_the_serial_pass_finds(real_data, monkeypatch):
    serial = flag_all(real_data, 0, monkeypatch)
    parallel = flag_all(real_data, 2, monkeypatch)
    for name in FILES:
        assert serial[name], name  # every file has flagged rows: the comparison means something
        assert list(parallel[name].items()) == list(serial[name].items()), name
    assert not multiprocessing.active_children()


def test_worker_count_follows_the_data_size(monkeypatch):
    monkeypatch.delenv("INSPECTOR_FLAG_WORKERS", raising=False)
    monkeypatch.setattr("inspector.core.flags.parallel.usable_cpus", lambda: 8)
    monkeypatch.setattr("inspector.core.processes._allowed", False)
    assert worker_count(1_000_000) == 0  # a script using the core: serial unless it opts in
    monkeypatch.setattr("inspector.core.processes._allowed", True)
    assert worker_count(MIN_ROWS - 1) == 0
    assert worker_count(1_000_000) == 8
    assert worker_count(MIN_ROWS) == 2
    monkeypatch.setattr("inspector.core.flags.parallel.usable_cpus", lambda: 1)
    assert worker_count(1_000_000) == 0
    monkeypatch.setenv("INSPECTOR_FLAG_WORKERS", "3")
    assert worker_count(10) == 3


def test_a_scan_with_workers_equals_the_serial_scan(real_data, tmp_path, monkeypatch):
    path = real_data / "hh-rlhf_harmless-base_test.jsonl.gz"
    results = []
    for workers in (0, 2):
        monkeypatch.setenv("INSPECTOR_FLAG_WORKERS", str(workers))
        ds = open_dataset(path, state_dir=tmp_path / str(workers))
        results.append(run(scan(ds, ScanSettings(), use_cache=False)).to_json())
    assert results[0]["flags"] == results[1]["flags"]
    assert results[0] == results[1]


def test_cancel_stops_the_workers(real_data, tmp_path, monkeypatch):
    monkeypatch.setenv("INSPECTOR_FLAG_WORKERS", "2")
    ds = open_dataset(real_data / "hh-rlhf_harmless-base_test.jsonl.gz", state_dir=tmp_path)
    cancel = threading.Event()
    steps = scan(ds, use_cache=False, cancel=cancel)
    next(steps)
    next(steps)  # one batch of rows is in: the workers are running
    cancel.set()
    with pytest.raises(Cancelled):
        for _ in steps:
            pass
    for child in multiprocessing.active_children():
        child.join(timeout=10)
    assert not multiprocessing.active_children()
