"""The Rich summary `inspector scan` prints: flags, duplicates, contamination, leakage."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

#: Example groups / hits listed per section before "... and N more".
SHOW = 5
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _where(item: dict) -> str:
    return f"{item['split']}:{item['row']}"


def _file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _clip(text: str, limit: int = 70) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def print_summary(result, clusters=None, json_out=None, console: Console | None = None) -> None:
    """Print a scan result for people (the JSON output has everything)."""
    console = console or Console()
    rows = sum(result.splits.values())
    splits = ", ".join(f"{s} {n:,}" for s, n in result.splits.items())
    console.print(
        f"[bold]{result.path}[/]  format: [bold cyan]{result.format}[/]  rows: {rows:,} ({splits})"
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
        console.print(f"full result: {json_out}")


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
        console.print(f"  {p['split']}:{p['row']}  {p['reason']}", markup=False)
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
    table = Table(title="quality flags", title_justify="left")
    for col in ("code", "severity", "rows", "example"):
        table.add_column(col, justify="right" if col == "rows" else "left", overflow="fold")
    for code, items in flags.items():
        severity = result.codes.get(code, {}).get("severity", "")
        ex = first[code]
        example = Text(f"{_where(ex)} ", style="dim")
        example.append(_clip(ex["evidence"]))
        table.add_row(
            code, Text(severity, style=SEVERITY_STYLE.get(severity, "")), f"{len(items):,}", example
        )
    console.print(table)


def _duplicates(console: Console, result) -> None:
    table = Table(title="duplicates (first row of a group is kept)", title_justify="left")
    for col in ("kind", "groups", "rows", "removable", "example group"):
        table.add_column(col, justify="left" if col in ("kind", "example group") else "right")
    labels = {
        "exact": "exact (whole row)",
        "prompt": "same prompt",
        "near": f"near (Jaccard >= {result.settings.get('near_threshold')})",
        "near_prompt": f"near prompt (>= {result.settings.get('prompt_threshold')})",
        "semantic": f"semantic (cosine > {result.settings.get('semantic_threshold')})",
    }
    for kind, groups in result.duplicates.items():
        members = sum(len(g) for g in groups)
        example = ", ".join(_where(m) for m in groups[0][:6]) if groups else ""
        if groups and len(groups[0]) > 6:
            example += ", …"
        table.add_row(
            labels.get(kind, kind),
            f"{len(groups):,}",
            f"{members:,}",
            f"{members - len(groups):,}",
            example,
        )
    console.print(table)
    if result.conflicting_prompts:
        console.print(
            f"[yellow]{len(result.conflicting_prompts):,} prompts have different answers[/] "
            "(conflicting labels), e.g. "
            + ", ".join(_where(m) for m in result.conflicting_prompts[0][:6])
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
        console.print(f"[green]no contamination found[/] against {names}")
        return
    table = Table(title=f"contamination ({len(hits):,} rows)", title_justify="left")
    for col in ("row", "against", "item", "kind", "overlap"):
        table.add_column(col, overflow="fold")
    for h in hits[: SHOW * 4]:
        table.add_row(_where(h), h["against"], str(h["item"]), h["kind"], _clip(h["ngram"], 80))
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
        console.print(f"  {g['kind']}: " + ", ".join(_where(m) for m in g["rows"][:8]))
    if len(result.leakage) > SHOW:
        console.print(f"  ... and {len(result.leakage) - SHOW:,} more (see --json)")


def _clusters(console: Console, clusters) -> None:
    table = Table(title="clusters", title_justify="left")
    for col in ("id", "size", "keywords", "example"):
        table.add_column(col, justify="right" if col in ("id", "size") else "left", overflow="fold")
    for cid, size, keywords, example in clusters.table_rows():
        table.add_row(str(cid), f"{size:,}", keywords, _clip(example, 60))
    console.print(table)
    missing = getattr(clusters, "without_vector", 0)
    if missing:
        console.print(f"{missing:,} rows have no text to embed and are off the map (cluster -1)")
