"""The input as Parquet shards a cluster reads in blocks: written once per data fingerprint.

Why shards of the loaded table rather than Ray's readers over the original files: the contract
is that both engines see the same values in every row. The local engine reads what the loader
made of each file (one schema per file, keys missing from a record filled with null, mixed-type
columns kept as JSON text); Ray's JSON reader infers a schema per block, which gives other
values for the same record. So the loader reads each input once, as it does for the local
engine, and its Arrow rows are written as Parquet shards of `SHARD_ROWS` rows, each tagged with
the split and row number of every row (`SPLIT`, `ROW`), into the state folder. Later runs on
unchanged data find them there (keyed by the fingerprint) and skip the conversion; on a
multi-node cluster the state folder must be on storage every node reads (`--state`).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from inspector.core.data.arrow_rows import arrow_table
from inspector.core.progress import Progress, check

#: Rows per shard: one Ray block (and one task) each. Small enough for a block to take about a
#: second to scan on one core, so progress is smooth and a lost worker costs little; large
#: enough that per-task overhead (~5 ms) stays under 1%.
SHARD_ROWS = 5_000
SPLIT = "__inspector_split"
ROW = "__inspector_row"
LAYOUT_VERSION = 1


@dataclass(frozen=True)
class Shard:
    """One Parquet file: rows `first .. first + rows - 1` of split number `split`."""

    split: int
    first: int
    rows: int
    path: str

    def to_json(self) -> dict:
        return {"split": self.split, "first": self.first, "rows": self.rows, "path": self.path}


def shard_folder(ds, shard_rows: int) -> Path:
    return ds.state_dir / "ray" / "inputs" / f"{ds.fingerprint}-{shard_rows}-v{LAYOUT_VERSION}"


def input_shards(
    ds, shard_rows: int = SHARD_ROWS, cancel: threading.Event | None = None
) -> Generator[Progress, None, list[Shard]]:
    """The dataset's Parquet shards (written now unless already there); a progress generator."""
    import pyarrow.parquet as pq

    folder = shard_folder(ds, shard_rows)
    listing = folder / "shards.json"
    if listing.is_file():
        try:
            shards = [Shard(**s) for s in json.loads(listing.read_text())["shards"]]
            if all(Path(s.path).is_file() for s in shards):
                yield Progress("input shards", len(shards), len(shards))
                return shards
        except (OSError, ValueError, KeyError, TypeError):
            pass  # an unreadable listing: write the shards again
    tmp = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    total = ds.total_rows
    done = 0
    shards: list[Shard] = []
    try:
        for s, split in enumerate(ds.splits):
            table = arrow_table(ds.hf[split])
            for first in range(0, table.num_rows, shard_rows):
                check(cancel)
                part = table.slice(first, shard_rows)
                n = part.num_rows
                part = part.append_column(SPLIT, pa.array([s] * n, pa.int16()))
                part = part.append_column(ROW, pa.array(range(first, first + n), pa.int64()))
                name = f"s{s:03d}-r{first:012d}.parquet"
                pq.write_table(part, tmp / name, row_group_size=max(n, 1))
                shards.append(Shard(s, first, n, str(folder / name)))
                done += n
                yield Progress("input shards", done, total)
        (tmp / "shards.json").write_text(json.dumps({"shards": [s.to_json() for s in shards]}))
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return shards


def _read(batch: pa.Table) -> pa.Table:
    """The rows of the shard files a batch of shard records names, in order."""
    import pyarrow.parquet as pq

    return pa.concat_tables([pq.read_table(p) for p in batch.column("path").to_pylist()])


def read_shards(shards: list[Shard]):
    """The shards as one Ray dataset, one block per shard, in split and row order.

    Each read is a map task over the list of shard paths rather than Ray's Parquet datasource:
    a block is then exactly one shard (progress counts shards), and the read fuses with the
    scan's map into one task per shard.
    """
    import ray.data

    from inspector.core.distributed.cluster import remote_args

    items = [{"path": s.path} for s in shards]
    return ray.data.from_items(items, override_num_blocks=max(len(items), 1)).map_batches(
        _read, batch_format="pyarrow", batch_size=1, **remote_args()
    )
