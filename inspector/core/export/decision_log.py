"""`decisions.jsonl`: every decided row's content hash with its decision and reason, and its replay.

One line per decided row, in input order::

    {"hash": "…", "decision": "drop", "reason": "flag:refusal", "split": "train", "row": 12}

`hash` is `triage.row_hash` of the raw row (the same hash the triage store records), so the log
can be re-applied to a reordered copy or a new version of the data: `split` and `row` are only
for people reading it. Rows not listed were kept because nobody decided otherwise, which keeps
the log as small as the decisions. Identical rows share a hash; the log lists each occurrence,
and a replay applies them occurrence by occurrence (two copies with one dropped stay one kept).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Generator, Iterator
from pathlib import Path

import numpy as np

from inspector.core.data.arrow_rows import arrow_table
from inspector.core.errors import InputError
from inspector.core.export import row_json
from inspector.core.export.verdicts import DROP, KEEP, Verdicts
from inspector.core.progress import Progress, check
from inspector.core.triage import row_hash

HASH_BATCH = 2000
#: Rows hashed per Arrow pass when every column is text (see `row_json`).
ARROW_BATCH = 1 << 15


def row_hashes(ds, split: str, rows=None, batch: int = HASH_BATCH) -> Iterator[tuple[int, str]]:
    """`(row, hash)` for `rows` of a split (all rows when None), equal to `ds.row_hash`."""
    data = ds.hf[split]
    if not ds.json_columns:
        table = arrow_table(data)
        if row_json.text_only(table):  # hashed a batch of whole columns at a time
            yield from _text_hashes(table, rows)
            return
    if rows is None:
        slices = (
            (range(lo, min(lo + batch, data.num_rows)), data[lo : lo + batch])
            for lo in range(0, data.num_rows, batch)
        )
    else:
        rows = [int(r) for r in rows]
        slices = (
            (rows[i : i + batch], data[rows[i : i + batch]]) for i in range(0, len(rows), batch)
        )
    for idx, columns in slices:
        names = list(columns)
        values = [columns[name] for name in names]
        if ds.json_columns or not names:
            for i, row in enumerate(idx):
                raw = {n: v[i] for n, v in zip(names, values, strict=True)}
                yield row, row_hash(ds.decode(raw))
        else:  # nothing to decode: build each row's dict straight from the column lists
            for row, cells in zip(idx, zip(*values, strict=True), strict=True):
                yield row, row_hash(dict(zip(names, cells, strict=True)))


def _text_hashes(table, rows) -> Iterator[tuple[int, str]]:
    if rows is None:
        for lo in range(0, table.num_rows, ARROW_BATCH):
            part = table.slice(lo, ARROW_BATCH)
            yield from enumerate(row_json.row_hashes(part), lo)
        return
    rows = np.asarray(rows, dtype=np.int64)
    for lo in range(0, rows.size, ARROW_BATCH):
        idx = rows[lo : lo + ARROW_BATCH]
        yield from zip(idx.tolist(), row_json.row_hashes(table.take(idx)), strict=True)


def write_log(
    path: Path, ds, verdicts: Verdicts, cancel: threading.Event | None = None
) -> Generator[Progress, None, int]:
    """Write `decisions.jsonl` for every decided row; returns the number of lines.

    Each line is what ``json.dumps({"hash", "decision", "reason", "split", "row"},
    ensure_ascii=False)`` writes, put together from parts serialized once per label.
    """
    total = sum(verdicts.decided(s).size for s in verdicts.splits)
    origin = getattr(ds, "origin", None) if getattr(ds, "exploded", None) else None
    done = 0
    with open(path, "wb") as f:
        for split in verdicts.splits:
            rows = verdicts.decided(split)
            codes = verdicts.codes[split]
            middles = [
                f'", "decision": {_json(d)}, "reason": {_json(r)}, "split": {_json(split)}, "row": '
                for d, r in verdicts.labels
            ]
            lines = []
            for row, h in row_hashes(ds, split, rows):
                # an exploded row also names the record it came from
                end = "}\n" if origin is None else f', "source": {_json(origin(split, row))}}}\n'
                lines.append(f'{{"hash": "{h}{middles[int(codes[row])]}{row}{end}')
                if len(lines) == HASH_BATCH:
                    f.write("".join(lines).encode())
                    done += len(lines)
                    lines = []
                    check(cancel)
                    yield Progress("writing decisions.jsonl", done, total)
            f.write("".join(lines).encode())
            done += len(lines)
    yield Progress("writing decisions.jsonl", done, total)
    return done


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


class DecisionLog:
    """A `decisions.jsonl` read for replay: hash -> queue of (decision, reason)."""

    def __init__(self, path: Path, entries: dict[str, deque]):
        self.path = path
        self.entries = entries
        self.total = sum(len(q) for q in entries.values())

    @classmethod
    def read(cls, path: str | Path) -> DecisionLog:
        """Parse a log; raises `InputError` naming the file and line of anything malformed."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path}: no such decisions file.")
        entries: dict[str, deque] = {}
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                    h, decision = item["hash"], item["decision"]
                except (json.JSONDecodeError, KeyError, TypeError) as err:
                    raise InputError(
                        f"{path}, line {number}: not a decisions.jsonl entry (need an object with "
                        f"hash and decision): {err}."
                    ) from None
                if decision not in (KEEP, DROP) or not isinstance(h, str):
                    raise InputError(
                        f"{path}, line {number}: decision must be keep or drop and hash a string, "
                        f"got {decision!r}."
                    )
                entries.setdefault(h, deque()).append((decision, item.get("reason")))
        return cls(path, entries)

    def replay(
        self, ds, verdicts: Verdicts, cancel: threading.Event | None = None
    ) -> Generator[Progress, None, dict]:
        """Apply the log to `ds` (every row is hashed); returns matched / unmatched counts."""
        total = sum(verdicts.sizes.values())
        done = matched = 0
        remaining = {h: deque(q) for h, q in self.entries.items()}
        for split in verdicts.splits:
            hits: dict[tuple[str, str | None], list[int]] = {}
            for row, h in row_hashes(ds, split):
                queue = remaining.get(h)
                if queue:
                    hits.setdefault(queue.popleft(), []).append(row)
                    matched += 1
                done += 1
                if done % HASH_BATCH == 0:
                    check(cancel)
                    yield Progress("replaying decisions", done, total)
            for (decision, reason), rows in hits.items():
                verdicts.set(split, np.asarray(rows), decision, reason)
        yield Progress("replaying decisions", done, total)
        return {
            "file": str(self.path),
            "entries": self.total,
            "matched": matched,
            "unmatched": self.total - matched,
        }
