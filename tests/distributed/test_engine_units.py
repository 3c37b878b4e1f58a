"""Pieces of the Ray engine that need no cluster: shard boundaries, error translation, the
input shards on disk, and a face that imports nothing."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from inspector.core import progress
from inspector.core.data import open_dataset
from inspector.core.distributed.cluster import ClusterError, translate
from inspector.core.distributed.export import ShardPacker
from inspector.core.distributed.shards import ROW, SPLIT, input_shards
from inspector.core.errors import InputError
from tests.conftest import ROOT


def _part(lengths):
    return pa.table({"input_ids": pa.array([[1] * n for n in lengths], pa.list_(pa.int32()))})


def test_pack_shards_hold_the_asked_tokens_and_cover_every_row_once():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 600, size=5_000).tolist()
    ranges = ShardPacker(shard_packs=20).ranges(_part(lengths), 512)
    assert ranges[0]["lo"] == 0 and ranges[-1]["hi"] == len(lengths)
    assert all(a["hi"] == b["lo"] for a, b in zip(ranges, ranges[1:], strict=False))
    cut = np.minimum(lengths, 512)
    sizes = [int(cut[r["lo"] : r["hi"]].sum()) for r in ranges]
    # every shard but the last holds 20 packs' worth of tokens, give or take one row
    assert all(abs(s - 20 * 512) < 512 for s in sizes[:-1]) and len(sizes) > 5
    assert ShardPacker(shard_packs=10**6).ranges(_part(lengths), 512) == [
        {"lo": 0, "hi": len(lengths)}
    ]


class _Wrapped(Exception):
    def __init__(self, msg, cause):
        super().__init__(msg)
        self.cause = cause


def test_an_input_error_raised_in_a_task_comes_back_as_itself():
    original = InputError("no tokenizer at /x")
    assert translate(_Wrapped("task failed", _Wrapped("inner", original))) is original
    other = translate(_Wrapped("WorkerCrashedError: the worker died\nmore", None))
    assert isinstance(other, ClusterError) and "retried up to 3 times" in str(other)
    assert "the worker died" in str(other) and "more" not in str(other)


def test_input_shards_tag_every_row_and_are_reused(real_data, tmp_path):
    ds = open_dataset(real_data / "llamafactory_dpo_en_demo.json", state_dir=tmp_path)
    shards = progress.run(input_shards(ds, shard_rows=128))
    assert [s.first for s in shards] == list(range(0, ds.total_rows, 128))
    table = pa.concat_tables([pq.read_table(s.path) for s in shards])
    assert table.column(ROW).to_pylist() == list(range(ds.total_rows))
    assert set(table.column(SPLIT).to_pylist()) == {0}
    assert table.drop_columns([SPLIT, ROW]).to_pylist() == ds.hf["train"].to_list()
    steps = []
    again = progress.drain(input_shards(ds, shard_rows=128), steps.append)
    assert again == shards and len(steps) == 1  # found on disk, not written again


def test_the_face_and_the_cli_import_no_ray():
    code = (
        "import sys, inspector.core.distributed as d, inspector.cli.engine_options, "
        "inspector.cli.scan, inspector.cli.export; d.__all__; "
        "assert 'ray' not in sys.modules, 'ray was imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
