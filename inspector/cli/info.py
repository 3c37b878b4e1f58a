"""`inspector info`: format, splits, row counts, per-role lengths and the rows that failed."""

from __future__ import annotations

import click

from inspector.cli.common import (
    dataset_options,
    emit_json,
    handle_input_errors,
    json_stdout,
    marked,
    open_from_options,
    plain,
)
from inspector.cli.progress import run_with_progress
from inspector.core.safe_text import safe_line, safe_text

#: How many problem rows the human-readable output lists before summarizing the rest.
SHOW_FILES = 5
SHOW_PROBLEMS = 20


@click.command("info")
@dataset_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@handle_input_errors
def command(path, fmt, column_map, state_dir, as_json):
    """Show what a dataset holds: its format, splits, rows, lengths and unreadable rows.

    Every row is checked; rows that cannot be normalized are listed with their split, row
    number (0-based) and the reason. The input is only read, never modified.
    """
    from inspector.core.data import summarize

    with json_stdout(as_json):
        ds = open_from_options(path, fmt, column_map, state_dir)
        summary = run_with_progress(summarize(ds), quiet=as_json)
        markers = _markers(ds)
    if as_json:
        out = summary.to_json()
        if markers is not None:
            out["markers"] = markers
        emit_json(out, indent=2)
        return
    _print_summary(summary)
    if markers is not None:
        from rich.console import Console

        from inspector.cli.tokens_view import print_markers

        print_markers(Console(), markers)


def _markers(ds) -> dict | None:
    """For pre-formatted text: the response markers found in the first split's text."""
    if ds.format != "text":
        return None
    from inspector.core.tokens.markers import marker_report

    split = "train" if "train" in ds.splits else ds.splits[0]
    return {"split": split, **marker_report(ds, split)}


def _print_summary(summary) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]{marked(summary.path)}[/]  format: [bold cyan]{summary.format}[/]")
    if summary.column_map:
        # Every column the format reads; `field <- source` where --map renamed one.
        console.print(
            "columns: "
            + safe_line(
                ", ".join(k if k == v else f"{k} <- {v}" for k, v in summary.column_map.items())
            ),
            markup=False,
            highlight=False,
        )
    _print_reading(console, summary.reading or {})
    files = list(summary.files or [])
    if len(files) > 1:
        shown = safe_line(", ".join(str(f) for f in files[:SHOW_FILES]))
        more = (
            f" and {len(files) - SHOW_FILES:,} more (see --json)" if len(files) > SHOW_FILES else ""
        )
        console.print(f"files ({len(files):,}): {shown}{more}", markup=False, highlight=False)
    splits = Table(title="splits", title_justify="left")
    splits.add_column("split")
    splits.add_column("rows", justify="right")
    splits.add_column("problems", justify="right")
    for name, s in summary.splits.items():
        splits.add_row(plain(name), f"{s.rows:,}", f"{s.problems:,}")
    console.print(splits)
    roles = Table(title="turn lengths (characters)", title_justify="left")
    for col in ("role", "turns", "mean", "p50", "p90", "p99", "max"):
        roles.add_column(col, justify="left" if col == "role" else "right")
    for role, r in summary.roles.items():
        roles.add_row(
            plain(role),
            f"{r.turns:,}",
            f"{r.mean:,.0f}",
            f"{r.p50:,}",
            f"{r.p90:,}",
            f"{r.p99:,}",
            f"{r.max:,}",
        )
    console.print(roles)
    if summary.problems:
        console.print(f"[bold red]{len(summary.problems):,} rows could not be normalized:[/]")
        for p in summary.problems[:SHOW_PROBLEMS]:
            console.print(
                safe_text(f"  {p.split} row {p.row}: {p.reason}"), markup=False, highlight=False
            )
        if len(summary.problems) > SHOW_PROBLEMS:
            console.print(f"  ... and {len(summary.problems) - SHOW_PROBLEMS:,} more (see --json)")
    else:
        console.print("[green]every row normalized[/]")


def _print_reading(console, reading: dict) -> None:
    """Which columns make each part, the known layout used, and the columns it left aside."""
    if reading.get("layout"):
        console.print(
            f"layout: {reading['layout']} (detected; --map overrides it)",
            markup=False,
            highlight=False,
        )
    parts = reading.get("parts") or {}
    if parts:
        console.print(
            "read as: " + "; ".join(f"{k} <- {' + '.join(v)}" for k, v in parts.items()),
            markup=False,
            highlight=False,
        )
    for name, others in (reading.get("candidates") or {}).items():
        console.print(
            f"[yellow]also possible:[/] {name} <- {' or '.join(others)} "
            f"(use --map {name}={others[0]} to read that one instead)",
            highlight=False,
        )
