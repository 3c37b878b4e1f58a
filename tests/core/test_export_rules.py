"""Drop rules and the evidence they read: parsing, scan/cluster JSON, precedence of sources."""

from __future__ import annotations

import json

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.errors import InputError
from inspector.core.export.evidence import Evidence
from inspector.core.export.rules import DropRule, parse_rules
from inspector.core.export.run import ExportSettings, export_dataset
from inspector.core.progress import run


def test_parse_rules():
    rules = parse_rules(["flag:refusal,dup:exact", "cluster:12", "contaminated", "dup:exact"])
    assert [r.reason for r in rules] == ["flag:refusal", "dup:exact", "cluster:12", "contaminated"]
    for bad in ("flag:", "dup:fuzzy", "cluster:x", "everything", "contaminated:yes"):
        with pytest.raises(InputError, match="not a rule"):
            DropRule.parse(bad)


def test_evidence_from_scan_json_reads_groups_flags_and_contamination():
    scan = {
        "flags": {"refusal": [{"split": "train", "row": 3}]},
        "duplicates": {
            "exact": [[{"split": "train", "row": 1}, {"split": "test", "row": 0}]],
            "near": [
                [
                    {"split": "train", "row": 5, "similarity": 1.0},
                    {"split": "train", "row": 9, "similarity": 0.83},
                ]
            ],
        },
        "contamination": [
            {"split": "train", "row": 7, "against": "t.jsonl", "item": 2},
            {"split": "train", "row": 7, "against": "u.jsonl", "item": 0},
        ],
        "settings": {"near_threshold": 0.8},
    }
    ev = Evidence.from_scan_json(json.loads(json.dumps(scan)))
    assert ev.flags == {"refusal": [("train", 3)]}
    assert ev.duplicates["near"] == [[("train", 5), ("train", 9)]]
    assert ev.contaminated == [("train", 7)]
    assert ev.clusters is None and ev.sources["scan"] == {"near_threshold": 0.8}
    grouped = Evidence.from_scan_json(
        {
            "duplicates": {
                "exact": [
                    {
                        "representative": {"split": "a", "row": 2},
                        "members": [{"split": "a", "row": 1}, {"split": "a", "row": 2}],
                    }
                ]
            }
        }
    )
    assert grouped.duplicates["exact"] == [[("a", 2), ("a", 1)]]


def test_cluster_rule_and_contaminated_rule_on_real_data(real_data, tmp_path):
    ds = open_dataset(real_data / "fastchat_dummy_conversation.json", state_dir=tmp_path / "s")
    ev = Evidence(contaminated=[("train", 0), ("train", 1)])
    ev.add_clusters_json(
        {
            "rows": [
                {"split": "train", "row": r, "cluster": r % 5, "x": 0.0, "y": 0.0}
                for r in range(500)
            ]
        },
        {"train": 500},
    )
    assert ev.clusters["train"][:6].tolist() == [0, 1, 2, 3, 4, 0]
    settings = ExportSettings(rules=parse_rules(["contaminated", "cluster:3"]))
    m = run(export_dataset(ds, tmp_path / "out", settings, evidence=ev)).manifest
    assert m["drops"] == {"contaminated": 2, "cluster:3": 100}
    assert m["rows"]["kept"] == 398


def test_person_beats_rule_and_replayed_log_beats_person(real_data, tmp_path):
    ds = open_dataset(real_data / "axolotl_alpaca.json", state_dir=tmp_path / "s")
    store = ds.triage()
    store.decide([("train", 0, ds.row_hash("train", 0))], "keep", reason="fine after all")
    store.close()
    ev = Evidence(flags={"refusal": [("train", 0), ("train", 1)]})
    settings = ExportSettings(rules=parse_rules(["flag:refusal"]))
    m = run(export_dataset(ds, tmp_path / "a", settings, evidence=ev)).manifest
    assert m["rows"]["kept"] == 1 and m["drops"] == {"flag:refusal": 1}
    log = tmp_path / "log.jsonl"
    log.write_text(
        json.dumps({"hash": ds.row_hash("train", 0), "decision": "drop", "reason": "from the log"})
        + "\n"
    )
    settings = ExportSettings(rules=parse_rules(["flag:refusal"]), decisions=log)
    m = run(export_dataset(ds, tmp_path / "b", settings, evidence=ev)).manifest
    assert m["rows"]["kept"] == 0
    assert m["drops"] == {"flag:refusal": 1, "from the log": 1}


def test_malformed_decisions_file_is_named_with_its_line(real_data, tmp_path):
    ds = open_dataset(real_data / "axolotl_alpaca.json", state_dir=tmp_path / "s")
    log = tmp_path / "log.jsonl"
    log.write_text('{"hash": "ab", "decision": "drop"}\n{"hash": 3\n')
    with pytest.raises(InputError, match=r"log.jsonl, line 2"):
        run(export_dataset(ds, tmp_path / "out", ExportSettings(decisions=log)))
    assert not (tmp_path / "out").exists()


def test_stratify_needs_clusters_and_uses_them(sample_data, tmp_path):
    ds = open_dataset(sample_data / "sft", state_dir=tmp_path / "s")
    dups = {"exact": [], "near": []}
    settings = ExportSettings(split=(0.8, 0.1, 0.1), stratify_clusters=True)
    with pytest.raises(InputError, match="cluster"):
        run(export_dataset(ds, tmp_path / "x", settings, evidence=Evidence(duplicates=dups)))
    ev = Evidence(duplicates=dups)
    sizes = {s: ds.num_rows(s) for s in ds.splits}
    ev.add_clusters_json(
        {
            "rows": [
                {"split": s, "row": r, "cluster": (r // 7) % 4}
                for s, n in sizes.items()
                for r in range(n)
            ]
        },
        sizes,
    )
    m = run(export_dataset(ds, tmp_path / "out", settings, evidence=ev)).manifest
    assert m["split"]["stratified_by"] == "clusters"
    assert m["rows"]["out"] == {"train": 400, "validation": 50, "test": 50}
