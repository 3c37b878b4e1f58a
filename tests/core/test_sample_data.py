"""The committed sample data is exactly what its generator writes, and every set loads cleanly."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from inspector.core.data.dataset import open_dataset
from inspector.core.data.summary import summarize
from inspector.core.progress import run


def test_generator_reproduces_committed_files(sample_data, tmp_path):
    copy = tmp_path / "sample_data"
    shutil.copytree(sample_data, copy, ignore=shutil.ignore_patterns(".inspector"))
    subprocess.run([sys.executable, str(copy / "generate.py")], check=True)
    for f in sorted(sample_data.rglob("*.json*")):
        if ".inspector" in f.parts:
            continue
        rel = f.relative_to(sample_data)
        assert (copy / rel).read_bytes() == f.read_bytes(), f"{rel} differs from its generator"


def test_sample_sets_load_with_their_formats(sample_data):
    manifest = json.loads((sample_data / "manifest.json").read_text())
    for name, entry in manifest["datasets"].items():
        ds = open_dataset(sample_data / entry["path"])
        assert ds.format == entry["format"], name
        assert run(summarize(ds)).problems == []
        for defect in entry["defects"]:
            assert defect["row"] < ds.num_rows(defect["split"])
    sft = open_dataset(sample_data / "sft")
    assert sft.splits == ["train", "validation"]
    assert 450 <= sft.total_rows <= 550
