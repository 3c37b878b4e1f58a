"""The whole scan over sample_data/: every planted defect, duplicate, benchmark copy and leak
found with the planted code; the JSON layout; the cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.progress import Progress, drain, run
from inspector.core.scan.run import ScanSettings, scan

MAX_LENGTH = 2048  # the length the manifest's too_long / no_trained_tokens rows are planted for


@pytest.fixture(scope="module")
def manifest(sample_data) -> dict:
    path = sample_data / "manifest.json"
    if not path.is_file():
        pytest.skip(f"{path} not found (sample data not generated)")
    return json.loads(path.read_text())


def _token_facts(ds) -> dict:
    """The tokens layer's facts for every split: embedded Mistral 7B tokenizer, the default
    template (Alpaca for Alpaca data), completion-only masking, truncation at MAX_LENGTH."""
    from inspector.core.scan.run import collect_token_facts
    from inspector.core.tokens.tokenize import TokenPipeline, TokenSettings
    from inspector.core.tokens.tokenizer import load_tokenizer

    pipe = TokenPipeline(load_tokenizer(None), TokenSettings(max_length=MAX_LENGTH), fmt=ds.format)
    return run(collect_token_facts(ds, pipe))


@pytest.mark.parametrize("name", ["sft", "chat", "preference"])
def test_every_planted_defect_is_found(sample_data, manifest, name, tmp_path):
    spec = manifest["datasets"][name]
    ds = open_dataset(sample_data / spec["path"], state_dir=tmp_path)
    planted_codes = {d["code"] for d in spec["defects"]}
    facts = _token_facts(ds) if planted_codes & {"too_long", "no_trained_tokens"} else None
    against = tuple(str(sample_data / spec["against"]) for _ in [0] if "against" in spec)
    settings = ScanSettings(max_length=MAX_LENGTH, against=against)
    result = run(scan(ds, settings, token_facts=facts, use_cache=False))
    out = result.to_json()

    for d in spec["defects"]:
        assert {"split": d["split"], "row": d["row"]} in out["flags"].get(d["code"], []), d
    # Planted codes are not scattered over clean rows: at most the planted rows carry them.
    for code in planted_codes - {"length_bias"}:
        planted = {(d["split"], d["row"]) for d in spec["defects"] if d["code"] == code}
        flagged = {(r["split"], r["row"]) for r in out["flags"][code]}
        assert flagged - planted == set() or code == "same_role_twice", code

    for kind, groups in spec.get("duplicates", {}).items():
        found = [{(m["split"], m["row"]) for m in g} for g in out["duplicates"][kind]]
        for g in groups:
            assert any({(m["split"], m["row"]) for m in g} <= f for f in found), (kind, g)

    for c in spec.get("contamination", []):
        hit = [h for h in out["contamination"] if (h["split"], h["row"]) == (c["split"], c["row"])]
        assert hit and hit[0]["item"] == c["item"], c
        assert hit[0]["against"] == Path(spec["against"]).name
        assert hit[0]["ngram"] and hit[0]["item_text"]
    if "contamination" in spec:
        planted = {(c["split"], c["row"]) for c in spec["contamination"]}
        assert {(h["split"], h["row"]) for h in out["contamination"]} == planted

    for leak in spec.get("leakage", []):
        rows = {(m["split"], m["row"]) for m in leak}
        assert any(rows <= {(m["split"], m["row"]) for m in g["rows"]} for g in out["leakage"])


def test_json_layout_and_cache(sample_data, manifest, tmp_path):
    ds = open_dataset(sample_data / "chat", state_dir=tmp_path)
    steps: list[Progress] = []
    first = drain(scan(ds), steps.append)
    assert any(p.step == "scanning rows" for p in steps)
    out = first.to_json()
    for key in ("flags", "duplicates", "contamination", "leakage", "findings", "problems"):
        assert key in out
    assert set(out["duplicates"]) >= {"exact", "near", "prompt"}
    finding = out["findings"][0]
    assert {"split", "row", "code", "severity", "evidence"} <= set(finding)
    json.dumps(out)  # plain JSON all the way down

    again: list[Progress] = []
    second = drain(scan(open_dataset(sample_data / "chat", state_dir=tmp_path)), again.append)
    assert [p.step for p in again] == ["loading cached scan"]
    assert second.to_json() == out
    changed: list[Progress] = []
    drain(scan(ds, ScanSettings(near_threshold=0.9)), changed.append)
    assert changed[0].step != "loading cached scan"


def test_cancel_stops_a_scan(sample_data, tmp_path):
    import threading

    from inspector.core.progress import Cancelled

    ds = open_dataset(sample_data / "sft", state_dir=tmp_path)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        run(scan(ds, use_cache=False, cancel=cancel))
