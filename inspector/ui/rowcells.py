"""The rows view's columns and the text of each cell, from the session and the analyses."""

from __future__ import annotations

from collections.abc import Sequence

from .analyses.indexes import NO_CLUSTER
from .previews import Previews
from .widgets.row_table import Cells, Column


def split_abbreviations(splits: list[str]) -> dict[str, str]:
    """The shortest prefix telling each split apart: train/validation/test -> tr/v/te."""
    out = {}
    for s in splits:
        n = 1
        while any(o != s and o.startswith(s[:n]) for o in splits) and n < len(s):
            n += 1
        out[s] = s[:n]
    return out


class RowCells:
    """Provider for `RowTable`: the cells of the rows about to be drawn."""

    def __init__(self, app):
        self.app = app
        self.session = app.session
        self.previews = Previews(app.session)
        self.short = split_abbreviations(self.session.splits)
        labels = [self.label(self.session.total - 1)] if self.session.total else ["0"]
        self.columns = [
            Column("row", "row", max(3, len(labels[0]))),
            Column("length", "preview", 0),
            Column("tokens", "tokens", 6, right=True),
            Column("cluster", "clu", 4, right=True),
            Column("flags", "flags", 14),
            Column("decision", "decision", 8),
        ]

    def label(self, gid: int) -> str:
        split, row = self.session.locate(gid)
        return str(row) if len(self.session.splits) == 1 else f"{self.short[split]}:{row}"

    def __call__(self, gids: Sequence[int]) -> dict[int, Cells]:
        previews = self.previews.get(gids)
        scan = self.app.index("scan")
        flags = self.app.index("flags")
        clusters = self.app.index("clusters")
        tokens = self.app.index("tokens")
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
