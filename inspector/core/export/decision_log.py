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

from inspector.core.errors import InputError
from inspector.core.export.verdicts import DROP, KEEP, Verdicts
from inspector.core.progress import Progress, check
from inspector.core.triage import row_hash

HASH_BATCH = 2000


def row_hashes(ds, split: str, rows=None, batch: int = HASH_BATCH) -> Iterator[tuple[int, str]]:
    """`(row, hash)` for `rows` of a split (all rows when None), equal to `ds.row_hash`."""
    data = ds.hf[split]
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
        for i, row in enumerate(idx):
            raw = ds.decode({name: columns[name][i] for name in names})
            yield row, row_hash(raw)


def write_log(
    path: Path, ds, verdicts: Verdicts, cancel: threading.Event | None = None
) -> Generator[Progress, None, int]:
    """Write `decisions.jsonl` for every decided row; returns the number of lines."""
    total = sum(verdicts.decided(s).size for s in verdicts.splits)
    origin = getattr(ds, "origin", None) if getattr(ds, "exploded", None) else None
    done = 0
    with open(path, "wb") as f:
        for split in verdicts.splits:
            rows = verdicts.decided(split)
            codes = verdicts.codes[split]
            for row, h in row_hashes(ds, split, rows):
                decision, reason = verdicts.labels[int(codes[row])]
                line = {
                    "hash": h,
                    "decision": decision,
                    "reason": reason,
                    "split": split,
                    "row": row,
                }
                if origin is not None:  # an exploded row: the record it came from
                    line["source"] = origin(split, row)
                f.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
                done += 1
                if done % HASH_BATCH == 0:
                    check(cancel)
                    yield Progress("writing decisions.jsonl", done, total)
    yield Progress("writing decisions.jsonl", done, total)
    return done


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
