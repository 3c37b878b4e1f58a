"""Bulk triage actions offered by the `b` menu and the command palette.

Each is one undoable action over many rows: every row of the current filter, every duplicate
but each group's representative, a whole cluster, every row with one flag, every contaminated
row. They are listed only when the analysis they rely on has finished.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inspector.core.reasons import drop_reason


@dataclass
class BulkAction:
    """Decide `gids` as `decision` with `reason`, recorded under `label`."""

    label: str
    gids: np.ndarray
    decision: str
    reason: str | None

    @property
    def title(self) -> str:
        return f"{self.label} ({len(self.gids):,} rows)"


def bulk_actions(app, current_filter=None, current_order=None) -> list[BulkAction]:
    """Every bulk action that applies now, most specific first."""
    out: list[BulkAction] = []
    if current_order is not None and current_filter is not None and current_filter.conditions():
        what = current_filter.describe()
        out.append(
            BulkAction(
                f"drop every row of the filter “{what}”", current_order, "drop", f"filter: {what}"
            )
        )
        out.append(
            BulkAction(f"keep every row of the filter “{what}”", current_order, "keep", None)
        )
    scan = app.analyses.index("scan")
    if scan is not None:
        for kind in scan.groups:
            extra = scan.duplicates_beyond_representative(kind)
            if extra.size:
                out.append(
                    BulkAction(
                        f"drop {kind} duplicates but each group's representative",
                        extra,
                        "drop",
                        drop_reason("dup", kind),
                    )
                )
        if scan.contaminated.size:
            out.append(
                BulkAction(
                    "drop every contaminated row",
                    scan.contaminated,
                    "drop",
                    drop_reason("contaminated"),
                )
            )
    flags = app.analyses.index("flags")
    if flags is not None:
        for code, gids in flags.flags.items():
            out.append(
                BulkAction(
                    f"drop every row flagged {code}", gids, "drop", drop_reason("flag", code)
                )
            )
    clusters = app.analyses.index("clusters")
    if clusters is not None:
        for c in clusters.clusters:
            words = ", ".join(c.get("keywords", [])[:3])
            out.append(
                BulkAction(
                    f"drop cluster {c['id']} ({words})",
                    clusters.members(c["id"]),
                    "drop",
                    drop_reason("cluster", c["id"]),
                )
            )
    return [a for a in out if len(a.gids)]
