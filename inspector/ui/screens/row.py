"""One row: the conversation, its tokens, its flags with evidence, its duplicates and neighbours."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from inspector.core.errors import RowError
from inspector.core.safe_text import safe_line, safe_text

from ..adapters import tokenize_row
from ..messages import OpenRow
from ..widgets.charts import line
from ..widgets.conversation import ConversationView
from ..widgets.lists import ItemList
from ..widgets.tokens import TokenView
from .base import Target, TriageScreen

TABS = ("text", "tokens", "flags", "related")


def stored_record(ds, split: str, row: int, limit: int = 4000) -> str:
    """A row as the input holds it, as JSON (cut at `limit` characters)."""
    import json

    try:
        text = json.dumps(ds.raw_row(split, row), ensure_ascii=False, indent=1, default=str)
    except Exception as err:  # noqa: BLE001 - the record itself may be what is broken
        return f"(could not be read: {err})"
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RowScreen(TriageScreen):
    """Pushed over the rows view; `n`/`p` walk the rows of the list it was opened from."""

    VIEW = "rows"
    HELP_NAME = "one-row"
    BINDINGS = [
        Binding("n,J", "walk(1)", "Next", id="row.next"),
        Binding("p,K", "walk(-1)", "Prev", id="row.previous"),
        Binding("right_square_bracket", "tab(1)", "Tab", id="row.next_tab"),
        Binding("left_square_bracket", "tab(-1)", "Previous tab", show=False, id="row.prev_tab"),
        Binding("escape", "app.back", "Back", id="row.back"),
        Binding("j,down", "scroll(1)", "Scroll down", show=False, id="row.down"),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False, id="row.up"),
    ]

    def __init__(self, gid: int, walk=None):
        super().__init__()
        self.gid = gid
        self.walk = np.asarray(walk if walk is not None else [gid], dtype=np.int64)
        hits = np.flatnonzero(self.walk == gid)
        self.pos: int | None = int(hits[0]) if hits.size else None
        self.conversation = None
        self.problem: str | None = None

    def advance(self) -> None:
        """`d`/`a` decide this row and stay on it: `n`/`p` walk to the next one."""

    def compose_view(self) -> ComposeResult:
        yield Static(id="row-head")
        with TabbedContent(*TABS, id="row-tabs"):
            with TabPane("text", id="tab-text"):
                with VerticalScroll():
                    yield ConversationView(id="row-text")
            with TabPane("tokens", id="tab-tokens"):
                with VerticalScroll():
                    yield TokenView(id="row-tokens")
            with TabPane("flags", id="tab-flags"):
                with VerticalScroll():
                    yield Static(id="row-flags")
            with TabPane("related", id="tab-related"):
                yield ItemList(id="row-related", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.load()

    # -- loading ------------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        self.app.row_shown = self.gid  # back from a related row: this one is shown again

    def load(self) -> None:
        s = self.app.session
        self.app.row_shown = self.gid  # the rows view's cursor follows `n`/`p`
        split, row = s.locate(self.gid)
        raw = None
        try:
            self.conversation, self.problem = s.ds.conversation(split, row), None
        except RowError as err:
            self.conversation, self.problem = None, err.reason
            raw = stored_record(s.ds, split, row)
        self.evidence: list[str] = []
        self.query_one("#row-text", ConversationView).show(
            self.conversation, self.problem, mask=s.settings.mask, raw=raw
        )
        self.show_head()
        self.show_flags()
        self.show_related()
        self.query_one("#row-tokens", TokenView).update(Text("tokenizing…", style="italic"))
        if self.conversation is not None:
            self.tokenize(self.conversation)
        else:
            self.query_one("#row-tokens", TokenView).update(Text(safe_text(self.problem or "")))

    def show_head(self) -> None:
        s = self.app.session
        head = Text()
        head.append(safe_line(f" row {s.label(self.gid)}"), style="bold")
        if len(self.walk) > 1 and self.pos is not None:
            head.append(f"  {self.pos + 1:,}/{len(self.walk):,}")
        decision = s.decisions.of(self.gid)
        if decision:
            reason = s.decisions.reasons.get(self.gid)
            head.append(
                safe_line(f"  {decision.upper()}" + (f" ({reason})" if reason else "")),
                style="bold reverse",
            )
        flags = self.app.analyses.index("flags")
        if flags is not None and flags.flags_of.get(self.gid):
            head.append("  flags: " + ", ".join(flags.flags_of[self.gid]))
        clusters = self.app.analyses.index("clusters")
        if clusters is not None and clusters.cluster[self.gid] >= -1:
            head.append(f"  cluster {clusters.cluster[self.gid]}")
        self.query_one("#row-head", Static).update(head)
        self.status(
            f"row {s.label(self.gid)} · n/p next/previous · ] next tab · "
            "d drop · a keep · escape back"
        )

    @work(thread=True, exclusive=True, group="row-tokens", exit_on_error=False)
    def tokenize(self, conv) -> None:
        view = self.query_one("#row-tokens", TokenView)
        try:
            row = tokenize_row(self.app.session, conv)
        except Exception as err:  # shown in this tab only; the rest of the row view works
            self.app.call_from_thread(
                view.update,
                Text(safe_text(f"cannot tokenize this row: {type(err).__name__}: {err}")),
            )
            return
        self.app.call_from_thread(view.show, row)

    def show_flags(self) -> None:
        """Each flag with its evidence, which is also highlighted in the text tab."""
        scan = self.app.analyses.index("scan")
        flags = self.app.analyses.index("flags")
        out = self.query_one("#row-flags", Static)
        text = Text()
        findings = scan.findings_of.get(self.gid, []) if scan is not None else []
        for f in findings:
            text.append(f["code"], style="bold")
            text.append(safe_line(f"  {f.get('severity', '')}  {f.get('where', '')}") + "\n")
            if f.get("evidence"):
                text.append("  evidence: ")
                text.append(safe_text(f["evidence"]), style="reverse")
                text.append("\n")
        shown = {f["code"] for f in findings}
        tokens = self.app.analyses.index("tokens")
        for code in flags.flags_of.get(self.gid, []) if flags is not None else []:
            if code not in shown:  # a token-linter code: its facts are in the tokens tab
                text.append(code, style="bold")
                text.append("  from the token facts (see the tokens tab)\n")
        if scan is not None and self.gid in scan.contaminated_set:
            for hit in (h for h in scan.hits if h["gid"] == self.gid):
                text.append("contaminated", style="bold")
                text.append(safe_line(f"  matches {hit.get('against')} item {hit.get('item')}: "))
                text.append(safe_text(hit.get("ngram", "")), style="reverse")
                text.append("\n")
        if not text.plain:
            text.append("no flag on this row")
        if scan is None:
            text.append("\n" + self.app.analyses["scan"].describe(), style="italic")
        if tokens is None:
            text.append("\n" + self.app.analyses["tokens"].describe(), style="italic")
        out.update(text)
        evidence = [str(f["evidence"]) for f in findings if f.get("evidence")]
        if evidence != self.evidence:
            self.evidence = evidence
            self.query_one("#row-text", ConversationView).show(
                self.conversation, self.problem, evidence
            )

    def show_related(self) -> None:
        related = self.query_one("#row-related", OptionList)
        related.clear_options()
        s = self.app.session
        entries: list[tuple[str, list[int]]] = []
        scan = self.app.analyses.index("scan")
        if scan is not None:
            for kind, of in scan.group_of.items():
                g = int(of[self.gid])
                if g >= 0:
                    members = [m for m in scan.groups[kind][g].tolist() if m != self.gid]
                    entries.append((f"{kind} duplicate group #{g}", members))
        clusters = self.app.analyses.index("clusters")
        if clusters is not None:
            entries.append(("nearest on the cluster map", clusters.neighbours(self.gid).tolist()))
        if not entries:
            why = [self.app.analyses[n].describe() for n in ("scan", "clusters")]
            related.add_option(
                Option(
                    "duplicates and neighbours appear when these finish: " + "; ".join(why),
                    disabled=True,
                )
            )
            return
        from ..previews import Previews

        previews = Previews(s)
        for section, (title, members) in enumerate(entries):
            related.add_option(Option(f"── {title} ({len(members)})", disabled=True))
            texts = previews.get(members)
            for m in members:
                # A row can be in several sections: ids must stay unique in the list.
                related.add_option(
                    Option(line(f"{s.label(m):>8}  {texts.get(m, '')}"), id=f"{section}:{m}")
                )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.post_message(OpenRow(int(event.option.id.partition(":")[2]), None))

    # -- navigation ---------------------------------------------------------------------------

    def action_walk(self, step: int) -> None:
        if self.pos is None:
            return
        i = self.pos + step
        if 0 <= i < len(self.walk):
            self.pos, self.gid = i, int(self.walk[i])
            self.load()

    def action_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        i = TABS.index(tabs.active.removeprefix("tab-")) if tabs.active else 0
        tabs.active = f"tab-{TABS[(i + step) % len(TABS)]}"

    def action_scroll(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        pane = tabs.get_pane(tabs.active)
        for scroll in pane.query(VerticalScroll):
            scroll.scroll_relative(y=step * 3, animate=False)
            return
        if step > 0:
            pane.query_one(OptionList).action_cursor_down()
        else:
            pane.query_one(OptionList).action_cursor_up()

    def analysis_changed(self, name: str) -> None:
        if name in ("scan", "clusters", "tokens") and self.app.analyses[name].ready:
            self.show_head()
            self.show_flags()
            self.show_related()

    def decisions_changed(self, label: str) -> None:
        self.show_head()

    def target(self) -> Target | None:
        return Target([self.gid], f"row {self.app.session.label(self.gid)}")

    def listed(self) -> list[int]:
        return self.walk.tolist()
