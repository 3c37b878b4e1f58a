"""Drive a core progress generator with a Rich progress bar on stderr."""

from __future__ import annotations

import sys

from inspector.core.progress import drain


def run_with_progress(gen, *, quiet: bool = False):
    """Run a progress generator to its result, showing a bar when stderr is a terminal."""
    if quiet or not sys.stderr.isatty():
        return drain(gen, lambda p: None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, int] = {}

        def update(p):
            if p.step not in tasks:
                tasks[p.step] = bar.add_task(p.step, total=p.total or None)
            # A cluster's progress adds a detail (blocks done, rows/s) after the step's name.
            description = p.step + getattr(p, "detail", "")
            bar.update(
                tasks[p.step], completed=p.done, total=p.total or None, description=description
            )

        return drain(gen, update)
