"""Benchmark: the app on a 1,000,000-row dataset, next to opening the same file with `datasets`.

Measured in a real terminal (tmux), from the moment the command is launched:

- first paint of the rows view: until the first row of the table is on the screen;
- cursor: 1,000 presses of `j` sent at once, until the status line reads `1,001/...`.

The peer is a fresh Python process running `datasets.load_dataset(...)` on the same file and
printing its first row. Both are measured cold (an empty `datasets` cache: JSON is converted to
Arrow first) and warm (a reopen, as a user reopening a dataset sees it: the same `datasets`
cache and the same state folder, whose open index lets the app paint from Arrow before it
imports `datasets`). The warm `datasets` cache with a new state folder (no open index, the
normal open) is printed too. The cursor keys are sent as soon as the first row shows, while
the app is still starting its background work. Targets on 2 cores: first paint (warm) < 1 s,
1,000 rows down < 2 s. The package is byte-compiled first, as a wheel install does.

    python benchmarks/bench_app.py [--rows 1000000] [--repeat 3] [--keep]

Needs tmux and the installed `inspector` command; without tmux only the in-process figures
(time to the first frame of a headless app, cursor moves with the rows drawn) are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_load import make_data  # the same 1M-row Alpaca data as the load benchmark

PLAIN = """
import sys, datasets
datasets.disable_progress_bars()
ds = datasets.load_dataset("json", data_files=sys.argv[1], split="train")
print(ds.num_rows, ds[0]["instruction"][:20])
"""
WIDTH, HEIGHT = 100, 30
_RUNS = itertools.count()


def plain_open(data: Path, cache: Path) -> float:
    env = dict(os.environ, HF_DATASETS_CACHE=str(cache))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", PLAIN, str(data)], check=True, env=env, capture_output=True
    )
    return time.perf_counter() - start


class Terminal:
    """A tmux pane on a private socket."""

    def __init__(self, socket: Path):
        self.socket = str(socket)

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-S", self.socket, *args], capture_output=True, text=True
        ).stdout

    def wait_for(self, text: str, timeout: float = 600) -> float:
        """Seconds until `text` is on the screen (polled every 10 ms)."""
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if text in self.tmux("capture-pane", "-p", "-t", "b"):
                return time.perf_counter() - start
            time.sleep(0.01)
        raise SystemExit(
            f"timed out waiting for {text!r}:\n" + self.tmux("capture-pane", "-p", "-t", "b")
        )


def app_in_terminal(
    inspector: str, data: Path, state: Path, cache: Path, rows: int, analyses: bool
) -> tuple[float, float]:
    """(seconds to the first painted row, seconds to move 1,000 rows down)."""
    term = Terminal(state.parent / f"tmux-{next(_RUNS)}.sock")  # a fresh server each run
    env = f"HF_DATASETS_CACHE={cache} PYTHONPATH={os.environ.get('PYTHONPATH', '')}"
    extra = "" if analyses else " --no-analyses"
    command = f"exec env {env} {inspector} open {data} --state {state} --view rows{extra}"
    start = time.perf_counter()
    term.tmux("new-session", "-d", "-s", "b", "-x", str(WIDTH), "-y", str(HEIGHT), command)
    try:
        term.wait_for("\n 0 ", timeout=900)  # the first row's id cell, at a line's start
        paint = time.perf_counter() - start
        term.wait_for(f" 1/{rows:,} ")
        start = time.perf_counter()
        term.tmux("send-keys", "-t", "b", "-N", "1000", "j")
        move = term.wait_for(f" 1,001/{rows:,} ")
        # Back to the first row before quitting: the next open restores the cursor there.
        term.tmux("send-keys", "-t", "b", "Home")
        term.wait_for(f" 1/{rows:,} ")
        term.tmux("send-keys", "-t", "b", "q")
        time.sleep(0.5)
        return paint, move
    finally:
        term.tmux("kill-server")


async def _in_process(data: Path, state: Path) -> tuple[float, float]:
    from textual.geometry import Region

    from inspector.core.data import open_dataset
    from inspector.ui.app import InspectorApp
    from inspector.ui.session import Session
    from inspector.ui.widgets.row_table import RowTable

    open_dataset(data, state_dir=state)  # warm the Arrow cache, as for the terminal runs
    start = time.perf_counter()
    app = InspectorApp(Session(open_dataset(data, state_dir=state)), view="rows", analyses=False)
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await pilot.pause()
        first = time.perf_counter() - start
        table = app.screen.query_one(RowTable)
        region = Region(0, 0, table.size.width, table.size.height)
        start = time.perf_counter()
        for _ in range(1000):
            table.action_move(1)
            table.render_lines(region)  # what the screen update draws after each key
        move = time.perf_counter() - start
        assert table.cursor == 1000
    return first, move


def compile_package() -> None:
    """Byte-compile the imported `inspector` package, as installing a wheel does (`pip` writes
    the .pyc files). Without it, an environment with PYTHONDONTWRITEBYTECODE set would compile
    every module of the app from source at each launch."""
    import inspector

    package = Path(inspector.__file__).parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each warm open")
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-app-"))
    data = work / "train.jsonl"
    try:
        t = time.perf_counter()
        make_data(data, args.rows)
        size = data.stat().st_size / 2**20
        print(
            f"{args.rows:,} Alpaca rows, {size:,.0f} MiB JSONL "
            f"(generated in {time.perf_counter() - t:.1f} s), {os.cpu_count()} CPUs"
        )
        cold_cache = work / "hf-peer"
        print(
            f"plain datasets.load_dataset, cold (JSON -> Arrow): "
            f"{plain_open(data, cold_cache):7.2f} s"
        )
        warm = [plain_open(data, cold_cache) for _ in range(args.repeat)]
        print(
            f"plain datasets.load_dataset, warm (cached Arrow):  {median(warm):7.2f} s"
            f"   (runs: {', '.join(f'{w:.2f}' for w in warm)})"
        )

        inspector = shutil.which("inspector", path=str(Path(sys.executable).parent))
        if shutil.which("tmux") and inspector:
            compile_package()
            app_cache, state = work / "hf-app", work / "state"

            def report(label: str, runs: list[tuple[float, float]]) -> None:
                paint, move = [r[0] for r in runs], [r[1] for r in runs]
                detail = (
                    ""
                    if len(runs) == 1
                    else ("   (runs: " + ", ".join(f"{p:.2f}/{m:.2f}" for p, m in runs) + ")")
                )
                print(
                    f"inspector open, {label}: first paint of the rows view {median(paint):5.2f} s"
                    f" · 1,000 rows down {median(move):5.2f} s{detail}"
                )

            def runs(state: Path, analyses: bool, n: int) -> list[tuple[float, float]]:
                return [
                    app_in_terminal(inspector, data, state, app_cache, args.rows, analyses)
                    for _ in range(n)
                ]

            # The first open converts JSON to Arrow and records the open index in the state
            # folder; reopening (the same state folder, as a user reopening a dataset has)
            # paints from the Arrow cache with pyarrow alone and loads `datasets` afterwards.
            report("cold (JSON -> Arrow, new state folder)", runs(state, True, 1))
            report("warm reopen", runs(state, True, args.repeat))
            report("warm reopen, --no-analyses", runs(state, False, args.repeat))
            # A warm `datasets` cache but no open index (a new --state folder): the normal path.
            fresh = [runs(work / f"state-fresh-{i}", False, 1)[0] for i in range(args.repeat)]
            report("warm Arrow cache, new state folder (no open index)", fresh)
        else:
            print("tmux or the inspector command is missing: terminal figures skipped")
        os.environ["HF_DATASETS_CACHE"] = str(work / "hf-app")  # before datasets is imported
        first, move = asyncio.run(_in_process(data, work / "state-inproc"))
        print(
            f"in process (headless, warm cache, normal open): open + first frame {first:5.2f} s"
            f" · 1,000 moves, each with a full redraw (no frame coalescing) {move:5.2f} s"
        )
        print(
            "targets: first paint (warm) < 1 s, 1,000 rows down < 2 s; figures are medians "
            "(paint/move per run in brackets)"
        )
    finally:
        if args.keep:
            print(f"data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
