"""Benchmark: `inspector export --as parquet` of 1M Alpaca rows next to pyarrow's own `write_table`.

Both write the same Arrow table (the dataset as loaded) to Parquet with pyarrow's defaults, in
the same process, alternating, best of `--repeat`. The export's time is the whole
`export_dataset` call: checking every row, applying decisions, the staging folder, SHA-256 of
the output, `decisions.jsonl`, the manifest (with the input's fingerprint), fsync and the final
rename. MB/s is the table's in-memory Arrow size over wall time (target: >= 0.5x pyarrow).
A second export drops 10% of the rows by a rule, so it also writes 100k lines of
`decisions.jsonl` (each row's content hash).

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

        settings = ExportSettings(container="parquet")
        every_tenth = Evidence(flags={"bench": [("train", r) for r in range(0, args.rows, 10)]})
        drop = ExportSettings(container="parquet", rules=parse_rules(["flag:bench"]))
        best = {"pyarrow": float("inf"), "export": float("inf"), "export_drop": float("inf")}
        for i in range(args.repeat):
            t = time.perf_counter()
            pq.write_table(table, work / f"peer{i}.parquet")
            best["pyarrow"] = min(best["pyarrow"], time.perf_counter() - t)
            (work / f"peer{i}.parquet").unlink()

            t = time.perf_counter()
            run(export_dataset(ds, work / f"out{i}", settings))
            best["export"] = min(best["export"], time.perf_counter() - t)
            shutil.rmtree(work / f"out{i}")

            t = time.perf_counter()
            run(export_dataset(ds, work / f"drop{i}", drop, evidence=every_tenth))
            best["export_drop"] = min(best["export_drop"], time.perf_counter() - t)
            shutil.rmtree(work / f"drop{i}")

        peer = mb / best["pyarrow"]
        print(f"pyarrow write_table          {best['pyarrow']:6.2f} s  {peer:8,.0f} MB/s")
        for name, label in (
            ("export", "inspector export"),
            ("export_drop", "inspector export, 10% drop"),
        ):
            rate = mb / best[name]
            print(f"{label:<28} {best[name]:6.2f} s  {rate:8,.0f} MB/s  {rate / peer:.2f}x pyarrow")
        ratio = mb / best["export"] / peer
        print(f"target >= 0.5x pyarrow: {'met' if ratio >= 0.5 else 'NOT met'} ({ratio:.2f}x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
