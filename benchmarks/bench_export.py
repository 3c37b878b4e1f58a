"""Benchmark: `inspector export --as parquet` of 1M Alpaca rows next to pyarrow's own `write_table`.

Both write the same Arrow table (the dataset as loaded) to Parquet with pyarrow's defaults, in
the same process, alternating, best of `--repeat`. The export's time is the whole
`export_dataset` call: checking every row, applying decisions, the staging folder, SHA-256 of
the output, `decisions.jsonl`, the manifest (with the input's fingerprint), fsync and the final
rename. MB/s is the table's in-memory Arrow size over wall time (target: >= 0.5x pyarrow).
Two more exports drop 10% and 50% of the rows by a rule, so they also write a line of
`decisions.jsonl` (with the row's content hash) per dropped row; each is compared with pyarrow
writing the kept rows' table (target: >= 0.8x). `uptime`'s load is printed with the figures.

    python benchmarks/bench_export.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

WORDS = (
    "the of and to in a is that for it as was with be by on not he this are or his from "
    "at which but have an they you were her she all would there their what so up out if "
    "about who get which go me when make can like time no just him know take"
).split()


def make_parquet(path: Path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(0)
    cols = {"instruction": [], "input": [], "output": []}
    for i in range(rows):
        cols["instruction"].append(" ".join(rng.choices(WORDS, k=rng.randint(6, 20))) + f" #{i}?")
        cols["input"].append("" if i % 3 else " ".join(rng.choices(WORDS, k=rng.randint(5, 30))))
        cols["output"].append(" ".join(rng.choices(WORDS, k=rng.randint(10, 80))) + ".")
    pq.write_table(pa.table(cols), path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import os

    import datasets
    import pyarrow.parquet as pq

    from inspector.core.data import arrow_table, open_dataset
    from inspector.core.export import Evidence, ExportSettings, export_dataset, parse_rules
    from inspector.core.progress import run

    work = Path(tempfile.mkdtemp(prefix="bench_export_"))
    os.environ["HF_DATASETS_CACHE"] = str(work / "hf")
    datasets.disable_progress_bars()
    try:
        src = work / "data" / "train.parquet"
        src.parent.mkdir()
        t = time.perf_counter()
        make_parquet(src, args.rows)
        ds = open_dataset(src.parent, state_dir=work / "state")
        table = arrow_table(ds.hf["train"])
        mb = table.nbytes / 1e6
        print(
            f"{args.rows:,} rows, {mb:,.0f} MB in Arrow (prepared in "
            f"{time.perf_counter() - t:.1f} s)"
        )

        import numpy as np

        settings = ExportSettings(container="parquet")
        drop = ExportSettings(container="parquet", rules=parse_rules(["flag:bench"]))
        dropped = {10: range(0, args.rows, 10), 50: range(0, args.rows, 2)}
        evidence = {
            p: Evidence(flags={"bench": [("train", r) for r in rs]}) for p, rs in dropped.items()
        }
        kept = {}
        for p, rs in dropped.items():
            mask = np.ones(args.rows, dtype=bool)
            mask[np.asarray(rs)] = False
            kept[p] = table.filter(mask)
        best = {
            k: float("inf") for k in ("pyarrow", "export", "peer10", "drop10", "peer50", "drop50")
        }

        def timed(name, fn):
            t = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t)

        for _ in range(args.repeat):
            timed("pyarrow", lambda: pq.write_table(table, work / "peer.parquet"))
            timed("export", lambda: run(export_dataset(ds, work / "out", settings)))
            shutil.rmtree(work / "out")
            for p in dropped:
                timed(f"peer{p}", lambda p=p: pq.write_table(kept[p], work / "peer.parquet"))
                timed(
                    f"drop{p}",
                    lambda p=p: run(export_dataset(ds, work / "drop", drop, evidence=evidence[p])),
                )
                shutil.rmtree(work / "drop")

        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for name, peer, label in (
            ("export", "pyarrow", "inspector export (no drop)"),
            ("drop10", "peer10", "inspector export, 10% drop"),
            ("drop50", "peer50", "inspector export, 50% drop"),
        ):
            ratio = best[peer] / best[name]
            target = 0.5 if name == "export" else 0.8
            print(
                f"{label:<28} {best[name]:6.2f} s, pyarrow write_table of the same rows "
                f"{best[peer]:6.2f} s: {ratio:.2f}x pyarrow (target >= {target}: "
                f"{'met' if ratio >= target else 'NOT met'})"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
