"""`inspector export --stratify-clusters` and `--drop cluster:ID` with the real clustering."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from inspector.cli import main
from inspector.core.data.dataset import open_dataset
from inspector.core.data.files import iter_json_records
from inspector.core.progress import run


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    """One state folder for the module, so the clustering is computed once and then cached."""
    return tmp_path_factory.mktemp("clusters-state")


def test_stratified_split_spreads_clusters_and_drops_one(real_data, tmp_path, state):
    from inspector.core.semantic.clusters import cluster_dataset

    src = real_data / "llamafactory_alpaca_en_demo.json"
    ds = open_dataset(src, state_dir=state)
    clusters = run(cluster_dataset(ds)).to_json()  # cached: the export reuses it
    sizes = {c["id"]: c["size"] for c in clusters["clusters"]}
    assert len(sizes) >= 3
    drop = max(sizes, key=sizes.get)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "export",
            str(src),
            "--out",
            str(out),
            "--state",
            str(state),
            "--split",
            "0.8,0.1,0.1",
            "--stratify-clusters",
            "--drop",
            f"cluster:{drop}",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    m = json.loads(result.output)
    assert m["drops"] == {f"cluster:{drop}": sizes[drop]}
    assert m["split"]["stratified_by"] == "clusters"
    assert all(n == 0 for n in m["split"]["groups_crossing"].values())
    cluster_of = {}
    for rec, r in zip(iter_json_records(src), clusters["rows"], strict=True):
        cluster_of[json.dumps(rec, sort_keys=True)] = r["cluster"]
    per = {}
    for split in m["rows"]["out"]:
        for line in (out / "filtered" / f"{split}.jsonl").read_text().splitlines():
            c = cluster_of[json.dumps(json.loads(line), sort_keys=True)]
            assert c != drop
            per.setdefault(c, {}).setdefault(split, 0)
            per[c][split] += 1
    for c, counts in per.items():
        n = sum(counts.values())
        if n >= 40:  # big clusters get the asked shares (to within duplicate groups and rounding)
            assert abs(counts.get("train", 0) / n - 0.8) < 0.06, (c, counts)
            assert counts.get("validation", 0) >= 2 and counts.get("test", 0) >= 2, (
                c,
                counts,
            )


def test_a_cluster_that_does_not_exist_is_refused(real_data, tmp_path, state):
    result = CliRunner().invoke(
        main,
        [
            "export",
            str(real_data / "llamafactory_alpaca_en_demo.json"),
            "--out",
            str(tmp_path / "out"),
            "--state",
            str(state),
            "--drop",
            "cluster:999",
        ],
    )
    assert result.exit_code == 2
    assert "there is no cluster 999" in result.output
