"""Mutated real rows, for a bounded time: every command ends with exit 0, 1 or 2 and no
traceback (issue 18, item 8).

Rows of real datasets are mutated by a seeded generator (truncated files, flipped bytes,
values of another type, deep nesting, dropped keys), written as JSON Lines or JSON arrays and
read by `info`, `scan` and `export` in one driver subprocess (`tests.reliability.drive`), so a
crash names the case that caused it. The run stops starting cases after `SECONDS`.
"""

from __future__ import annotations

import json
import random

import pytest

from tests.reliability.helpers import drive

SECONDS = 40
CASES = 400
SOURCES = (
    "llamafactory_alpaca_en_demo.json",
    "fastchat_dummy_conversation.json",
    "openai-cookbook_toy_chat_fine_tuning.jsonl",
    "llamafactory_kto_en_demo.json",
    "llamafactory_dpo_en_demo.json",
    "llamafactory_glaive_toolcall_en_demo.json",
)
ODD_VALUES = (
    None,
    0,
    -1.5,
    1e308,
    True,
    "",
    "\x00\x1b[2J\x07",
    [],
    {},
    [None],
    {"": None},
    "ß" * 3,
)


def _records(path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    value = json.loads(text)
    return value if isinstance(value, list) else [value]


def _paths(value, prefix=()):
    """Every place inside a value: (path, value) pairs."""
    yield prefix, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _set(value, path, new):
    if not path:
        return new
    holder = value
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = new
    return value


def _mutate_record(rng: random.Random, record: dict):
    places = list(_paths(record))[1:]
    if not places:
        return record
    path, old = rng.choice(places)
    kind = rng.choice(("type", "nest", "drop", "huge", "swap"))
    if kind == "type":
        return _set(record, path, json.loads(json.dumps(rng.choice(ODD_VALUES))))
    if kind == "nest":
        depth = rng.choice((2, 10, 40, 58, 61, 200))
        for _ in range(depth):
            old = [old] if rng.random() < 0.5 else {"k": old}
        return _set(record, path, old)
    if kind == "drop" and isinstance(record, dict) and record:
        record.pop(rng.choice(list(record)))
        return record
    if kind == "huge":
        return _set(record, path, "word " * rng.choice((1000, 20000)))
    other = rng.choice([v for _, v in places])
    return _set(record, path, json.loads(json.dumps(other)))  # a copy: no cycle


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    kind = rng.choice(("truncate", "flip", "insert"))
    if not data:
        return data
    if kind == "truncate":
        return data[: rng.randrange(len(data))]
    out = bytearray(data)
    for _ in range(rng.choice((1, 3, 20))):
        at = rng.randrange(len(out))
        byte = rng.choice((0x00, 0x1B, 0xFF, 0xC3, ord("{"), ord("]"), ord('"'), ord("\\")))
        if kind == "flip":
            out[at] = byte
        else:
            out.insert(at, byte)
    return bytes(out)


def _case(rng: random.Random, records: list[dict], folder, i: int):
    rows = [json.loads(json.dumps(r)) for r in rng.sample(records, min(len(records), 12))]
    for _ in range(rng.choice((1, 2, 5))):
        j = rng.randrange(len(rows))
        rows[j] = _mutate_record(rng, rows[j])
    if rng.random() < 0.15:
        rows.insert(rng.randrange(len(rows) + 1), json.loads(json.dumps(rng.choice(ODD_VALUES))))
    as_array = rng.random() < 0.4
    if as_array:
        data = json.dumps(rows, ensure_ascii=rng.random() < 0.5).encode("utf-8")
    else:
        data = "".join(json.dumps(r) + "\n" for r in rows).encode("utf-8")
    if rng.random() < 0.3:
        data = _mutate_bytes(rng, data)
    path = folder / f"case{i:03d}.{'json' if as_array else 'jsonl'}"
    path.write_bytes(data)
    return path


@pytest.mark.slow
def test_mutated_real_rows_end_in_exit_0_1_or_2(real_data, tmp_path):
    rng = random.Random(18)
    sources = [_records(real_data / name) for name in SOURCES if (real_data / name).is_file()]
    assert sources, "no real datasets to mutate"
    cases = []
    for i in range(CASES):
        path = _case(rng, rng.choice(sources), tmp_path, i)
        state = ["--state", str(tmp_path / "state" / str(i))]
        command = rng.choice(("info", "info", "scan", "export"))
        if command == "export":
            cases.append(["export", path, "--out", tmp_path / "out" / str(i), *state])
        else:
            cases.append([command, path, *state])
    reports = drive(tmp_path, cases, seconds=SECONDS)
    assert len(reports) >= 20, "too few cases ran in the time budget to mean anything"
    outcomes = {}
    for args, report in zip(cases, reports, strict=False):
        assert report["exit"] in (0, 1, 2), (args, report)
        assert not report["traceback"], (args, report["traceback"])
        if report["exit"] == 2:
            assert report["last"].startswith("error:") and report["lines"] == 1, (args, report)
        outcomes[report["exit"]] = outcomes.get(report["exit"], 0) + 1
    assert set(outcomes) >= {0, 2}, outcomes  # the mutations both break and spare files
