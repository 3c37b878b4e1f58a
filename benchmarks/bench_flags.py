"""Benchmark: the quality flags' row rules, serial next to worker processes, on real rows.

The rows are every conversation of four real datasets (preference pairs, tool calls, chat,
Alpaca), repeated until there are `--rows` of them. Both passes go through `FlagRun` exactly as
the scan calls it; the parallel one uses `usable_cpus()` spawned workers (start-up included).
The findings of both are compared.

    python benchmarks/bench_flags.py [--rows 40000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inspector.core.data import open_dataset  # noqa: E402
from inspector.core.flags import FlagRun  # noqa: E402
from inspector.core.processes import usable_cpus  # noqa: E402

DATA = Path(os.environ.get("INSPECTOR_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
FILES = (
    "hh-rlhf_harmless-base_test.jsonl.gz",
    "llamafactory_glaive_toolcall_en_demo.json",
    "fastchat_dummy_conversation.json",
    "llamafactory_alpaca_en_demo.json",
)


def flag(convs, workers: int) -> tuple[float, dict]:
    os.environ["INSPECTOR_FLAG_WORKERS"] = str(workers)
    start = time.perf_counter()
    run = FlagRun(expected_rows=len(convs))
    for i, conv in enumerate(convs):
        run.add(i, conv)
    found = run.finish()
    return time.perf_counter() - start, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40_000)
    args = parser.parse_args()
    base = []
    for name in FILES:
        ds = open_dataset(DATA / name, state_dir=Path("/tmp/inspector-bench-state"))
        for split in ds.splits:
            base += [c for _, c, _ in ds.iter_conversations(split) if c is not None]
    convs = (base * (args.rows // len(base) + 1))[: args.rows]
    workers = usable_cpus()
    serial_s, serial = flag(convs, 0)
    pool_s, pooled = flag(convs, workers)
    same = list(serial.items()) == list(pooled.items())
    print(f"quality flags on {len(convs):,} real rows ({len(base):,} distinct), {workers} CPUs")
    print(f"  serial (one process)       {len(convs) / serial_s:8,.0f} rows/s  {serial_s:6.1f} s")
    print(
        f"  {workers} worker processes         {len(convs) / pool_s:8,.0f} rows/s  {pool_s:6.1f} s"
        f"  ({serial_s / pool_s:.2f}x serial; same findings: {same})"
    )


if __name__ == "__main__":
    main()
