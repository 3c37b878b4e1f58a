"""The clusters view: a braille map of every row, the selected cluster lit, and the cluster list."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from inspector.core.safe_text import safe_line

from ..messages import ShowRows
from ..widgets.braille_map import BrailleMap
from ..widgets.charts import share
from ..widgets.lists import ItemList
from ..widgets.panels import AnalysisPanel
from .base import Target, TriageScreen

#: The id rows in no cluster have (the core's -1: no vector, or HDBSCAN noise kept apart).
NOISE = -1


class ClustersScreen(TriageScreen):
    """`d` drops the selected cluster, enter lists its rows."""

    VIEW = "clusters"
    BINDINGS = [
        Binding("enter", "show_rows", "Rows of cluster", id="clusters.rows"),
    ]
    DEFAULT_CSS = """
    ClustersScreen #clusters-body { height: 1fr; }
    ClustersScreen #clusters-head { height: auto; padding: 0 1; color: $text-muted; }
    ClustersScreen #clusters-main { height: 1fr; }
    ClustersScreen BrailleMap { width: 1fr; border: round $panel; }
    ClustersScreen OptionList { width: 1fr; }
    """

    def compose_view(self) -> ComposeResult:
        yield AnalysisPanel("clusters")
        with Vertical(id="clusters-body"):
            yield Static(id="clusters-head")
            with Horizontal(id="clusters-main"):
                yield BrailleMap(id="cluster-map")
                yield ItemList(id="cluster-list", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.sync()

    def analysis_changed(self, name: str) -> None:
        if name == "clusters":
            self.sync()

    def sync(self) -> None:
        index = self.analysis_or_panel("clusters", "clusters-body")
        if index is None:
            return
        self.query_one("#clusters-head", Static).update(self.head(index))
        options = self.query_one("#cluster-list", OptionList)
        options.clear_options()
        total = max(1, self.app.session.total)
        for c in index.clusters:
            words = ", ".join(c.get("keywords", [])[:5])
            name = f"{c['id']:>3}" if c["id"] >= 0 else "  –"
            line = Text(
                safe_line(
                    f"{name} {c['size']:>6,} {share(c.get('share', c['size'] / total)):>6}  {words}"
                ),
                no_wrap=True,
                overflow="ellipsis",
            )
            options.add_option(Option(line, id=str(c["id"])))
        if index.unclustered and NOISE not in index.by_id:
            line = Text(
                f"  – {index.unclustered:>6,} {share(index.unclustered / total):>6}  "
                "no cluster: no text to embed",
                no_wrap=True,
                overflow="ellipsis",
                style="italic",
            )
            options.add_option(Option(line, id=str(NOISE)))
        options.highlighted = 0 if index.clusters else None
        options.focus()
        self.replot()

    def head(self, index) -> Text:
        """Which encoder made the map (and how to choose another), what is in no cluster."""
        text = Text(no_wrap=False)
        text.append(f"{len(index.clusters)} clusters", style="bold")
        if index.encoder:
            text.append(f" · {index.encoder}")
        if index.unclustered:
            text.append(f" · {index.unclustered:,} rows in no cluster (–)")
        text.append(" (--embed-model or ctrl+p to change)", style="italic")
        return text

    def current(self) -> int | None:
        options = self.query_one("#cluster-list", OptionList)
        if options.highlighted is None or options.option_count == 0:
            return None
        return int(options.get_option_at_index(options.highlighted).id)

    def replot(self) -> None:
        index = self.app.analyses.index("clusters")
        if index is None:
            return
        cid = self.current()
        highlight = index.cluster == cid if cid is not None else None
        self.query_one(BrailleMap).plot(index.x, index.y, highlight)
        c = index.by_id.get(cid)
        if c is None and cid == NOISE:
            self.status(
                f"{index.unclustered:,} rows in no cluster: their text is empty, or the row "
                "did not normalize · enter lists them"
            )
        if c is not None:
            example = (c.get("examples") or [""])[0]
            example = example.get("text", "") if isinstance(example, dict) else str(example)
            self.status(
                f"cluster {cid}: {c['size']:,} rows · "
                + ", ".join(c.get("keywords", []))
                + (f" · e.g. {example[:80]}" if example else "")
            )

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.replot()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_show_rows()

    def action_show_rows(self) -> None:
        cid = self.current()
        if cid is not None:
            self.post_message(ShowRows({"cluster": cid}))

    def target(self) -> Target | None:
        index = self.app.analyses.index("clusters")
        cid = self.current()
        if index is None or cid is None:
            return None
        return Target(index.members(cid).tolist(), f"cluster {cid}", f"cluster:{cid}")

    def listed(self) -> list[int]:
        t = self.target()
        return t.gids if t else []
