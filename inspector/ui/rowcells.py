"""The rows view's columns and the text of each cell, from the session and the analyses."""

from __future__ import annotations

from collections.abc import Sequence

from .analyses.indexes import NO_CLUSTER
from .previews import Previews
from .widgets.row_table import Cells, Column

#: Usual short names of long split names; a split not here keeps its name up to this length.
_SHORT = {"validation": "val", "valid": "val", "development": "dev", "evaluation": "eval"}
SPLIT_CHARS = 6
#: The decision column grows with the longest `drop:reason` up to this width.
DECISION_MAX = 24


def split_abbreviations(splits: list[str]) -> dict[str, str]:
    """A short, readable name per split, unique among `splits`: train/validation/test ->
    train/val/test. Long names are cut, but never to a prefix another split shares."""
    out = {}
    for s in splits:
        short = _SHORT.get(s.lower(), s[:SPLIT_CHARS])
        # Two splits cut to the same name: lengthen the prefix until it tells them apart.
        n = len(short)
        while n < len(s) and any(
            o != s and (_SHORT.get(o.lower()) == short or o.startswith(short)) for o in splits
        ):
            n += 1
            short = s[:n]
        out[s] = short
    return out


class RowCells:
    """Provider for `RowTable`: the cells of the rows about to be drawn."""

    def __init__(self, app):
        self.app = app
        self.session = app.session
        self.previews = Previews(app.session)
        self.short = split_abbreviations(self.session.splits)
        self.columns = [
            Column("row", "row", self.id_width()),
            Column("length", "preview", 0),
            Column("tokens", "tokens", 6, right=True),
            Column("cluster", "clu", 4, right=True),
            Column("flags", "flags", 14),
            Column("decision", "decision", self.decision_width()),
        ]

    def id_width(self) -> int:
        """The widest row id: the last row of each split, so no id is ever cut."""
        s = self.session
        ends = [
            s.offsets[i + 1] - 1 for i in range(len(s.splits)) if s.offsets[i + 1] > s.offsets[i]
        ]
        return max([3, *(len(self.label(int(g))) for g in ends)])

    def decision_width(self) -> int:
        """Wide enough for the longest `drop:reason` written so far (up to `DECISION_MAX`)."""
        reasons = set(self.session.decisions.reasons.values())
        longest = max((len(r) for r in reasons), default=0)
        return max(8, min(DECISION_MAX, len("drop:") + longest)) if longest else 8

    def fit_columns(self) -> bool:
        """Resize the decision column to the reasons written now; whether it changed."""
        width = self.decision_width()
        i = next(i for i, c in enumerate(self.columns) if c.key == "decision")
        if self.columns[i].width == width:
            return False
        self.columns[i] = Column("decision", "decision", width)
        return True

    def label(self, gid: int) -> str:
        split, row = self.session.locate(gid)
        return str(row) if len(self.session.splits) == 1 else f"{self.short[split]}:{row}"

    def __call__(self, gids: Sequence[int]) -> dict[int, Cells]:
        previews = self.previews.get(gids)
        scan = self.app.analyses.index("scan")
        flags = self.app.analyses.index("flags")
        clusters = self.app.analyses.index("clusters")
        tokens = self.app.analyses.index("tokens")
        decisions = self.session.decisions
        out: dict[int, Cells] = {}
        for g in gids:
            cells: Cells = {"row": (self.label(g), ""), "length": (previews.get(g, ""), "")}
            if tokens is not None and tokens.total[g] >= 0:
                mark = "✂" if tokens.truncated[g] else ""
                cells["tokens"] = (f"{mark}{tokens.total[g]}", "row-table--drop" if mark else "")
            else:
                cells["tokens"] = ("·", "row-table--muted")
            if clusters is not None and clusters.cluster[g] != NO_CLUSTER:
                cells["cluster"] = (str(clusters.cluster[g]), "")
            else:
                cells["cluster"] = ("·", "row-table--muted")
            cells["flags"] = self._flags(flags, scan, g)
            d = decisions.of(g)
            if d:
                reason = decisions.reasons.get(g)
                cells["decision"] = (f"{d}:{reason}" if reason else d, f"row-table--{d}")
            out[g] = cells
        return out

    def _flags(self, flags, scan, g: int) -> tuple[str, str]:
        if flags is None:
            return "·", "row-table--muted"
        parts = list(flags.flags_of.get(g, ()))
        if scan is not None:
            if g in scan.contaminated_set:
                parts.append("contaminated")
            # Quality flags first; then duplicate kinds, the whole-row ones before prompt ones.
            parts += [f"dup:{k}" for k, of in scan.group_of.items() if of[g] >= 0]
        return ",".join(parts), "row-table--flag"
