"""The staging folder: nothing at the target until commit, inputs protected, leftovers swept."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from inspector.core.errors import InputError
from inspector.core.export.staging import PARTIAL, Staging


def test_commit_moves_the_folder_into_place(tmp_path):
    target = tmp_path / "out"
    st = Staging(target)
    root = st.open()
    (root / "a.txt").write_text("x")
    assert not target.exists() and root.parent == tmp_path and root.name.startswith(".out")
    st.commit()
    assert (target / "a.txt").read_text() == "x"
    assert not root.exists()


def test_existing_target_is_refused_without_force_and_replaced_with_it(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "old.log").write_text("old")
    with pytest.raises(InputError, match="--force"):
        Staging(target).open()
    st = Staging(target, force=True)
    (st.open() / "new.txt").write_text("new")
    st.commit()
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no leftovers


def test_target_holding_the_input_is_refused_even_with_force(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text("{}\n")
    for target in (data, tmp_path, data / "train.jsonl"):
        with pytest.raises(InputError, match="input"):
            Staging(target, force=True, protect=[data / "train.jsonl"]).open()


def test_abort_and_exceptions_leave_nothing(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with Staging(target) as st:
            (st.root / "f").write_text("x")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_sweep_removes_folders_of_dead_processes_only(tmp_path):
    target = tmp_path / "out"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stale = tmp_path / f".out{PARTIAL}{dead}-abcd"
    live = tmp_path / f".out{PARTIAL}{os.getpid()}-ef01"
    stale.mkdir()
    live.mkdir()
    assert Staging(target).sweep() == [stale]
    assert live.exists() and not stale.exists()
