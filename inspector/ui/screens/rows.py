"""The rows view: every row in a virtual table, with search, filters, sort and triage keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding

from ..analyses.indexes import NO_CLUSTER
from ..messages import OpenRow
from ..rowcells import RowCells
from ..rowset import ANY, SORTS, Filter, RowSet, RowSetBuilder
from ..widgets.row_table import RowTable
from .base import Target, TriageScreen
from .dialogs import AskText, Choose

STATE_KEY = "rows"


class RowsScreen(TriageScreen):
    """A `RowTable` over the current `RowSet`; its filter and cursor survive a restart."""

    VIEW = "rows"
    BINDINGS = [
        Binding("slash", "search", "Search", id="rows.search"),
        Binding("f", "filter", "Filter", id="rows.filter"),
        Binding("F", "clear_filter", "Clear filter", show=False, id="rows.clear_filter"),
        Binding(
            "left_square_bracket",
            "sort(False)",
            "Sort ascending",
            show=False,
            id="rows.sort_ascending",
        ),
        Binding(
            "right_square_bracket",
            "sort(True)",
            "Sort descending",
            show=False,
            id="rows.sort_descending",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cells = RowCells(self.app)
        self.builder = RowSetBuilder(self.app)
        self.rowset: RowSet | None = None
        # The row to put the cursor on once a filter waiting for an analysis can list it
        # (the saved cursor of a reopened `flag=...` filter).
        self.want_gid: int | None = None

    def compose_view(self) -> ComposeResult:
        yield RowTable(self.cells.columns, self.cells, id="rows-table")

    @property
    def table(self) -> RowTable:
        return self.query_one(RowTable)

    def on_mount(self) -> None:
        super().on_mount()
        saved = self.app.session.load_state(STATE_KEY, {}) or {}
        self.table.selected = self.app.session.selection
        if not self.take_request():
            self.set_filter(Filter.from_json(saved.get("filter")), focus_gid=saved.get("cursor"))
        self.table.focus()

    def on_screen_resume(self) -> None:
        if not self.take_request():
            self.follow_row_view()

    def follow_row_view(self) -> None:
        """Back from the one-row view: the cursor goes to the row it showed last."""
        gid, self.app.row_shown = self.app.row_shown, None
        pos = self.rowset.position(gid) if gid is not None and self.rowset else None
        if pos is not None:
            self.table.cursor = pos

    def take_request(self) -> bool:
        """Apply a filter another view asked for (`ShowRows`), if any."""
        request, self.app.rows_request = self.app.rows_request, None
        if request is None:
            return False
        self.set_filter(Filter.from_json(request[0]), focus_gid=request[1])
        return True

    # -- the row set --------------------------------------------------------------------------

    def set_filter(self, f: Filter, focus_gid: int | None = None) -> None:
        """Show the rows of `f`, keeping the cursor on `focus_gid` (or the current row)."""
        if focus_gid is None and self.want_gid is not None:
            focus_gid = self.want_gid
        elif focus_gid is None and self.rowset is not None:
            focus_gid = self.table.cursor_gid
        self.rowset = self.builder.build(f)
        table = self.table
        table.sort_key = None if f.sort == "row" and not f.descending else f.sort
        table.descending = f.descending
        pos = self.rowset.position(focus_gid) if focus_gid is not None else None
        self.want_gid = focus_gid if pos is None and self.rowset.waiting else None
        table.empty_message = self._empty_message()
        table.set_order(self.rowset.order, pos or 0)
        self._save()
        self._update_status()

    def _empty_message(self) -> str:
        rs = self.rowset
        if rs is None or len(rs):
            return ""
        if rs.waiting:
            return f"waiting for {', '.join(rs.waiting)} to list {rs.filter.describe()}…"
        return f"no rows match {rs.filter.describe()} · F clears the filter, / searches again"

    def _save(self) -> None:
        if self.rowset is not None:
            cursor = self.want_gid if self.want_gid is not None else self.table.cursor_gid
            self.app.session.save_state(
                STATE_KEY, {"filter": self.rowset.filter.to_json(), "cursor": cursor}
            )

    def _update_status(self) -> None:
        if self.rowset is None:
            return
        s = self.app.session
        n = len(self.rowset)
        parts = [f"{self.table.cursor + 1 if n else 0:,}/{n:,}"]
        if n != s.total:
            parts.append(f"of {s.total:,}")
        parts.append(self.rowset.filter.describe())
        if self.rowset.waiting:
            parts.append("waiting for " + ", ".join(self.rowset.waiting))
        if s.selection:
            parts.append(f"{len(s.selection):,} selected")
        counts = s.decisions.counts()
        parts.append(f"keep {counts['keep']:,} drop {counts['drop']:,}")
        self.status(" · ".join(parts))

    # -- events -------------------------------------------------------------------------------

    def on_row_table_cursor_moved(self, event: RowTable.CursorMoved) -> None:
        if event.by_key:
            self.want_gid = None  # the user chose another row while the filter waited
        self._save()
        self._update_status()

    def on_row_table_activated(self, event: RowTable.Activated) -> None:
        self.post_message(OpenRow(event.gid, self.rowset.order if self.rowset else None))

    def analysis_changed(self, name: str) -> None:
        if (
            self.rowset is not None
            and name in self.rowset.waiting
            and self.app.analyses[name].ready
        ):
            self.set_filter(self.rowset.filter)
        else:
            self.table.invalidate()
        self._update_status()

    def decisions_changed(self, label: str) -> None:
        f = self.rowset.filter if self.rowset else None
        if f is not None and (f.decision or f.sort == "decision"):
            self.set_filter(f)
        self.cells.fit_columns()  # a longer reason widens the decision column
        self.table.invalidate()
        self._update_status()

    def selection_changed(self) -> None:
        self.table.invalidate()
        self._update_status()

    # -- triage hooks -------------------------------------------------------------------------

    def target(self) -> Target | None:
        gid = self.table.cursor_gid
        return None if gid is None else Target([gid], f"row {self.app.session.label(gid)}")

    def listed(self) -> list[int]:
        return self.rowset.order.tolist() if self.rowset else []

    def bulk_context(self):
        return (self.rowset.filter, self.rowset.order) if self.rowset else (None, None)

    # -- search, filter, sort -----------------------------------------------------------------

    def _patched(self, **changes) -> Filter:
        data = self.rowset.filter.to_json() if self.rowset else {}
        data.update(changes)
        return Filter.from_json(data)

    def action_search(self) -> None:
        self.app.take_prefix()
        current = self.rowset.filter.text if self.rowset else ""

        def done(text: str | None) -> None:
            if text is not None:
                self.set_filter(self._patched(text=text))

        self.app.push_screen(
            AskText(
                "Search every field (any case; empty clears)",
                current,
                hint="enter: search   escape: cancel",
            ),
            done,
        )

    def action_clear_filter(self) -> None:
        f = self.rowset.filter if self.rowset else Filter()
        self.set_filter(Filter(sort=f.sort, descending=f.descending))

    def action_sort(self, descending: bool) -> None:
        key = self.table.current_column.key
        if key not in SORTS:
            self.notify(f"cannot sort by {key}", severity="warning")
            return
        self.set_filter(self._patched(sort=key, descending=descending))
        if self.rowset and self.rowset.waiting:
            self.notify("waiting for " + ", ".join(self.rowset.waiting) + " to sort by " + key)

    def action_filter(self) -> None:
        self.app.take_prefix()

        def done(change: dict | None) -> None:
            if change is None:
                return
            if change.get("_search"):
                self.action_search()
            elif change.get("_clear"):
                self.action_clear_filter()
            else:
                self.set_filter(self._patched(**change))

        self.app.push_screen(Choose("Filter rows", self.filter_choices()), done)

    def filter_choices(self) -> list[tuple[str, dict | None]]:
        """The filter menu: every condition that applies now, with row counts."""
        s = self.app.session
        gid = self.table.cursor_gid
        out: list[tuple[str, dict | None]] = [("text match…  (/)", {"_search": True})]
        if len(s.splits) > 1:
            out += [(f"split {sp} ({s.ds.num_rows(sp):,})", {"split": sp}) for sp in s.splits]
        counts = s.decisions.counts()
        out += [
            (f"decision: dropped ({counts['drop']:,})", {"decision": "drop"}),
            (f"decision: kept ({counts['keep']:,})", {"decision": "keep"}),
            (
                f"decision: undecided ({s.total - counts['drop'] - counts['keep']:,})",
                {"decision": "none"},
            ),
        ]
        flags = self.app.analyses.index("flags")
        if flags is not None:
            out.append((f"any flag ({int((flags.nflags > 0).sum()):,})", {"flag": ANY}))
            out += [
                (f"flag {code} ({len(g):,})", {"flag": code}) for code, g in flags.flags.items()
            ]
        scan = self.app.analyses.index("scan")
        if scan is None:
            out.append(
                ("flags, duplicates, contamination: " + self.app.analyses["scan"].describe(), None)
            )
        else:
            for kind, groups in scan.groups.items():
                rows = sum(len(g) for g in groups)
                out.append(
                    (f"{kind} duplicates ({len(groups):,} groups, {rows:,} rows)", {"dup": kind})
                )
                if gid is not None and scan.group_of[kind][gid] >= 0:
                    g = int(scan.group_of[kind][gid])
                    out.append(
                        (
                            f"this row's {kind} group #{g} ({len(groups[g])} rows)",
                            {"dup": f"{kind}#{g}"},
                        )
                    )
            if scan.contaminated.size:
                out.append((f"contaminated ({scan.contaminated.size:,})", {"contaminated": True}))
        clusters = self.app.analyses.index("clusters")
        if clusters is None:
            out.append(("clusters: " + self.app.analyses["clusters"].describe(), None))
        else:
            if gid is not None and clusters.cluster[gid] != NO_CLUSTER:
                c = int(clusters.cluster[gid])
                out.append((f"this row's cluster {c}", {"cluster": c}))
            for c in clusters.clusters:
                words = ", ".join(c.get("keywords", [])[:4])
                out.append((f"cluster {c['id']} ({c['size']:,}): {words}", {"cluster": c["id"]}))
        out.append(("clear every filter  (F)", {"_clear": True}))
        return out
