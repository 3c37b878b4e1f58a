"""What clustering returns: `ClusterResult` (labels, map positions, titles) and the settings
that make a result, shared by `clusters` (which computes it) and `cluster_cache` (which
stores it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from inspector.core.semantic.topics import ClusterInfo

MIN_SAMPLES = 5


#: Fewer rows than this are one cluster: UMAP and HDBSCAN need neighbours to work with.
MIN_ROWS = 20


@dataclass
class ClusterResult:
    """Clusters of a set of rows, their 2-D map positions and titles."""

    clusters: list[ClusterInfo]
    labels: np.ndarray
    """int32 cluster id per row; -1 for noise (with keep_noise) and rows with no vector."""
    xy: np.ndarray
    """float32 (rows, 2) map position; NaN for rows with no vector."""
    keys: Sequence[tuple[str, int]]
    model_name: str
    extra: dict = field(default_factory=dict)

    @property
    def without_vector(self) -> int:
        """Rows with no vector (no text at all, or a row that could not be read): off the map."""
        return int(np.isnan(self.xy[:, 0]).sum()) if len(self.xy) else 0

    def to_json(self) -> dict:
        """``{"clusters": [...], "rows": [{"split","row","cluster","x","y"}],
        "rows_without_vector": n}`` (x, y null when the row has no vector)."""
        clusters = [
            {
                "id": c.id,
                "size": c.size,
                "share": round(c.share, 6),
                "keywords": c.keywords,
                "examples": [
                    {"split": self.keys[i][0], "row": self.keys[i][1], "text": snippet(t, 300)}
                    for i, t in zip(c.examples, c.example_texts, strict=True)
                ],
            }
            for c in self.clusters
        ]
        rows = []
        for (split, row), label, (x, y) in zip(
            self.keys, self.labels.tolist(), self.xy.tolist(), strict=True
        ):
            ok = x == x  # NaN != NaN
            rows.append(
                {
                    "split": split,
                    "row": row,
                    "cluster": label,
                    "x": round(x, 4) if ok else None,
                    "y": round(y, 4) if ok else None,
                }
            )
        return {"clusters": clusters, "rows": rows, "rows_without_vector": self.without_vector}

    def table_rows(self) -> list[tuple[int, int, str, str]]:
        """(id, size, keywords joined by ", ", most central example on one line) per cluster."""
        return [
            (
                c.id,
                c.size,
                ", ".join(c.keywords),
                snippet(c.example_texts[0], 120) if c.example_texts else "",
            )
            for c in self.clusters
        ]


def snippet(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
