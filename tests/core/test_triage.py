"""The triage store: decisions persist at once, undo/redo without limit, concurrent writers."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3

from inspector.core.data.dataset import open_dataset
from inspector.core.triage import DROP, KEEP, TriageStore


def test_decide_undo_redo_and_reopen(tmp_path):
    store = TriageStore.open(tmp_path, "data.jsonl")
    store.decide([("train", 3, "h3")], DROP, "refusal")
    store.decide([("train", i, f"h{i}") for i in range(10, 20)], DROP, "dup", label="drop dups")
    store.decide([("train", 3, "h3")], KEEP)
    assert store.decision("train", 3).decision == KEEP
    assert store.counts() == {KEEP: 1, DROP: 10}
    assert store.undo() == "keep 1 row(s)"
    assert (
        store.decision("train", 3).decision == DROP
        and store.decision("train", 3).reason == "refusal"
    )
    assert store.undo() == "drop dups"
    assert store.counts() == {KEEP: 0, DROP: 1}
    assert store.undo() is not None and store.undo() is None  # nothing left to undo
    assert store.decisions() == {}
    assert store.redo() is not None and store.redo() == "drop dups"
    assert store.counts() == {KEEP: 0, DROP: 11}
    store.close()
    again = TriageStore.open(tmp_path, "data.jsonl")  # a new process would see the same
    assert again.counts() == {KEEP: 0, DROP: 11}
    assert again.redo() == "keep 1 row(s)"
    # a new action after undo drops the redo branch
    again.undo()
    again.decide([("train", 5, "h5")], KEEP)
    assert again.redo() is None
    assert TriageStore.open(tmp_path, "other.jsonl").counts() == {KEEP: 0, DROP: 0}


def test_ui_state_roundtrip(tmp_path):
    store = TriageStore.open(tmp_path, "d")
    store.set_state("cursor", {"split": "train", "row": 41})
    store.set_state("cursor", {"split": "train", "row": 42})
    assert TriageStore.open(tmp_path, "d").get_state("cursor") == {"split": "train", "row": 42}


def _writer(path, offset, n):
    store = TriageStore.open(path, "shared")
    for i in range(n):
        store.decide([("train", offset + i, None)], DROP if i % 2 else KEEP)
        if i % 10 == 9:
            store.undo()
            store.redo()


def test_two_writers_do_not_corrupt(tmp_path):
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(tmp_path, k * 1000, 60)) for k in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    db = sqlite3.connect(tmp_path / "triage.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = TriageStore.open(tmp_path, "shared")
    assert len(store.decisions()) == 120


def test_dataset_rows_hash_by_content(real_data, tmp_path):
    ds = open_dataset(real_data / "llamafactory_alpaca_en_demo.json", state_dir=tmp_path)
    hashes = [ds.row_hash("train", i) for i in range(50)]
    assert len(set(hashes)) == len(hashes)
    assert ds.row_hash("train", 7) == open_dataset(
        real_data / "llamafactory_alpaca_en_demo.json"
    ).row_hash("train", 7)
    store = ds.triage()
    store.decide([("train", 7, hashes[7])], DROP, "test")
    assert ds.triage().decision("train", 7).content_hash == hashes[7]
    assert (tmp_path / "triage.sqlite").exists()


def test_two_instances_undo_only_their_own_actions(tmp_path):
    a = TriageStore.open(tmp_path, "d")
    b = TriageStore.open(tmp_path, "d")
    a.decide([("train", 1, None)], DROP, label="a drops 1")
    b.decide([("train", 2, None)], DROP, label="b drops 2")
    assert a.undo() == "a drops 1"  # not b's later action
    assert b.decision("train", 2).decision == DROP
    b.decide([("train", 3, None)], KEEP, label="b keeps 3")  # does not cut a's redo
    assert a.redo() == "a drops 1"
    assert set(a.decisions()) == {("train", 1), ("train", 2), ("train", 3)}


def test_an_instance_never_takes_over_actions_made_after_it_opened(tmp_path):
    a = TriageStore.open(tmp_path, "d")
    b = TriageStore.open(tmp_path, "d")
    b.decide([("train", 0, None)], DROP, label="b drops 0")
    assert a.undo() is None  # b is still running: its action is not a's to undo
    assert b.decision("train", 0).decision == DROP
    a.close()
    b.close()
    later = TriageStore.open(tmp_path, "d")  # a reopened app takes over the earlier session
    assert later.undo() == "b drops 0"
    assert later.decision("train", 0) is None


def test_changed_elsewhere_sees_other_writers_only(tmp_path):
    a = TriageStore.open(tmp_path, "d")
    b = TriageStore.open(tmp_path, "d")
    assert not a.changed_elsewhere()
    a.decide([("train", 1, None)], KEEP)
    assert not a.changed_elsewhere()  # its own write
    b.decide([("train", 2, None)], DROP)
    assert a.changed_elsewhere()
    assert not a.changed_elsewhere()  # reported once
    assert a.decision("train", 2).decision == DROP
