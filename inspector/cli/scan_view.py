"""The Rich summary `inspector scan` prints: flags, duplicates, contamination, leakage."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from inspector.cli.common import marked, plain
from inspector.cli.tables import Col, fit_table
from inspector.core.safe_text import safe_line

#: Example groups / hits listed per section before "... and N more".
SHOW = 5
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _where(item: dict) -> str:
    return safe_line(f"{item['split']}:{item['row']}")


def _file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _clip(text: str, limit: int = 70) -> str:
    """Data on one line of a table: whitespace collapsed, controls shown, cut at `limit`."""
    flat = safe_line(" ".join(str(text).split()))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def print_summary(result, clusters=None, json_out=None, console: Console | None = None) -> None:
    """Print a scan result for people (the JSON output has everything)."""
    console = console or Console()
    rows = sum(result.splits.values())
    splits = ", ".join(f"{s} {n:,}" for s, n in result.splits.items())
    console.print(
        f"[bold]{marked(result.path)}[/]  format: [bold cyan]{result.format}[/]  rows: {rows:,} "
        f"({marked(splits)})"
    )
    _flags(console, result)
    _duplicates(console, result)
    _preambles(console, getattr(result, "preambles", []))
    _contamination(console, result)
    _leakage(console, result)
    if result.problems:
        _problems(console, result.problems)
    if clusters is not None:
        _clusters(console, clusters)
    if json_out is not None:
        console.print(f"full result: {marked(json_out)}")


def _preambles(console: Console, preambles: list[dict]) -> None:
    """Text shared verbatim by many prompts, named once: near-duplicate prompts and the
    semantic embedding leave it out, so a group means the rows ask the same thing."""
    if not preambles:
        return
    console.print(
        f"[bold]{len(preambles):,} shared preamble(s)[/] left out of prompt similarity and "
        "the semantic embedding:"
    )
    for p in preambles[:SHOW]:
        line = Text(f"  {p['kind']}, {p['chars']:,} chars, {p['rows']:,} rows: ")
        # Data: appended as plain text (never markup), control characters shown as "?".
        shown = "".join(c if c.isprintable() else "?" for c in _clip(p["text"], 90))
        line.append(shown)
        console.print(line)
    if len(preambles) > SHOW:
        console.print(f"  ... and {len(preambles) - SHOW:,} more (see --json)")


def _problems(console: Console, problems: list[dict], shown: int = 5) -> None:
    """Rows that could not be read, named with their reason (the JSON lists every one)."""
    n = len(problems)
    console.print(f"[bold red]{n:,} rows could not be normalized[/] (code invalid_row):")
    for p in problems[:shown]:
        console.print(plain(f"  {p['split']}:{p['row']}  {p['reason']}"))
    if len(problems) > shown:
        console.print(f"  … and {len(problems) - shown:,} more (all in the --json output)")


def _flags(console: Console, result) -> None:
    flags = result.flags
    if not flags:
        console.print("[green]no quality flags[/]")
        return
    first = {}
    for f in result.findings:
        first.setdefault(f["code"], f)
    rows = []
    for code, items in flags.items():
        severity = result.codes.get(code, {}).get("severity", "")
        ex = first[code]
        example = Text(safe_line(f"{_where(ex)} "), style="dim")
        example.append(_clip(ex["evidence"]))
        rows.append(
            [
                code,
                Text(severity, style=SEVERITY_STYLE.get(severity, "")),
                f"{len(items):,}",
                example,
            ]
        )
    cols = [Col("code"), Col("severity"), Col("rows", right=True), Col("example", wrap=True)]
    console.print(fit_table("quality flags", cols, rows, console.width))


def _duplicates(console: Console, result) -> None:
    labels = {
        "exact": "exact (whole row)",
        "prompt": "same prompt",
        "near": f"near (Jaccard >= {result.settings.get('near_threshold')})",
        "near_prompt": f"near prompt (>= {result.settings.get('prompt_threshold')})",
        "semantic": f"semantic (cosine > {result.settings.get('semantic_threshold')})",
    }
    rows = []
    for kind, groups in result.duplicates.items():
        members = sum(len(g) for g in groups)
        example = ", ".join(_where(m) for m in groups[0][:6]) if groups else ""
        if groups and len(groups[0]) > 6:
            example += ", …"
        rows.append(
            [
                labels.get(kind, kind),
                f"{len(groups):,}",
                f"{members:,}",
                f"{members - len(groups):,}",
                plain(example),
            ]
        )
    cols = [
        Col("kind"),
        Col("groups", right=True),
        Col("rows", right=True),
        Col("removable", right=True),
        Col("example group", wrap=True),
    ]
    table = fit_table("duplicates (first row of a group is kept)", cols, rows, console.width)
    console.print(table)
    if result.conflicting_prompts:
        console.print(
            f"[yellow]{len(result.conflicting_prompts):,} prompts have different answers[/] "
            "(conflicting labels), e.g. "
            + marked(", ".join(_where(m) for m in result.conflicting_prompts[0][:6]))
        )
    if result.sweep:
        sweep = Table(title="near-duplicate rows removed by threshold", title_justify="left")
        sweep.add_column("Jaccard >=")
        for p in result.sweep:
            sweep.add_column(f"{p['threshold']:g}", justify="right")
        sweep.add_row("rows removed", *(f"{p['rows_removed']:,}" for p in result.sweep))
        console.print(sweep)


def _contamination(console: Console, result) -> None:
    against = result.settings.get("against") or []
    if not against:
        return
    hits = result.contamination
    if not hits:
        names = ", ".join(_file_name(a[0]) for a in against)
        console.print(f"[green]no contamination found[/] against {marked(names)}")
        return
    cols = [
        Col("row"),
        Col("against", wrap=True),
        Col("item"),
        Col("kind"),
        Col("overlap", wrap=True),
    ]
    rows = [
        [
            plain(_where(h)),
            plain(h["against"]),
            plain(h["item"]),
            h["kind"],
            plain(_clip(h["ngram"], 80)),
        ]
        for h in hits[: SHOW * 4]
    ]
    table = fit_table(f"contamination ({len(hits):,} rows)", cols, rows, console.width)
    console.print(table)
    if len(hits) > SHOW * 4:
        console.print(f"  ... and {len(hits) - SHOW * 4:,} more (see --json)")


def _leakage(console: Console, result) -> None:
    if len(result.splits) < 2:
        return
    if not result.leakage:
        console.print("[green]no duplicates across splits[/]")
        return
    console.print(f"[bold red]{len(result.leakage):,} duplicate groups cross splits[/] (leakage):")
    for g in result.leakage[:SHOW]:
        console.print(f"  {g['kind']}: " + marked(", ".join(_where(m) for m in g["rows"][:8])))
    if len(result.leakage) > SHOW:
        console.print(f"  ... and {len(result.leakage) - SHOW:,} more (see --json)")


def _clusters(console: Console, clusters) -> None:
    cols = [
        Col("id", right=True),
        Col("size", right=True),
        Col("keywords", wrap=True),
        Col("example", wrap=True, priority=1),
    ]
    rows = [
        [str(cid), f"{size:,}", plain(keywords), plain(_clip(example, 60))]
        for cid, size, keywords, example in clusters.table_rows()
    ]
    console.print(fit_table("clusters", cols, rows, console.width))
    missing = getattr(clusters, "without_vector", 0)
    if missing:
        console.print(f"{missing:,} rows have no text to embed and are off the map (cluster -1)")
