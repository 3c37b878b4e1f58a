"""Filtered export on real data: round trip through `inspector info`, decisions from the triage
store, rules, replay of decisions.jsonl on a shuffled copy, containers, byte-identical reruns."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import datasets
import pytest
from click.testing import CliRunner

from inspector.cli import main
from inspector.core.data.dataset import open_dataset
from inspector.core.data.files import iter_json_records
from inspector.core.errors import InputError
from inspector.core.export.evidence import Evidence
from inspector.core.export.manifest import read_manifest
from inspector.core.export.rules import DropRule, parse_rules
from inspector.core.export.run import ExportSettings, export_dataset
from inspector.core.progress import run

#: The real datasets `inspector info` loads (the others are benchmarks or metadata).
LOADABLE = [
    "axolotl_alpaca.json",
    "axolotl_conversation.json",
    "fastchat_dummy_conversation.json",
    "hh-rlhf_harmless-base_test.jsonl.gz",
    "llamafactory_alpaca_en_demo.json",
    "llamafactory_c4_demo.jsonl",
    "llamafactory_dpo_en_demo.json",
    "llamafactory_glaive_toolcall_en_demo.json",
    "llamafactory_kto_en_demo.json",
    "openai-cookbook_toy_chat_fine_tuning.jsonl",
    "rasbt_instruction-data.json",
    "rasbt_instruction-examples_with-dups.json",
]


def info_json(path: Path) -> dict:
    result = CliRunner().invoke(main, ["info", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def records_of(folder: Path) -> list[dict]:
    out = []
    for f in sorted(folder.glob("*.jsonl")):
        out.extend(json.loads(line) for line in f.read_text(encoding="utf-8").splitlines())
    return out


def drop_in_store(ds, rows, reason="manual"):
    store = ds.triage()
    split = ds.splits[0]
    store.decide([(split, r, ds.row_hash(split, r)) for r in rows], "drop", reason=reason)
    store.close()


def tree_bytes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("name", LOADABLE)
def test_filtered_round_trip_keeps_format_and_kept_rows(real_data, tmp_path, name):
    src = real_data / name
    ds = open_dataset(src, state_dir=tmp_path / "state")
    split = ds.splits[0]
    n = ds.num_rows(split)
    dropped = [r for r in (0, 2, n - 1) if r < n] if n > 2 else []
    if dropped:
        drop_in_store(ds, dropped, reason="checked by hand")
    result = run(export_dataset(ds, tmp_path / "out"))
    info = info_json(tmp_path / "out" / "filtered")
    before = info_json(src)
    assert info["format"] == before["format"] == ds.format
    assert info["rows"] == n - len(dropped) == result.manifest["rows"]["kept"]
    assert list(info["splits"]) == ds.splits
    assert result.manifest["drops"] == ({"triage:checked by hand": len(dropped)} if dropped else {})
    # The kept records are the input's own records, unchanged and in order.
    original = list(iter_json_records(src))
    expected = [r for i, r in enumerate(original) if i not in set(dropped)]
    assert records_of(tmp_path / "out" / "filtered") == expected


def test_jsonl_records_are_copied_byte_for_byte(real_data, tmp_path):
    src = real_data / "openai-cookbook_toy_chat_fine_tuning.jsonl"
    ds = open_dataset(src, state_dir=tmp_path / "state")
    run(export_dataset(ds, tmp_path / "out"))
    assert (tmp_path / "out/filtered/train.jsonl").read_bytes() == src.read_bytes().rstrip(
        b"\n"
    ) + b"\n"


@pytest.mark.parametrize("container", ["parquet", "arrow"])
def test_other_containers_load_with_datasets_and_keep_the_format(real_data, tmp_path, container):
    src = real_data / "llamafactory_glaive_toolcall_en_demo.json"
    ds = open_dataset(src, state_dir=tmp_path / "state")
    drop_in_store(ds, [1, 5])
    run(export_dataset(ds, tmp_path / "out", ExportSettings(container=container)))
    out = tmp_path / "out" / "filtered" / f"train.{container}"
    loaded = datasets.load_dataset(container, data_files=str(out), split="train")
    assert loaded.num_rows == 298
    assert loaded[0] == ds.raw_row("train", 0)
    assert loaded[1] == ds.raw_row("train", 2)
    assert info_json(out.parent)["format"] == "sharegpt"


def test_rules_drop_by_evidence_and_dup_rules_keep_one_survivor(real_data, tmp_path):
    ds = open_dataset(real_data / "llamafactory_alpaca_en_demo.json", state_dir=tmp_path / "s")
    # Exact duplicate groups by plain equality of the raw rows (the scan's job in the CLI).
    by_content: dict[str, list] = {}
    for row in range(ds.num_rows("train")):
        by_content.setdefault(ds.row_hash("train", row), []).append(("train", row))
    groups = [g for g in by_content.values() if len(g) > 1]
    assert len(groups) == 13
    rep = groups[0][0]
    evidence = Evidence(flags={"refusal": [rep, ("train", 500)]}, duplicates={"exact": groups})
    settings = ExportSettings(rules=parse_rules(["flag:refusal", "dup:exact"]))
    m = run(export_dataset(ds, tmp_path / "out", settings, evidence=evidence)).manifest
    extra = sum(len(g) - 1 for g in groups)
    assert m["drops"] == {"flag:refusal": 2, "dup:exact": extra - 1}  # rep's copy survives
    assert m["rows"]["kept"] == 999 - 2 - (extra - 1)
    kept = records_of(tmp_path / "out" / "filtered")
    texts = [json.dumps(r, sort_keys=True) for r in kept]
    assert len(texts) == len(set(texts))  # no exact duplicate left
    assert json.dumps(ds.raw_row(*rep), sort_keys=True) in texts  # a copy of the group stayed


def test_rule_without_its_evidence_is_an_error(real_data, tmp_path):
    ds = open_dataset(real_data / "axolotl_alpaca.json", state_dir=tmp_path / "s")
    with pytest.raises(InputError, match="dup:near"):
        run(
            export_dataset(
                ds,
                tmp_path / "out",
                ExportSettings(rules=(DropRule("dup", "near"),)),
                evidence=Evidence(),
            )
        )
    assert not (tmp_path / "out").exists()
    with pytest.raises(InputError, match="not a rule"):
        parse_rules(["dup:fuzzy"])


def test_decisions_replay_on_a_shuffled_copy_keeps_the_same_rows(real_data, tmp_path):
    src = real_data / "llamafactory_alpaca_en_demo.json"  # has exact duplicates: occurrences count
    ds = open_dataset(src, state_dir=tmp_path / "s1")
    by_content: dict[str, list] = {}
    for row in range(ds.num_rows("train")):
        by_content.setdefault(ds.row_hash("train", row), []).append(("train", row))
    groups = [g for g in by_content.values() if len(g) > 1]
    drop_in_store(ds, [3, 10, 200, 201, 998], reason="off topic")
    store = ds.triage()
    store.decide([("train", 7, ds.row_hash("train", 7))], "keep", reason="good one")
    store.close()
    settings = ExportSettings(rules=parse_rules(["dup:exact"]))
    first = run(
        export_dataset(
            ds, tmp_path / "a", settings, evidence=Evidence(duplicates={"exact": groups})
        )
    ).manifest
    log = [json.loads(x) for x in (tmp_path / "a/decisions.jsonl").read_text().splitlines()]
    assert len(log) == first["rows"]["dropped"] + 1
    assert {"hash", "decision", "reason", "split", "row"} <= set(log[0])

    records = list(iter_json_records(src))
    random.Random(0).shuffle(records)
    copy = tmp_path / "shuffled.json"
    copy.write_text(json.dumps(records), encoding="utf-8")
    ds2 = open_dataset(copy, state_dir=tmp_path / "s2")
    second = run(
        export_dataset(
            ds2, tmp_path / "b", ExportSettings(decisions=tmp_path / "a/decisions.jsonl")
        )
    ).manifest
    assert second["decisions"]["replayed"]["matched"] == len(log)
    assert second["decisions"]["replayed"]["unmatched"] == 0
    assert second["drops"] == first["drops"]

    def key(r):
        return json.dumps(r, sort_keys=True)

    assert sorted(map(key, records_of(tmp_path / "b/filtered"))) == sorted(
        map(key, records_of(tmp_path / "a/filtered"))
    )


def test_stale_store_decisions_are_not_applied_to_changed_rows(real_data, tmp_path):
    records = list(iter_json_records(real_data / "axolotl_alpaca.json"))
    src = tmp_path / "data.json"
    src.write_text(json.dumps(records))
    ds = open_dataset(src, state_dir=tmp_path / "s")
    drop_in_store(ds, [0, 1])
    records[0]["output"] += " (edited)"
    src.write_text(json.dumps(records))
    ds = open_dataset(src, state_dir=tmp_path / "s")
    m = run(export_dataset(ds, tmp_path / "out")).manifest
    assert m["decisions"]["store"] == {"applied": 1, "stale": 1}
    assert records_of(tmp_path / "out/filtered") == [records[0]]


def test_same_inputs_and_settings_give_byte_identical_folders(real_data, tmp_path):
    ds = open_dataset(real_data / "fastchat_dummy_conversation.json", state_dir=tmp_path / "s")
    drop_in_store(ds, [4, 40, 400])
    groups = [[("train", i), ("train", i + 1)] for i in range(0, 60, 3)]
    for container in (None, "parquet", "arrow"):
        settings = ExportSettings(container=container, split=(0.8, 0.1, 0.1), seed=11)
        ev = Evidence(duplicates={"exact": groups, "near": []})
        a = run(export_dataset(ds, tmp_path / f"a{container}", settings, evidence=ev))
        b = run(export_dataset(ds, tmp_path / f"b{container}", settings, evidence=ev))
        assert tree_bytes(a.path) == tree_bytes(b.path)
        assert a.manifest["split"]["groups_crossing"] == {"exact": 0, "near": 0}
    assert len(tree_bytes(tmp_path / "aNone")) == 5  # 3 splits, decisions, manifest


def test_resplit_pools_input_splits_and_reports_no_group_crossing(sample_data, tmp_path):
    ds = open_dataset(sample_data / "sft", state_dir=tmp_path / "s")
    assert ds.splits == ["train", "validation"]
    n = ds.total_rows
    groups = [[("train", i), ("validation", i)] for i in range(0, 20, 2)]
    ev = Evidence(duplicates={"exact": groups, "near": [[("train", 1), ("train", 3)]]})
    m = run(
        export_dataset(ds, tmp_path / "out", ExportSettings(split=(0.85, 0.10, 0.05)), evidence=ev)
    ).manifest
    assert sum(m["rows"]["out"].values()) == n
    assert m["split"]["groups_crossing"] == {"exact": 0, "near": 0}
    assert m["split"]["groups"] == {"exact": 10, "near": 1}
    info = info_json(tmp_path / "out" / "filtered")
    assert info["splits"] == {k: {"rows": v, "problems": 0} for k, v in m["rows"]["out"].items()}


def test_keeping_the_input_splits_reports_their_leakage(sample_data, tmp_path):
    ds = open_dataset(sample_data / "sft", state_dir=tmp_path / "s")
    groups = [[("train", 0), ("validation", 0)], [("train", 1), ("train", 2)]]
    m = run(
        export_dataset(ds, tmp_path / "out", evidence=Evidence(duplicates={"exact": groups}))
    ).manifest
    assert m["split"]["mode"] == "input"
    assert m["split"]["groups_crossing"] == {"exact": 1}


def test_resplit_needs_duplicate_groups(real_data, tmp_path):
    ds = open_dataset(real_data / "axolotl_alpaca.json", state_dir=tmp_path / "s")
    with pytest.raises(InputError, match="duplicate groups"):
        run(export_dataset(ds, tmp_path / "out", ExportSettings(split=(0.9, 0.1))))
    assert not (tmp_path / "out").exists()
    assert not any(p.name.startswith(".out") for p in tmp_path.iterdir())


def test_manifest_states_inputs_counts_and_settings(real_data, tmp_path):
    src = real_data / "rasbt_instruction-data.json"
    ds = open_dataset(src, state_dir=tmp_path / "s")
    drop_in_store(ds, range(10), reason="too short")
    m = read_manifest(run(export_dataset(ds, tmp_path / "out")).path)
    assert m["tool"]["name"] == "inspector" and m["tool"]["version"]
    assert m["input"]["fingerprint"] == ds.fingerprint
    assert m["input"]["files"] == [{"path": str(src), "bytes": src.stat().st_size}]
    assert m["rows"] == {"in": {"train": 1100}, "kept": 1090, "dropped": 10, "out": {"train": 1090}}
    assert m["drops"] == {"triage:too short": 10}
    f = m["outputs"]["filtered"]["files"]["train"]
    assert f["rows"] == 1090
    data = (tmp_path / "out" / f["path"]).read_bytes()
    assert f["sha256"] == hashlib.sha256(data).hexdigest() and f["bytes"] == len(data)


def test_rows_that_cannot_be_read_are_dropped_and_reported(tmp_path):
    src = tmp_path / "chat.jsonl"

    def chat(*turns):
        return {"messages": [{"role": r, "content": c} for r, c in turns]}

    rows = [
        chat(("user", "hi"), ("assistant", "yo")),
        chat(("wizard", "??")),
        chat(("user", "a"), ("assistant", "b")),
    ]
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    ds = open_dataset(src, state_dir=tmp_path / "s")
    m = run(export_dataset(ds, tmp_path / "out")).manifest
    assert m["decisions"]["invalid_rows"]["count"] == 1
    assert m["decisions"]["invalid_rows"]["first"][0]["row"] == 1
    assert m["drops"] == {"invalid_row": 1}
    assert records_of(tmp_path / "out/filtered") == [rows[0], rows[2]]


def test_input_is_never_modified_and_no_state_is_created(real_data, tmp_path):
    records = list(iter_json_records(real_data / "axolotl_alpaca.json"))
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.json").write_text(json.dumps(records))
    before = tree_bytes(data)
    ds = open_dataset(data)
    run(export_dataset(ds, tmp_path / "out"))
    assert tree_bytes(data) == before
    assert sorted(p.name for p in data.iterdir()) == ["train.json"]
    with pytest.raises(InputError, match="input"):
        run(export_dataset(ds, tmp_path, ExportSettings(force=True)))
    assert tree_bytes(data) == before and (tmp_path / "out" / "manifest.json").is_file()


@pytest.mark.parametrize("name", LOADABLE)
def test_batched_row_hashes_equal_the_datasets_row_hash(real_data, tmp_path, name):
    from inspector.core.export.decision_log import row_hashes

    ds = open_dataset(real_data / name, state_dir=tmp_path / "s")
    split = ds.splits[0]
    n = min(ds.num_rows(split), 60)
    want = [ds.row_hash(split, r) for r in range(n)]
    assert [h for _, h in row_hashes(ds, split, batch=7)][:n] == want
    picked = list(range(0, n, 3))
    assert [h for _, h in row_hashes(ds, split, picked, batch=5)] == want[::3]


def test_parquet_csv_and_saved_inputs_round_trip_in_their_own_container(real_data, tmp_path):
    records = list(iter_json_records(real_data / "rasbt_instruction-data.json"))[:60]
    d = datasets.Dataset.from_list(records)
    datasets.DatasetDict(
        {"train": d.select(range(50)), "test": d.select(range(50, 60))}
    ).save_to_disk(str(tmp_path / "saved"))
    (tmp_path / "pq").mkdir()
    d.to_parquet(str(tmp_path / "pq" / "train.parquet"))
    d.to_csv(str(tmp_path / "data.csv"), index=False)
    expect = {
        "saved": ("arrow", {"train": 49, "test": 10}),
        "pq": ("parquet", {"train": 59}),
        "data.csv": ("jsonl", {"train": 59}),
    }
    for name, (kind, rows) in expect.items():
        ds = open_dataset(tmp_path / name, state_dir=tmp_path / "s")
        drop_in_store(ds, [0])
        store_name = ds.name
        m = run(export_dataset(ds, tmp_path / f"out-{store_name}")).manifest
        assert m["outputs"]["filtered"]["as"] == kind
        info = info_json(tmp_path / f"out-{store_name}" / "filtered")
        assert info["format"] == "alpaca"
        assert {k: v["rows"] for k, v in info["splits"].items()} == rows


def test_split_of_rasbt_with_dups_keeps_every_duplicate_group_in_one_split(real_data, tmp_path):
    """The acceptance split: groups from the real scan (prompt near-duplicates at character
    3-gram Jaccard >= 0.75, which finds the README's pairs), 85/10/5, several seeds."""
    from inspector.core.scan.run import ScanSettings, scan

    ds = open_dataset(real_data / "rasbt_instruction-examples_with-dups.json", state_dir=tmp_path)
    result = run(scan(ds, ScanSettings(prompt_threshold=0.75), use_cache=False))
    evidence = Evidence.from_scan_json(result.to_json())
    pairs = [(73, 74), (42, 105), (103, 109)]  # the README's exact and near pairs
    for seed in range(5):
        settings = ExportSettings(split=(0.85, 0.10, 0.05), seed=seed)
        out = tmp_path / f"out{seed}"
        m = run(export_dataset(ds, out, settings, evidence=evidence)).manifest
        assert set(m["split"]["groups_checked"]) >= {"exact", "near", "prompt", "near_prompt"}
        assert all(n == 0 for n in m["split"]["groups_crossing"].values())
        assert m["rows"]["out"] == {"train": 170, "validation": 20, "test": 10}
        where = {}
        for split in m["rows"]["out"]:
            for rec in records_of_file(out / "filtered" / f"{split}.jsonl"):
                where.setdefault(rec["instruction"], set()).add(split)
        originals = list(iter_json_records(real_data / "rasbt_instruction-examples_with-dups.json"))
        for a, b in pairs:
            sa = where[originals[a]["instruction"]]
            sb = where[originals[b]["instruction"]]
            assert len(sa) == 1 and sa == sb, (seed, a, b, sa, sb)


def records_of_file(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_cancelling_midway_leaves_nothing(real_data, tmp_path):
    import threading

    from inspector.core.progress import Cancelled, drain

    ds = open_dataset(real_data / "hh-rlhf_harmless-base_test.jsonl.gz", state_dir=tmp_path / "s")
    cancel = threading.Event()
    steps = []

    def on_progress(p):
        steps.append(p.step)
        if p.step == "writing filtered rows":
            cancel.set()

    with pytest.raises(Cancelled):
        drain(export_dataset(ds, tmp_path / "out", cancel=cancel), on_progress)
    assert "writing filtered rows" in steps
    assert list(tmp_path.iterdir()) == []  # no target, no staging folder, no state
