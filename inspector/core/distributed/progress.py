"""Progress of work on a cluster: blocks done out of the total, and rows per second."""

from __future__ import annotations

import time
from dataclasses import dataclass

from inspector.core.progress import Progress


@dataclass(frozen=True)
class ClusterProgress(Progress):
    """A `Progress` with a `detail` the CLI shows after the step ("12/40 blocks, 8,100 rows/s");
    anything that only knows `Progress` reads it as one."""

    detail: str = ""


class Throughput:
    """Counts rows and blocks as they come back from the cluster."""

    def __init__(self, total_rows: int, total_blocks: int):
        self.total_rows = total_rows
        self.total_blocks = total_blocks
        self.rows = 0
        self.blocks = 0
        self.started = time.perf_counter()

    def add(self, rows: int) -> None:
        self.rows += rows
        self.blocks += 1

    @property
    def rows_per_s(self) -> float:
        return self.rows / max(time.perf_counter() - self.started, 1e-9)

    def progress(self, step: str) -> ClusterProgress:
        detail = (
            f" {min(self.blocks, self.total_blocks)}/{self.total_blocks} blocks,"
            f" {self.rows_per_s:,.0f} rows/s"
        )
        return ClusterProgress(step, self.rows, self.total_rows, detail)
