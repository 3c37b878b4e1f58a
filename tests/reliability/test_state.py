"""State is never lost and never ignored (issue 18, item 5): read-only and full state folders,
damaged stores and caches, --out and --force next to state and input, a full --out disk, and
the app's `d` when the store refuses it.

Read-only and full file systems are real: tmpfs mounts made in a private mount namespace
(`helpers.run_in_mounts`), gone when the command ends. Nothing is patched.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from inspector.core.cache import Cache
from inspector.core.data import open_dataset
from inspector.core.errors import InputError
from inspector.core.triage import StoreReadOnly, TriageStore
from tests.reliability.helpers import (
    alpaca_rows,
    assert_fine,
    assert_refused,
    invoke,
    run_in_mounts,
    write_jsonl,
)

#: Make `$M` a tmpfs holding the data (train.jsonl) with one decision saved (row 0 dropped
#: with reason "bad"), then make it read-only.
READ_ONLY_WITH_A_DECISION = """
M="{m}"; mkdir -p "$M"; mount -t tmpfs -o size=16m tmpfs "$M"
cp "{src}" "$M/train.jsonl"
$PY -c "
from inspector.core.data import open_dataset
ds = open_dataset('$M/train.jsonl'); st = ds.triage()
st.decide([('train', 0, ds.row_hash('train', 0))], 'drop', reason='bad'); st.close()"
mount -o remount,ro "$M"
"""


@pytest.fixture
def rows_file(tmp_path):
    return write_jsonl(tmp_path / "src" / "train.jsonl", alpaca_rows(40))


def test_read_only_state_scan_caches_elsewhere_and_says_where(tmp_path, rows_file):
    m = tmp_path / "ro"
    script = READ_ONLY_WITH_A_DECISION.format(m=m, src=rows_file) + (
        f'$INSPECTOR scan "$M" --json "{tmp_path}/scan.json"'
    )
    result = run_in_mounts(tmp_path, script)
    assert_fine(result)
    assert "cannot write here" in result.stderr and "Read-only file system" in result.stderr
    assert str(tmp_path / "xdg" / "inspector") in result.stderr  # the fallback, named
    assert json.loads((tmp_path / "scan.json").read_text())["flags"] is not None
    assert list((tmp_path / "xdg" / "inspector").glob("*/cache/scan/*.json"))  # cached there


def test_read_only_store_decisions_are_applied_by_export(tmp_path, rows_file):
    m, out = tmp_path / "ro", tmp_path / "out"
    script = READ_ONLY_WITH_A_DECISION.format(m=m, src=rows_file) + (
        f'$INSPECTOR export "$M/train.jsonl" --out "{out}" --json'
    )
    result = run_in_mounts(tmp_path, script)
    assert_fine(result)
    manifest = json.loads(result.stdout)
    assert manifest["rows"]["kept"] == 39
    assert manifest["drops"] == {"triage:bad": 1}


def test_read_only_store_is_said_read_only_and_d_does_not_crash_the_app(tmp_path, rows_file):
    m = tmp_path / "ro"
    script = READ_ONLY_WITH_A_DECISION.format(m=m, src=rows_file) + (
        '$PY -m tests.reliability.app_store_probe "$M/train.jsonl" "$M/.inspector" readonly'
    )
    result = run_in_mounts(tmp_path, script)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert any("read-only" in n for n in seen["notes"])
    assert seen["running"]
    assert seen["after_refusal"] == {"keep": 0, "drop": 1}  # the saved one, shown
    assert seen["mirror"] == {"keep": 0, "drop": 1}  # the view did not pretend either
    assert any("read-only" in msg and "triage.sqlite" in msg for msg in seen["messages"][1:])


def test_disk_full_mid_session_d_says_not_saved_and_the_app_lives(tmp_path, rows_file):
    m = tmp_path / "full"
    script = f"""
M="{m}"; mkdir -p "$M"; mount -t tmpfs -o size=3m tmpfs "$M"; cp "{rows_file}" "$M/train.jsonl"
$PY -m tests.reliability.app_store_probe "$M/train.jsonl" "$M/.inspector" fill "$M/filler"
"""
    result = run_in_mounts(tmp_path, script)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["first"] == {"keep": 0, "drop": 1}
    assert seen["running"]
    assert seen["after_refusal"] == {"keep": 0, "drop": 1}
    assert seen["mirror"] == {"keep": 0, "drop": 1}
    assert any("not saved" in msg and "disk is full" in msg for msg in seen["messages"])
    assert seen["after_freeing"] == {"keep": 0, "drop": 2}  # and it works again


def test_full_state_folder_falls_back_and_no_room_anywhere_is_exit_2(tmp_path, rows_file):
    small, xdg = tmp_path / "small", tmp_path / "xdg-small"
    script = f"""
mkdir -p "{small}" "{xdg}"; mount -t tmpfs -o size=1m tmpfs "{small}"
$INSPECTOR scan "{rows_file}" --state "{small}/state" > "{tmp_path}/one.out" 2>&1 || true
mount -t tmpfs -o size=1m tmpfs "{xdg}"
XDG_CACHE_HOME="{xdg}" $INSPECTOR scan "{rows_file}" --state "{small}/state"
"""
    result = run_in_mounts(tmp_path, script)
    first = (tmp_path / "one.out").read_text()
    assert "MiB free" in first and "caches are written to" in first and "Traceback" not in first
    assert_refused(result, str(small / "state"), str(xdg), "--state DIR")


def test_export_to_a_full_disk_is_exit_2_and_leaves_nothing(tmp_path, rows_file):
    disk = tmp_path / "disk"
    big = write_jsonl(tmp_path / "big" / "train.jsonl", alpaca_rows(4000))
    script = f"""
mkdir -p "{disk}"; mount -t tmpfs -o size=64k tmpfs "{disk}"
$INSPECTOR export "{big}" --out "{disk}/out" --state "{tmp_path}/state"
"""
    result = run_in_mounts(tmp_path, script)
    assert_refused(result, str(disk / "out"), "No space left on device", "nothing was written")
    assert "nothing was written" in result.stderr
    listing = run_in_mounts(tmp_path, f'mkdir -p "{disk}"; ls -A "{disk}" | wc -l')
    assert listing.stdout.strip() == "0"  # a fresh namespace: nothing leaks between mounts


def test_out_and_force_refuse_state_and_data_folders(tmp_path):
    data = write_jsonl(tmp_path / "data" / "train.jsonl", alpaca_rows(10))
    ds = open_dataset(data)
    store = ds.triage()
    store.decide([("train", 1, ds.row_hash("train", 1))], "drop", reason="keep me")
    store.close()
    state = ds.state_dir
    refused = invoke("export", data, "--out", state, "--force")
    assert_refused(refused, str(state), "outside it")
    assert TriageStore.open(state, ds.name).counts()["drop"] == 1  # not deleted
    other = write_jsonl(tmp_path / "other" / "train.jsonl", alpaca_rows(3))
    refused = invoke("export", data, "--out", other.parent, "--force")
    assert_refused(refused, "replaces an earlier export", "data files")
    assert other.is_file()
    elsewhere = tmp_path / "someone"
    (elsewhere / ".inspector").mkdir(parents=True)
    refused = invoke("export", data, "--out", elsewhere, "--force")
    assert_refused(refused, "inspector state")
    out = tmp_path / "out"
    assert invoke("export", data, "--out", out).exit_code == 0
    again = invoke("export", data, "--out", out, "--force")  # an earlier export: replaced
    assert again.exit_code == 0, again.output


def test_damaged_store_is_exit_2_for_export_and_open_and_no_store_goes_on(tmp_path):
    data = write_jsonl(tmp_path / "data" / "train.jsonl", alpaca_rows(10))
    state = tmp_path / "state"
    state.mkdir()
    (state / "triage.sqlite").write_bytes(b"this is not a database" * 100)
    export = invoke("export", data, "--out", tmp_path / "out", "--state", state)
    assert_refused(export, str(state / "triage.sqlite"), "cannot be read", "Move the file")
    opened = invoke("open", data, "--state", state, "--no-analyses")
    assert_refused(opened, str(state / "triage.sqlite"), "cannot be read")
    fine = invoke("export", data, "--out", tmp_path / "out", "--state", state, "--no-store")
    assert fine.exit_code == 0, fine.output


def test_read_only_store_refuses_changes_with_a_sentence(tmp_path):
    data = write_jsonl(tmp_path / "data" / "train.jsonl", alpaca_rows(4))
    ds = open_dataset(data, state_dir=tmp_path / "state")
    writer = ds.triage()
    writer.decide([("train", 0, ds.row_hash("train", 0))], "drop")
    writer.close()
    reader = TriageStore.open(tmp_path / "state", ds.name, read_only=True)
    assert reader.read_only and reader.counts()["drop"] == 1
    with pytest.raises(StoreReadOnly, match="read-only"):
        reader.decide([("train", 1, "h")], "drop")
    with pytest.raises(StoreReadOnly):
        reader.undo()
    reader.set_state("rows", {"cursor": 3})  # UI state: skipped, not an error
    reader.close()


def test_cache_that_cannot_be_written_keeps_the_result(tmp_path):
    data = write_jsonl(tmp_path / "data" / "train.jsonl", alpaca_rows(30))
    state = tmp_path / "state"
    (state / "cache").mkdir(parents=True)
    (state / "cache" / "scan").write_text("a file where the cache folder should be")
    result = invoke("scan", data, "--state", state, "--json", tmp_path / "scan.json")
    assert_fine(result)
    assert "cannot write the cache" in result.stderr and "not cached" in result.stderr
    assert "flags" in json.loads((tmp_path / "scan.json").read_text())
    cache = Cache(state)
    assert cache.put_json("scan", "k", {"a": 1}) is None and cache.problems


def test_damaged_cache_entries_are_recomputed(tmp_path):
    data = write_jsonl(tmp_path / "data" / "train.jsonl", alpaca_rows(30))
    state = tmp_path / "state"
    first = invoke("scan", data, "--state", state, "--json", tmp_path / "a.json")
    assert_fine(first)
    for entry in (state / "cache" / "scan").glob("*.json"):
        entry.write_bytes(b"\x00\xff garbage {")
    second = invoke("scan", data, "--state", state, "--json", tmp_path / "b.json")
    assert_fine(second)
    assert json.loads((tmp_path / "a.json").read_text()) == json.loads(
        (tmp_path / "b.json").read_text()
    )


def test_damaged_embeddings_are_recomputed_without_pickle_advice(tmp_path):
    from inspector.core.progress import run
    from inspector.core.semantic.embed import embed_dataset

    data = write_jsonl(tmp_path / "data" / "train.jsonl", alpaca_rows(50))
    ds = open_dataset(data, state_dir=tmp_path / "state")
    first = run(embed_dataset(ds, model="tfidf"))
    vectors = first.vectors.copy()
    del first
    for f in (tmp_path / "state" / "cache" / "embeddings").glob("*.npy"):
        f.write_bytes(b"\x80\x04 not an array, it looks like a pickle")
    again = run(embed_dataset(ds, model="tfidf"))
    assert again.vectors.shape == vectors.shape
    assert (abs(again.vectors - vectors) < 1e-5).all()


def test_no_writable_state_anywhere_is_an_input_error(tmp_path):
    from inspector.core.state import prepare_state

    data = write_jsonl(tmp_path / "data" / "train.jsonl", alpaca_rows(3))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    ds = open_dataset(data, state_dir=blocker / "state")  # under a file: never creatable
    ds.cache  # noqa: B018 - created before the check moves it
    import os

    os.environ["XDG_CACHE_HOME"] = str(blocker / "xdg")
    try:
        with pytest.raises(InputError, match="--state DIR"):
            prepare_state(ds, store="read")
    finally:
        del os.environ["XDG_CACHE_HOME"]


def test_sqlite_errors_never_escape_as_sqlite(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    db = sqlite3.connect(state / "triage.sqlite")
    db.execute("CREATE TABLE unrelated(x)")
    db.commit()
    db.close()
    with pytest.raises(InputError):
        TriageStore.open(state, "d", read_only=True)
