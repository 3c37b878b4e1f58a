"""What the analyses found about rows, in the shape export needs: flags, duplicate groups,
contaminated rows and cluster ids.

Export does not run analyses itself; the caller (CLI or app) hands it an `Evidence` built from
the scan's JSON (``{"flags": {code: [{"split","row"}]}, "duplicates": {kind: [[{"split","row"},
...]]}, "contamination": [{"split","row",...}]}``) and the clusters' JSON (``{"rows": [{"split",
"row","cluster",...}]}``). In a duplicate group the first member is the representative, the row
that `--drop dup:KIND` keeps, unless the group says otherwise (``{"representative": ...,
"members": [...]}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

RowRef = tuple[str, int]


def _ref(item: Any) -> RowRef:
    if isinstance(item, dict):
        return str(item["split"]), int(item["row"])
    split, row = item
    return str(split), int(row)


def _group(group: Any) -> list[RowRef]:
    """A duplicate group as a list of refs with the representative first."""
    if isinstance(group, dict):
        members = [_ref(m) for m in group.get("members", group.get("rows", []))]
        rep = group.get("representative")
        if rep is not None:
            rep = _ref(rep)
            members = [rep] + [m for m in members if m != rep]
        return members
    return [_ref(m) for m in group]


@dataclass
class Evidence:
    """Per-row facts from the analyses. Every part may be missing (None = not computed)."""

    flags: dict[str, list[RowRef]] | None = None
    duplicates: dict[str, list[list[RowRef]]] | None = None
    """Duplicate kind (``exact``, ``near``, ``semantic``, ``prompt``) -> groups, each with its
    representative first."""
    contaminated: list[RowRef] | None = None
    clusters: dict[str, np.ndarray] | None = None
    """Split -> cluster id per row (-1: noise / no cluster)."""
    sources: dict[str, Any] = field(default_factory=dict)
    """Settings of the analyses that produced this evidence, for the manifest."""

    @classmethod
    def from_scan_json(cls, scan: dict[str, Any]) -> Evidence:
        """Evidence from the JSON `inspector scan --json` writes (missing parts stay None)."""
        ev = cls()
        if scan.get("flags") is not None:
            ev.flags = {code: [_ref(r) for r in rows] for code, rows in scan["flags"].items()}
        if scan.get("duplicates") is not None:
            ev.duplicates = {
                kind: [_group(g) for g in groups] for kind, groups in scan["duplicates"].items()
            }
        if scan.get("contamination") is not None:
            seen: dict[RowRef, None] = {}
            for hit in scan["contamination"]:
                seen.setdefault(_ref(hit), None)
            ev.contaminated = list(seen)
        if scan.get("settings") is not None:
            ev.sources["scan"] = scan["settings"]
        return ev

    def add_clusters_json(self, result: dict[str, Any], sizes: dict[str, int]) -> Evidence:
        """Add cluster ids from the clusters' `to_json()` (rows not listed get -1)."""
        clusters = {split: np.full(n, -1, dtype=np.int64) for split, n in sizes.items()}
        for item in result.get("rows", []):
            split, row = _ref(item)
            if split in clusters and 0 <= row < sizes[split]:
                clusters[split][row] = int(item["cluster"])
        self.clusters = clusters
        if result.get("settings") is not None:
            self.sources["clusters"] = result["settings"]
        return self

    def merge(self, other: Evidence) -> Evidence:
        """This evidence with every part `other` has filled in taking precedence."""
        out = Evidence(
            self.flags,
            self.duplicates,
            self.contaminated,
            self.clusters,
            {**self.sources, **other.sources},
        )
        for name in ("flags", "duplicates", "contaminated", "clusters"):
            if getattr(other, name) is not None:
                setattr(out, name, getattr(other, name))
        return out
