"""The contamination view: each hit with the training row and the test item side by side."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from inspector.core.errors import RowError
from inspector.core.safe_text import safe_line

from ..messages import OpenRow
from ..previews import one_line
from ..widgets.charts import line
from ..widgets.conversation import highlight
from ..widgets.lists import ItemList
from ..widgets.panels import AnalysisPanel
from .base import Target, TriageScreen

MAX_HITS_LISTED = 5000


class ContaminationScreen(TriageScreen):
    """`d` drops the hit's row; enter opens it. Needs a scan run with `--against`."""

    VIEW = "contamination"
    BINDINGS = [
        Binding("enter", "open_row", "Open row", id="contamination.open"),
    ]
    COMPONENT_CLASSES = {"contamination--evidence"}
    DEFAULT_CSS = """
    ContaminationScreen #contam-body { height: 1fr; }
    ContaminationScreen #contam-hits { height: 40%; }
    ContaminationScreen #contam-detail-scroll { height: 1fr; border-top: solid $panel; }
    ContaminationScreen > .contamination--evidence {
        background: $warning; color: $background; text-style: bold underline;
    }
    """

    def compose_view(self) -> ComposeResult:
        yield AnalysisPanel("scan")
        with Vertical(id="contam-body"):
            yield ItemList(id="contam-hits", markup=False)
            with VerticalScroll(id="contam-detail-scroll"):
                yield Static(id="contam-detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.sync()

    def analysis_changed(self, name: str) -> None:
        if name == "scan":
            self.sync()

    def sync(self) -> None:
        scan = self.analysis_or_panel("scan", "contam-body")
        if scan is None:
            return
        hits = self.query_one("#contam-hits", OptionList)
        hits.clear_options()
        s = self.app.session
        for i, hit in enumerate(scan.hits[:MAX_HITS_LISTED]):
            hits.add_option(
                Option(
                    line(
                        f"{s.label(hit['gid']):>8}  {hit.get('against', '')} "
                        f"item {hit.get('item', '')}: "
                        f"“{one_line(str(hit.get('ngram', '')), 100)}”"
                    ),
                    id=str(i),
                )
            )
        if not scan.hits:
            against = ", ".join(str(p) for p in s.settings.against)
            hits.add_option(
                Option(
                    safe_line(f"no contamination found against {against}")
                    if against
                    else "no benchmark given: reopen with --against FILE to check for it",
                    disabled=True,
                )
            )
        hits.focus()
        hits.highlighted = 0 if scan.hits else None
        if not scan.hits:
            self.status(f"{len(s.settings.against)} benchmark file(s) checked · no hit")
        self.show_hit()

    def current(self) -> dict | None:
        scan = self.app.analyses.index("scan")
        hits = self.query_one("#contam-hits", OptionList)
        if scan is None or hits.highlighted is None or not scan.hits:
            return None
        ident = hits.get_option_at_index(hits.highlighted).id
        return scan.hits[int(ident)] if ident is not None else None

    def show_hit(self) -> None:
        hit = self.current()
        detail = self.query_one("#contam-detail", Static)
        if hit is None:
            detail.update("")
            return
        s = self.app.session
        split, row = s.locate(hit["gid"])
        try:
            text = s.ds.conversation(split, row).all_text()
        except RowError as err:
            text = f"⚠ {err.reason}"
        style = self.get_component_rich_style("contamination--evidence")
        ngram = str(hit.get("ngram", ""))
        item = hit.get("item_text") or hit.get("text") or str(hit.get("item", ""))
        table = Table(expand=True, box=None, padding=(0, 1))
        table.add_column(Text(safe_line(f"training row {s.label(hit['gid'])}")), ratio=1)
        table.add_column(
            Text(safe_line(f"{hit.get('against', 'test')} item {hit.get('item', '')}")), ratio=1
        )
        table.add_row(highlight(text, [ngram], style), highlight(str(item), [ngram], style))
        detail.update(table)
        self.status(f"row {s.label(hit['gid'])} shares “{one_line(ngram, 60)}” · d drops it")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_hit()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_open_row()

    def action_open_row(self) -> None:
        hit = self.current()
        if hit is not None:
            self.post_message(OpenRow(hit["gid"], None))

    def target(self) -> Target | None:
        hit = self.current()
        if hit is None:
            return None
        return Target([hit["gid"]], f"row {self.app.session.label(hit['gid'])}", "contaminated")

    def listed(self) -> list[int]:
        scan = self.app.analyses.index("scan")
        return scan.contaminated.tolist() if scan is not None else []
