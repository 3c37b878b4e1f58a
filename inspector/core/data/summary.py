"""Dataset summary for `inspector info` and the overview: rows, per-role lengths, problem rows.

Every row is checked. To stay close to the speed of a plain `datasets` load on millions of rows,
flat and list-of-struct columns are checked with Arrow compute (`inspector.core.data.columnar`):
it proves most rows fine and measures their turns without building Python objects, and sends
only the rows it cannot vouch for through the per-row normalizer, which stays the single
source of truth for what a problem is.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np

from inspector.core.data.formats.registry import columnar_lengths, describe
from inspector.core.errors import RowProblem
from inspector.core.progress import Progress, check

#: Per-role statistics reported (over characters of turn content).
PERCENTILES = (50, 90, 99)


@dataclass
class RoleStats:
    """Character lengths of one role's turns."""

    turns: int
    mean: float
    p50: int
    p90: int
    p99: int
    max: int

    @classmethod
    def of(cls, lengths: np.ndarray) -> RoleStats:
        if lengths.size == 0:
            return cls(0, 0.0, 0, 0, 0, 0)
        # "higher" never reports a tail shorter than one the data holds: on a few turns p99
        # is the longest turn, not the second longest (which hid a 26,000-character outlier).
        p = np.percentile(lengths, PERCENTILES, method="higher").astype(int)
        return cls(
            int(lengths.size),
            float(lengths.mean()),
            int(p[0]),
            int(p[1]),
            int(p[2]),
            int(lengths.max()),
        )

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class SplitSummary:
    rows: int
    problems: int


@dataclass
class Summary:
    """What `inspector info` reports."""

    path: str
    format: str
    column_map: dict[str, str]
    files: list[str]
    splits: dict[str, SplitSummary]
    roles: dict[str, RoleStats]
    problems: list[RowProblem] = field(default_factory=list)
    reading: dict = field(default_factory=dict)
    """How the columns were read (`formats.registry.describe`): `parts` (source columns of
    each part: prompt, response, chosen...), and for a known layout its `layout` name and the
    `candidates` it did not use."""

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "format": self.format,
            "column_map": self.column_map,
            "reading": self.reading,
            "files": self.files,
            "splits": {k: {"rows": v.rows, "problems": v.problems} for k, v in self.splits.items()},
            "rows": sum(v.rows for v in self.splits.values()),
            "roles": {k: v.to_json() for k, v in self.roles.items()},
            "problems": [p.to_json() for p in self.problems],
        }


#: The pseudo-role under which `info` measures reasoning traces, apart from the answers.
REASONING = "reasoning"


def _turn_lengths(conv) -> list[tuple[str, int]]:
    out = []
    for side in (conv.turns, conv.chosen, conv.rejected):
        for t in side or ():
            out.append((t.role, len(t.content)))
            if t.reasoning is not None:
                out.append((REASONING, len(t.reasoning)))
    return out


def summarize(ds, cancel: threading.Event | None = None) -> Generator[Progress, None, Summary]:
    """Check and measure every row of every split; a progress generator returning a `Summary`."""
    total = ds.total_rows
    done = 0
    lengths: dict[str, list[np.ndarray]] = {}
    problems: list[RowProblem] = []
    splits: dict[str, SplitSummary] = {}
    for split in ds.splits:
        data = ds.hf[split]
        fast = (
            None if ds.json_columns else columnar_lengths(ds.format, data.data.table, ds.column_map)
        )
        if fast is not None:
            role_lengths, suspects = fast
            for role, arr in role_lengths.items():
                lengths.setdefault(role, []).append(arr)
            rows = [int(r) for r in suspects]
        else:
            rows = None
        n_problems = 0
        for row, conv, reason in _normalized(ds, split, rows):
            if reason is not None:
                problems.append(RowProblem(split, row, reason))
                n_problems += 1
            else:
                for role, n in _turn_lengths(conv):
                    lengths.setdefault(role, []).append(np.array([n]))
            if row % 10000 == 0:
                check(cancel)
                yield Progress("checking rows", done + (row if rows is None else 0), total)
        done += data.num_rows
        splits[split] = SplitSummary(data.num_rows, n_problems)
        yield Progress("checking rows", done, total)
    roles = {role: RoleStats.of(np.concatenate(parts)) for role, parts in sorted(lengths.items())}
    return Summary(
        str(ds.path),
        ds.format,
        ds.column_map,
        [str(f) for f in ds.files],
        splits,
        roles,
        problems,
        describe(ds.format, ds.column_map),
    )


def _normalized(ds, split: str, rows: list[int] | None):
    """All rows of a split, or just `rows`, normalized."""
    if rows is None:
        yield from ds.iter_conversations(split)
        return
    from inspector.core.errors import RowError

    for row in rows:
        try:
            yield row, ds.conversation(split, row), None
        except RowError as err:
            yield row, None, err.reason
