"""The duplicates view: groups by kind, and the members of the selected group side by side."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from inspector.core.errors import RowError
from inspector.core.safe_text import safe_line, safe_text

from ..messages import ShowRows
from ..previews import Previews, one_line
from ..widgets.charts import line
from ..widgets.panels import AnalysisPanel
from .base import Target, TriageScreen

#: Members shown side by side (the rest are listed below them).
SIDE_BY_SIDE = 3


class DuplicatesScreen(TriageScreen):
    """`d` drops the selected group but its representative; enter lists the group's rows."""

    VIEW = "duplicates"
    BINDINGS = [
        Binding("enter", "show_rows", "Rows of group", id="duplicates.rows"),
        Binding("j", "cursor(1)", "Down", show=False, id="duplicates.down"),
        Binding("k", "cursor(-1)", "Up", show=False, id="duplicates.up"),
    ]
    DEFAULT_CSS = """
    DuplicatesScreen #dups-body { height: 1fr; }
    DuplicatesScreen #dup-groups { height: 40%; }
    DuplicatesScreen #dup-members-scroll { height: 1fr; border-top: solid $panel; }
    """

    def compose_view(self) -> ComposeResult:
        yield AnalysisPanel("scan")
        with Vertical(id="dups-body"):
            yield OptionList(id="dup-groups", markup=False)
            with VerticalScroll(id="dup-members-scroll"):
                yield Static(id="dup-members")

    def on_mount(self) -> None:
        super().on_mount()
        self.previews = Previews(self.app.session)
        self.sync()

    def analysis_changed(self, name: str) -> None:
        if name == "scan":
            self.sync()

    def sync(self) -> None:
        scan = self.analysis_or_panel("scan", "dups-body")
        if scan is None:
            return
        groups = self.query_one("#dup-groups", OptionList)
        groups.clear_options()
        s = self.app.session
        for kind, kind_groups in scan.groups.items():
            extra = sum(len(g) - 1 for g in kind_groups)
            groups.add_option(
                Option(
                    f"── {kind}: {len(kind_groups):,} groups, {extra:,} rows "
                    "beyond the representatives",
                    disabled=True,
                )
            )
            firsts = self.previews.get([int(g[0]) for g in kind_groups[:2000]])
            for i, g in enumerate(kind_groups[:2000]):
                text = firsts.get(int(g[0]), "")
                groups.add_option(
                    Option(
                        line(f"{kind}#{i:<4} {len(g):>3} rows  {s.label(int(g[0]))}: {text}"),
                        id=f"{kind}#{i}",
                    )
                )
        if not scan.groups:
            groups.add_option(Option("no duplicates found", disabled=True))
        groups.focus()
        first = next(
            (i for i in range(groups.option_count) if not groups.get_option_at_index(i).disabled),
            None,
        )
        groups.highlighted = first
        self.show_members()

    def current(self) -> tuple[str, int] | None:
        groups = self.query_one("#dup-groups", OptionList)
        if groups.highlighted is None:
            return None
        ident = groups.get_option_at_index(groups.highlighted).id
        if not ident:
            return None
        kind, _, i = ident.partition("#")
        return kind, int(i)

    def show_members(self) -> None:
        cur = self.current()
        scan = self.app.index("scan")
        out = self.query_one("#dup-members", Static)
        if cur is None or scan is None:
            out.update("")
            return
        kind, i = cur
        members = scan.groups[kind][i].tolist()
        s = self.app.session
        table = Table(expand=True, box=None, padding=(0, 1), show_lines=False)
        shown = members[:SIDE_BY_SIDE]
        for j, g in enumerate(shown):
            decision = s.decisions.of(g) or ""
            role = "representative" if j == 0 else "duplicate"
            table.add_column(Text(safe_line(f"{s.label(g)} {role} {decision}".strip())), ratio=1)
        table.add_row(*[self._text(g) for g in shown])
        more = (
            Text(
                f"\n… and {len(members) - len(shown)} more: "
                + ", ".join(s.label(g) for g in members[len(shown) :][:50])
            )
            if len(members) > len(shown)
            else Text("")
        )
        from rich.console import Group

        out.update(Group(table, more))
        self.status(
            f"{kind} group #{i}: {len(members)} rows · d drops all but the "
            "representative · enter lists them"
        )

    def _text(self, gid: int) -> Text:
        split, row = self.app.session.locate(gid)
        try:
            conv = self.app.session.ds.conversation(split, row)
        except RowError as err:
            return Text(safe_text(f"⚠ {err.reason}"))
        return Text(safe_text(one_line(conv.all_text(), 1500)))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_members()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_show_rows()

    def action_cursor(self, step: int) -> None:
        groups = self.query_one("#dup-groups", OptionList)
        groups.action_cursor_down() if step > 0 else groups.action_cursor_up()

    def action_show_rows(self) -> None:
        cur = self.current()
        if cur is not None:
            self.post_message(ShowRows({"dup": f"{cur[0]}#{cur[1]}"}))

    def decisions_changed(self, label: str) -> None:
        self.show_members()

    def target(self) -> Target | None:
        """The selected group's members but its representative."""
        cur = self.current()
        scan = self.app.index("scan")
        if cur is None or scan is None:
            return None
        kind, i = cur
        return Target(
            scan.groups[kind][i][1:].tolist(),
            f"{kind} group #{i} but its representative",
            f"dup:{kind}",
        )

    def listed(self) -> list[int]:
        t = self.target()
        return t.gids if t else []
