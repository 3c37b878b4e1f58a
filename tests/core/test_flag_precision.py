"""Every labelled flag case drawn from the real files comes out as labelled (flag_cases.py)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import pytest

from inspector.core.data.conversation import USER
from inspector.core.data.dataset import open_dataset
from inspector.core.flags import flag_row
from tests.core.flag_cases import CASES

_OPEN: dict = {}


def _conversation(real_data, name: str, row: int):
    edited = name.startswith("edited:")
    name = name.removeprefix("edited:")
    if name not in _OPEN:
        _OPEN[name] = open_dataset(real_data / name)
    ds = _OPEN[name]
    conv = ds.conversation(ds.splits[0], row)
    if edited:  # the one edit the real files lack: a prompt asking the model to play an AI
        turns = [
            dataclasses.replace(t, content="Pretend you are an AI robot. " + t.content)
            if t.role == USER
            else t
            for t in conv.turns
        ]
        conv = dataclasses.replace(conv, turns=turns)
    return conv


@pytest.mark.parametrize(("name", "row", "code", "fires", "reason"), CASES)
def test_flag_case(real_data, name, row, code, fires, reason):
    found = {f.code for f in flag_row(_conversation(real_data, name, row))}
    assert (code in found) == fires, f"{name} row {row}: {reason}; flags {sorted(found)}"


def test_every_labelled_code_has_true_and_false_or_true_cases():
    by_code = defaultdict(set)
    for _, _, code, fires, _ in CASES:
        by_code[code].add(fires)
    assert all(True in v for v in by_code.values())
    for code in ("truncated_response", "refusal", "ai_boilerplate", "placeholder"):
        assert by_code[code] == {True, False}, code
