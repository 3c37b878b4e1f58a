"""The rows the rows view shows: a filter and a sort turned into an array of global row ids.

Every filter is a boolean mask over all rows, built from the analyses' per-row indexes, the
decision array and an Arrow text search; the masks are ANDed and the survivors sorted with a
stable numpy sort. A `Filter` is plain data, saved in the triage store's UI state so that a
reopened app shows the same rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np

from .analyses.indexes import NO_CLUSTER
from .session import DROP_CODE, KEEP_CODE, NONE_CODE
from .textmatch import text_length, text_mask

#: Sort keys, in the order of the table's columns.
SORTS = ("row", "decision", "flags", "cluster", "tokens", "length")
ANY = "*"


@dataclass
class Filter:
    """Which rows to show and in what order; every field None/empty means "no condition"."""

    split: str | None = None
    flag: str | None = None
    """A flag code, or `*` for rows with any flag."""
    cluster: int | None = None
    dup: str | None = None
    """A duplicate kind (`exact`, `near`, `prompt`...) or one group, `exact#3`."""
    decision: str | None = None
    """`keep`, `drop` or `none` (undecided)."""
    contaminated: bool = False
    text: str = ""
    sort: str = "row"
    descending: bool = False

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict | None) -> Filter:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in names})

    def conditions(self) -> list[str]:
        """The active conditions in words, for the status line."""
        out = []
        if self.split:
            out.append(f"split={self.split}")
        if self.flag:
            out.append("any flag" if self.flag == ANY else f"flag={self.flag}")
        if self.cluster is not None:
            out.append(f"cluster={self.cluster}")
        if self.dup:
            out.append(f"dup={self.dup}")
        if self.decision:
            out.append(f"decision={self.decision}")
        if self.contaminated:
            out.append("contaminated")
        if self.text:
            out.append(f"/{self.text}")
        return out

    def describe(self) -> str:
        conds = self.conditions()
        sort = (
            ""
            if self.sort == "row" and not self.descending
            else (f" sorted by {self.sort}{' desc' if self.descending else ''}")
        )
        return (" ".join(conds) if conds else "all rows") + sort


@dataclass
class RowSet:
    """The result: `order` holds global row ids; `waiting` names analyses a condition needs."""

    filter: Filter
    order: np.ndarray
    waiting: list[str]

    def __len__(self) -> int:
        return len(self.order)

    def position(self, gid: int) -> int | None:
        hits = np.flatnonzero(self.order == gid)
        return int(hits[0]) if hits.size else None


class RowSetBuilder:
    """Builds `RowSet`s for one session, caching the costly text masks and lengths."""

    def __init__(self, app):
        self.app = app
        self.session = app.session
        self._text: dict[str, np.ndarray] = {}
        self._length: np.ndarray | None = None

    def build(self, f: Filter) -> RowSet:
        s = self.session
        mask = np.ones(s.total, dtype=bool)
        waiting: list[str] = []
        if f.split in s.splits:
            lo, hi = s.split_range(f.split)
            mask[:lo] = False
            mask[hi:] = False
        if f.decision:
            code = {"keep": KEEP_CODE, "drop": DROP_CODE, "none": NONE_CODE}[f.decision]
            mask &= s.decisions.codes == code
        if f.flag:
            flags = self.app.analyses.index("flags")
            if flags is None:
                waiting.append("scan")
                mask[:] = False
            else:
                mask &= self._flag_mask(flags, f.flag)
        if f.dup or f.contaminated:
            scan = self.app.analyses.index("scan")
            if scan is None:
                waiting.append("scan")
                mask[:] = False
            else:
                mask &= self._scan_mask(scan, f)
        if f.cluster is not None:
            clusters = self.app.analyses.index("clusters")
            if clusters is None:
                waiting.append("clusters")
                mask[:] = False
            else:
                mask &= clusters.cluster == int(f.cluster)
        if f.text:
            mask &= self.text(f.text)
        order = np.flatnonzero(mask)
        order, why = self._sorted(order, f)
        if why:
            waiting.append(why)
        return RowSet(f, order, waiting)

    def _flag_mask(self, flags, code: str) -> np.ndarray:
        if code == ANY:
            return flags.nflags > 0
        mask = np.zeros(self.session.total, dtype=bool)
        mask[flags.flags.get(code, np.zeros(0, dtype=np.int64))] = True
        return mask

    def _scan_mask(self, scan, f: Filter) -> np.ndarray:
        total = self.session.total
        mask = np.ones(total, dtype=bool)
        if f.dup:
            kind, _, group = f.dup.partition("#")
            of = scan.group_of.get(kind)
            if of is None:
                mask[:] = False
            else:
                mask &= (of == int(group)) if group else (of >= 0)
        if f.contaminated:
            m = np.zeros(total, dtype=bool)
            m[scan.contaminated] = True
            mask &= m
        return mask

    def text(self, needle: str) -> np.ndarray:
        """Rows whose raw text contains `needle` (any case), over every split."""
        key = needle.lower()
        if key not in self._text:
            ds = self.session.ds
            parts = [text_mask(ds.hf[split].data.table, needle) for split in self.session.splits]
            self._text = {key: np.concatenate(parts)}  # keep only the latest search
        return self._text[key]

    def length(self) -> np.ndarray:
        if self._length is None:
            ds = self.session.ds
            self._length = np.concatenate(
                [text_length(ds.hf[split].data.table) for split in self.session.splits]
            )
        return self._length

    def _sorted(self, order: np.ndarray, f: Filter) -> tuple[np.ndarray, str | None]:
        key, why = self._sort_key(f.sort)
        if key is None:
            return (order[::-1].copy() if f.descending else order), why
        values = key[order]
        idx = np.argsort(-values if f.descending else values, kind="stable")
        return order[idx], None

    def _sort_key(self, sort: str) -> tuple[np.ndarray | None, str | None]:
        s = self.session
        if sort == "decision":
            return s.decisions.codes.astype(np.int64), None
        if sort == "length":
            return self.length(), None
        if sort == "flags":
            flags = self.app.analyses.index("flags")
            return (None, "scan") if flags is None else (flags.nflags.astype(np.int64), None)
        if sort == "cluster":
            c = self.app.analyses.index("clusters")
            if c is None:
                return None, "clusters"
            key = c.cluster.astype(np.int64)
            key[key == NO_CLUSTER] = np.iinfo(np.int32).max
            return key, None
        if sort == "tokens":
            t = self.app.analyses.index("tokens")
            return (None, "tokens") if t is None else (t.total.astype(np.int64), None)
        return None, None
