"""Benchmark: `inspector info` on a 1M-row Alpaca JSONL next to a plain `datasets` load.

Both run as fresh processes with their own empty `datasets` cache, so each pays for parsing the
JSON into Arrow; `info` additionally checks and measures every row. Prints rows/s, wall time,
peak RSS and the time ratio (target on 2 cores: <= 1.3x the plain load, peak RSS < 3 GiB).

    python benchmarks/bench_load.py [--rows 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = (
    "the of and to in a is that for it as was with be by on not he this are or his from "
    "at which but have an they you were her she all would there their what so up out if "
    "about who get which go me when make can like time no just him know take"
).split()

PLAIN = """
import sys, datasets
datasets.disable_progress_bars()
ds = datasets.load_dataset("json", data_files=sys.argv[1], split="train")
print(ds.num_rows)
"""


def make_data(path: Path, rows: int) -> None:
    rng = random.Random(0)
    with open(path, "w") as f:
        for i in range(rows):
            row = {
                "instruction": " ".join(rng.choices(WORDS, k=rng.randint(6, 20))) + f" #{i}?",
                "input": "" if i % 3 else " ".join(rng.choices(WORDS, k=rng.randint(5, 30))),
                "output": " ".join(rng.choices(WORDS, k=rng.randint(10, 80))) + ".",
            }
            f.write(json.dumps(row) + "\n")


def run(cmd: list[str], cache: Path) -> tuple[float, float, str]:
    env = dict(os.environ, HF_DATASETS_CACHE=str(cache))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {err.decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, out.decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated data folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="inspector-bench-load-"))
    data = work / "alpaca.jsonl"
    t = time.perf_counter()
    make_data(data, args.rows)
    print(
        f"generated {args.rows:,} rows ({data.stat().st_size / 1e6:.0f} MB) "
        f"in {time.perf_counter() - t:.1f}s"
    )
    inspector = [sys.executable, "-m", "inspector.cli", "info", "--json", str(data)]
    plain = [sys.executable, "-c", PLAIN, str(data)]
    results = {}
    for name, cmd in (("datasets.load_dataset", plain), ("inspector info", inspector)):
        walls, rss = [], []
        for attempt in range(2):  # fresh cache each time: both pay the JSON -> Arrow conversion
            cache = work / f"cache-{name.split()[0]}-{attempt}"
            wall, peak, out = run(cmd, cache)
            shutil.rmtree(cache, ignore_errors=True)
            walls.append(wall)
            rss.append(peak)
        results[name] = (min(walls), max(rss))
        if name == "inspector info":
            summary = json.loads(out)
            assert summary["rows"] == args.rows and summary["format"] == "alpaca", summary
    print(f"{'':24}{'wall s':>8}{'rows/s':>12}{'peak RSS MiB':>14}")
    for name, (wall, peak) in results.items():
        print(f"{name:24}{wall:8.2f}{args.rows / wall:12,.0f}{peak:14,.0f}")
    ratio = results["inspector info"][0] / results["datasets.load_dataset"][0]
    print(
        f"ratio inspector/plain: {ratio:.2f}x (target <= 1.3x); "
        f"peak RSS {results['inspector info'][1] / 1024:.2f} GiB (target < 3 GiB)"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
