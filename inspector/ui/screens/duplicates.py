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
from ..previews import Previews
from ..widgets.charts import line
from ..widgets.lists import ItemList
from ..widgets.panels import AnalysisPanel
from ..worddiff import differing, marked
from .base import Target, TriageScreen

#: Members shown side by side (the rest are listed below them).
SIDE_BY_SIDE = 3
#: Characters of each member shown.
MEMBER_CHARS = 3000


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


class DuplicatesScreen(TriageScreen):
    """`d` drops the selected group but its keeper (`K` picks another member); enter lists the
    group's rows. Members are shown side by side with their roles, the words that differ from
    the keeper marked."""

    VIEW = "duplicates"
    BINDINGS = [
        Binding("enter", "show_rows", "Rows of group", id="duplicates.rows"),
        Binding("K", "next_keeper", "Keeper", id="duplicates.keeper"),
    ]
    COMPONENT_CLASSES = {"duplicates--diff", "duplicates--role"}
    DEFAULT_CSS = """
    DuplicatesScreen > .duplicates--diff { background: $warning 40%; text-style: bold; }
    DuplicatesScreen > .duplicates--role { color: $accent; text-style: bold; }
    DuplicatesScreen #dups-body { height: 1fr; }
    DuplicatesScreen #dup-groups { height: 40%; }
    DuplicatesScreen #dup-members-scroll { height: 1fr; border-top: solid $panel; }
    """

    def compose_view(self) -> ComposeResult:
        yield AnalysisPanel("scan")
        with Vertical(id="dups-body"):
            yield ItemList(id="dup-groups", markup=False)
            with VerticalScroll(id="dup-members-scroll"):
                yield Static(id="dup-members")

    def on_mount(self) -> None:
        super().on_mount()
        self.previews = Previews(self.app.session)
        #: `(kind, group)` -> the member `K` chose to keep instead of the representative.
        self.keepers: dict[tuple[str, int], int] = {}
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
                    f"── {kind}: {plural(len(kind_groups), 'group')}, "
                    f"{plural(extra, 'row')} beyond the representatives",
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

    def keeper(self, kind: str, i: int, members: list[int]) -> int:
        """The member kept when the group is dropped: the representative unless `K` chose."""
        chosen = self.keepers.get((kind, i))
        return chosen if chosen in members else members[0]

    def shown_members(self, members: list[int], keeper: int) -> list[int]:
        """The keeper first, then the others, `SIDE_BY_SIDE` at most."""
        return [keeper, *[g for g in members if g != keeper]][:SIDE_BY_SIDE]

    def show_members(self) -> None:
        cur = self.current()
        scan = self.app.analyses.index("scan")
        out = self.query_one("#dup-members", Static)
        if cur is None or scan is None:
            out.update("")
            return
        kind, i = cur
        members = scan.groups[kind][i].tolist()
        keeper = self.keeper(kind, i, members)
        s = self.app.session
        shown = self.shown_members(members, keeper)
        texts = [self._text(g) for g in shown]
        diff = self.get_component_rich_style("duplicates--diff")
        role = self.get_component_rich_style("duplicates--role")
        table = Table(expand=True, box=None, padding=(0, 1), show_lines=False)
        cells = []
        for j, (g, (plain, roles)) in enumerate(zip(shown, texts, strict=True)):
            decision = s.decisions.of(g) or ""
            what = "keeper" if g == keeper else "duplicate"
            if g == members[0]:
                what += " (representative)" if g == keeper else " · representative"
            table.add_column(Text(safe_line(f"{s.label(g)} {what} {decision}".strip())), ratio=1)
            # Words that differ from the keeper (the keeper: from the first other member).
            base = texts[1][0] if j == 0 and len(texts) > 1 else texts[0][0]
            cell = marked(plain, differing(base, plain) if len(texts) > 1 else set(), diff)
            for start, end in roles:
                cell.stylize(role, start, end)
            cells.append(cell)
        table.add_row(*cells)
        rest = [g for g in members if g not in shown]
        more = (
            Text(f"\n… and {len(rest)} more: " + ", ".join(s.label(g) for g in rest[:50]))
            if rest
            else Text("")
        )
        from rich.console import Group

        out.update(Group(table, more))
        self.status(
            f"{kind} group #{i}: {len(members)} rows · keeper {s.label(keeper)} · d drops the "
            "others · K another keeper · marked: words that differ"
        )

    def _text(self, gid: int) -> tuple[str, list[tuple[int, int]]]:
        """A member's turns with their roles and line breaks, and the spans of the role names."""
        split, row = self.app.session.locate(gid)
        try:
            conv = self.app.session.ds.conversation(split, row)
        except RowError as err:
            return safe_text(f"⚠ {err.reason}"), []
        parts, roles, at = [], [], 0
        turns = [(t.role, t.content) for t in conv.turns]
        for side, name in ((conv.chosen, "chosen"), (conv.rejected, "rejected")):
            turns += [(f"{t.role} ({name})", t.content) for t in side or []]
        for who, content in turns:
            if not content:
                continue
            # Controls become visible placeholders before positions are counted.
            head = safe_line(who) + "\n"
            body = safe_text(content[: MEMBER_CHARS - at]) + "\n\n"
            roles.append((at, at + len(head) - 1))
            parts += [head, body]
            at += len(head) + len(body)
            if at >= MEMBER_CHARS:
                parts.append("…")
                break
        return "".join(parts).rstrip("\n"), roles

    def action_next_keeper(self) -> None:
        """Keep another member of the group instead (the next one, in group order)."""
        cur = self.current()
        scan = self.app.analyses.index("scan")
        if cur is None or scan is None:
            return
        kind, i = cur
        members = scan.groups[kind][i].tolist()
        keeper = self.keeper(kind, i, members)
        self.keepers[cur] = members[(members.index(keeper) + 1) % len(members)]
        self.show_members()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_members()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_show_rows()

    def action_show_rows(self) -> None:
        cur = self.current()
        if cur is not None:
            self.post_message(ShowRows({"dup": f"{cur[0]}#{cur[1]}"}))

    def decisions_changed(self, label: str) -> None:
        self.show_members()

    def target(self) -> Target | None:
        """The selected group's members but its keeper (the representative unless `K`)."""
        cur = self.current()
        scan = self.app.analyses.index("scan")
        if cur is None or scan is None:
            return None
        kind, i = cur
        members = scan.groups[kind][i].tolist()
        keeper = self.keeper(kind, i, members)
        which = "its representative" if keeper == members[0] else self.app.session.label(keeper)
        return Target(
            [g for g in members if g != keeper], f"{kind} group #{i} but {which}", f"dup:{kind}"
        )

    def listed(self) -> list[int]:
        t = self.target()
        return t.gids if t else []
