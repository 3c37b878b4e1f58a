"""The input-format registry: every format is one class, listed once, found by its columns."""

from __future__ import annotations

import pytest

from inspector.core.data import FORMATS
from inspector.core.data.dataset import open_dataset
from inspector.core.data.formats.base import InputFormat
from inspector.core.data.formats.registry import (
    BY_NAME,
    DETECTION_ORDER,
    REGISTRY,
    check_forced,
    detect_format,
)
from inspector.core.errors import InputError


def test_registry_is_the_one_list_of_formats():
    assert FORMATS == tuple(f.name for f in REGISTRY)
    assert len(set(FORMATS)) == len(FORMATS)
    assert all(isinstance(f, InputFormat) for f in REGISTRY)
    assert len({f.rank for f in REGISTRY}) == len(REGISTRY)  # detection order is explicit
    for fmt in REGISTRY:
        assert fmt.expects and fmt.needs


@pytest.mark.parametrize("name", FORMATS)
def test_each_format_is_detected_from_the_columns_it_needs(name):
    """The columns `--format NAME` asks for are detected as NAME when nothing else is there
    (for the two turn-list styles the item keys decide, so give them)."""
    fmt = BY_NAME[name]
    columns = sorted(fmt.needs[0])
    view = {c: c for c in columns}
    features = {c: None for c in columns}
    if name in ("messages", "sharegpt", "unpaired_preference"):

        class Items:
            feature = (
                {"from": None, "value": None} if name == "sharegpt" else {"role": None, "c": None}
            )

        features = {c: Items() for c in columns}
    assert detect_format("x", view, features) == name
    check_forced("x", name, view)  # no error


def test_forced_format_without_its_columns_names_them(tmp_path):
    with pytest.raises(InputError, match=r"--format alpaca needs the columns .*--map"):
        check_forced(tmp_path, "alpaca", {"question": "question", "answer": "answer"})


def test_detection_tries_specific_formats_first():
    order = [f.name for f in DETECTION_ORDER]
    assert order.index("preference") < order.index("messages") < order.index("text")


def test_sample_data_formats(sample_data):
    got = {d: open_dataset(sample_data / d).format for d in ("sft", "chat", "preference")}
    assert got == {"sft": "alpaca", "chat": "messages", "preference": "preference"}
