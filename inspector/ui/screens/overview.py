"""The overview: what the dataset is, how long its rows are, what is wrong, what was decided."""

from __future__ import annotations

from collections import Counter

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from inspector.core.safe_text import safe_line

from ..widgets.charts import counts_table, histogram
from ..widgets.gated import Gated
from .base import ViewScreen


class OverviewScreen(ViewScreen):
    """Sections, each shown as soon as the analysis it needs is ready."""

    VIEW = "overview"
    BINDINGS = [
        Binding("j,down", "scroll(1)", "Scroll down", show=False, id="overview.down"),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False, id="overview.up"),
    ]
    #: section id -> the analysis it needs
    SECTIONS = {
        "dataset": None,
        "decisions": None,
        "summary": "summary",
        "tokens": "tokens",
        "flags": "scan",
        "clusters": "clusters",
    }

    def compose_view(self) -> ComposeResult:
        with VerticalScroll(id="overview-body"):
            yield Gated("Dataset", None, self.render_dataset, id="dataset")
            yield Gated("Decisions", None, self.render_decisions, id="decisions")
            yield Gated("Rows and turn lengths", "summary", self.render_summary, id="summary")
            yield Gated("Tokens", "tokens", self.render_tokens, id="tokens")
            yield Gated("Flags, duplicates, contamination", "scan", self.render_scan, id="flags")
            yield Gated("Clusters", "clusters", self.render_clusters, id="clusters")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#overview-body").focus()
        self.status("the dataset at a glance · 2 rows · ? keys · ctrl+p commands")

    #: sections that also show an analysis they do not wait for (flags: the token linter's)
    ALSO_SHOWS = {"flags": "tokens"}

    def analysis_changed(self, name: str) -> None:
        for section, needs in self.SECTIONS.items():
            if name in (needs, self.ALSO_SHOWS.get(section)):
                self.query_one(f"#{section}", Gated).sync()

    def decisions_changed(self, label: str) -> None:
        self.query_one("#decisions", Gated).sync()

    def action_scroll(self, step: int) -> None:
        body = self.query_one("#overview-body", VerticalScroll)
        body.scroll_relative(y=step * 3, animate=False)

    # -- sections -----------------------------------------------------------------------------

    def render_dataset(self):
        s = self.app.session
        ds = s.ds
        t = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
        t.add_column(style="italic", no_wrap=True)
        t.add_column()
        t.add_row("path", Text(safe_line(ds.path)))
        t.add_row("format", ds.format)
        mapped = {k: v for k, v in ds.column_map.items() if k != v}
        if mapped:
            t.add_row(
                "columns", Text(safe_line(", ".join(f"{k} ← {v}" for k, v in mapped.items())))
            )
        t.add_row("files", Text(safe_line(", ".join(f.name for f in ds.files))))
        splits = ", ".join(f"{sp} {ds.num_rows(sp):,}" for sp in s.splits)
        t.add_row("rows", Text(safe_line(f"{s.total:,}  ({splits})")))
        return t

    def render_decisions(self):
        s = self.app.session
        counts = s.decisions.counts()
        undecided = s.total - counts["keep"] - counts["drop"]
        head = Text(
            f"kept {counts['keep']:,} · dropped {counts['drop']:,} · undecided {undecided:,}"
        )
        reasons = Counter(
            s.decisions.reasons[g] for g in s.decisions.reasons if s.decisions.codes[g] == 2
        )
        if not reasons:
            return head
        # Drops made without a reason count too, so the table adds up to every drop.
        unexplained = counts["drop"] - sum(reasons.values())
        if unexplained > 0:
            reasons["(no reason)"] = unexplained
        return Group(
            head,
            counts_table(list(reasons.items()), counts["drop"], headers=("drop reason", "rows")),
        )

    def render_summary(self):
        summary = self.app.analyses["summary"].result
        problems = summary.get("problems", [])
        t = Table(box=None, pad_edge=False, padding=(0, 1))
        for col in ("role", "turns", "mean", "p50", "p90", "p99", "max"):
            t.add_column(col, justify="left" if col == "role" else "right", no_wrap=True)
        for role, r in summary.get("roles", {}).items():
            t.add_row(
                Text(safe_line(role)),
                f"{r['turns']:,}",
                f"{r['mean']:,.0f}",
                f"{r['p50']:,}",
                f"{r['p90']:,}",
                f"{r['p99']:,}",
                f"{r['max']:,}",
            )
        note = Text(
            f"{len(problems):,} rows could not be normalized"
            if problems
            else "every row normalized",
            style="bold" if problems else "",
        )
        for p in problems[:5]:
            note.append("\n" + safe_line(f"  {p['split']} row {p['row']}: {p['reason']}"))
        return Group(Text("characters per turn", style="italic"), t, note)

    def render_tokens(self):
        tokens = self.app.analyses.index("tokens")
        known = tokens.known()
        totals = tokens.total[known]
        trained = tokens.trained[known]
        share = trained.sum() / max(1, totals.sum())
        head = Text(
            f"{known.sum():,} rows tokenized · trained-token share {share:.1%} · "
            f"{int(tokens.truncated.sum()):,} truncated"
        )
        return Group(head, histogram(totals, bins=8, width=28, unit=" tok"))

    def render_scan(self):
        scan = self.app.analyses.index("scan")
        flags_index = self.app.analyses.index("flags")
        total = self.app.session.total
        flags = counts_table(
            [(code, len(g)) for code, g in flags_index.flags.items()],
            total,
            headers=("flag", "rows"),
        )
        dups = Text()
        for kind, groups in scan.groups.items():
            extra = sum(len(g) - 1 for g in groups)
            dups.append(
                f"{kind} duplicates: {len(groups):,} groups, {extra:,} rows beyond "
                "the representatives\n"
            )
        if not scan.groups:
            dups.append("no duplicates\n")
        if self.app.session.settings.against:
            dups.append(
                f"contamination: {len(scan.hits):,} hits in {scan.contaminated.size:,} rows"
            )
        else:
            dups.append("contamination: not checked (open with --against TEST_FILE)")
        if scan.leakage:
            dups.append(
                f"\nsplit leakage: {len(scan.leakage):,} duplicate groups span two splits "
                "(the same example in train and a held-out split)"
            )
        parts = [flags, dups]
        if self.app.analyses.index("tokens") is None:
            # The token linter's flags (too_long, no_trained_tokens...) join the table later.
            parts.insert(
                1,
                Text(
                    "token flags (too_long, no_trained_tokens, assistant_turn_untrained) "
                    "appear when the tokens analysis finishes",
                    style="italic",
                ),
            )
        return Group(*parts)

    def render_clusters(self):
        clusters = self.app.analyses.index("clusters")
        rows = [
            (f"{c['id']}: " + ", ".join(c.get("keywords", [])[:4]), int(c["size"]))
            for c in clusters.clusters
        ]
        head = Text(f"{len(rows)} clusters")
        if clusters.encoder:
            head.append(f" · embedded with {clusters.encoder}")
        if clusters.unclustered:
            head.append(f" · {clusters.unclustered:,} rows in no cluster (no text to embed)")
        head.append("\n3 shows the map · --embed-model or ctrl+p chooses the encoder", "italic")
        return Group(
            head,
            counts_table(rows[:12], self.app.session.total, headers=("cluster", "rows")),
        )
