"""Text charts: horizontal histograms and count tables that read in any terminal."""

from __future__ import annotations

import numpy as np
from rich.table import Table
from rich.text import Text

from inspector.core.safe_text import safe_line

BLOCKS = " ▏▎▍▌▋▊▉█"


def share(fraction: float) -> str:
    """A share as a percentage; a small but non-zero one reads `<0.1%`, never `0.0%`."""
    if 0 < fraction < 0.001:
        return "<0.1%"
    return f"{fraction:.1%}"


def line(text: str) -> Text:
    """One line of a list: never wrapped, cut with an ellipsis at the widget's edge."""
    return Text(safe_line(text), no_wrap=True, overflow="ellipsis")


def hbar(fraction: float, width: int) -> str:
    """A bar of `width` cells filled to `fraction`, with eighth-cell precision."""
    eighths = int(round(max(0.0, min(1.0, fraction)) * width * 8))
    full, part = divmod(eighths, 8)
    return ("█" * full + (BLOCKS[part] if part else "")).ljust(width)


def histogram(values: np.ndarray, bins: int = 10, width: int = 30, unit: str = "") -> Table:
    """A histogram of `values` as rows `range │ bar count`.

    The bins span up to the 99th percentile and the last one takes everything above, so a
    few huge outliers do not squash every other row into the first bin.
    """
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
    table.add_column(justify="right", no_wrap=True)
    table.add_column(no_wrap=True, width=width)
    table.add_column(justify="right", no_wrap=True)
    values = np.asarray(values)
    if values.size == 0:
        table.add_row("", "(no rows)", "")
        return table
    top_value = float(values.max())
    hi = float(np.percentile(values, 99))
    overflow = top_value > hi * 1.5 and values.size >= 100
    if not overflow:
        hi = top_value
    lo = float(values.min())
    edges = np.linspace(lo, hi if hi > lo else lo + 1, bins + (0 if overflow else 1))
    if overflow:
        edges = np.append(edges, top_value)
    counts, _ = np.histogram(values, bins=edges)
    top = max(1, int(counts.max()))
    for i, n in enumerate(counts):
        if overflow and i == len(counts) - 1:
            label = f"≥ {int(edges[i]):,}{unit}"
        else:
            label = f"{int(edges[i]):,}–{int(edges[i + 1]):,}{unit}"
        table.add_row(label, hbar(n / top, width), f"{int(n):,}")
    return table


def counts_table(
    rows: list[tuple[str, int]],
    total: int | None = None,
    width: int = 20,
    headers: tuple[str, str] = ("", "rows"),
) -> Table:
    """Named counts with bars (and shares of `total` when given), largest first."""
    table = Table(box=None, pad_edge=False, padding=(0, 1), show_header=bool(headers[0]))
    table.add_column(headers[0], no_wrap=True)
    table.add_column(headers[1], justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    if not rows:
        table.add_row(Text("none", style="italic"), "", "")
        return table
    top = max(1, max(n for _, n in rows))
    for name, n in sorted(rows, key=lambda r: -r[1]):
        part = f" {share(n / total):>5}" if total else ""
        table.add_row(Text(safe_line(name)), f"{n:,}", hbar(n / top, width) + part)
    return table
