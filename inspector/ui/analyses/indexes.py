"""Per-row lookups built once from an analysis result, indexed by the session's global row id.

The analyses speak in `{"split", "row"}` references (the scan and cluster JSON contracts); the
rows table, filters and sorting need arrays over every row. These classes do that translation
once per result, so drawing a screen of rows is a handful of array lookups.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from inspector.core.reasons import DUP_KINDS

#: Duplicate kinds in the scan JSON, in the order the UI lists them.
NO_CLUSTER = -2  # not computed for this row (-1 is HDBSCAN's noise)


class ScanIndex:
    """Flags, duplicate groups and contamination hits of a scan result."""

    def __init__(self, session, result: dict):
        total = session.total
        self.flags: dict[str, np.ndarray] = {}
        flags_of: dict[int, list[str]] = defaultdict(list)
        for code, refs in sorted((result.get("flags") or {}).items()):
            gids = np.unique(session.gids_of(refs))
            self.flags[code] = gids
            for g in gids.tolist():
                flags_of[g].append(code)
        self.flags_of = dict(flags_of)
        # The evidence of each flag (when the scan reports it), for the one-row view.
        self.findings_of: dict[int, list[dict]] = defaultdict(list)
        for f in result.get("findings") or []:
            gid = session.gid_or_none(f["split"], int(f["row"]))
            if gid is not None:
                self.findings_of[gid].append(f)
        self.codes: dict = result.get("codes") or {}
        self.nflags = np.zeros(total, dtype=np.int16)
        for gids in self.flags.values():
            self.nflags[gids] += 1

        self.groups: dict[str, list[np.ndarray]] = {}
        self.group_of: dict[str, np.ndarray] = {}
        dups = result.get("duplicates") or {}
        for kind in [k for k in DUP_KINDS if k in dups] + sorted(set(dups) - set(DUP_KINDS)):
            groups = [session.gids_of(g) for g in dups[kind]]
            groups = [g for g in groups if len(g) > 1]
            of = np.full(total, -1, dtype=np.int32)
            for i, g in enumerate(groups):
                of[g] = i
            self.groups[kind] = groups
            self.group_of[kind] = of

        self.hits: list[dict] = []
        for hit in result.get("contamination") or []:
            gid = session.gid_or_none(hit["split"], int(hit["row"]))
            if gid is not None:
                self.hits.append({**hit, "gid": gid})
        self.contaminated = np.unique(np.array([h["gid"] for h in self.hits], dtype=np.int64))
        self.contaminated_set = set(self.contaminated.tolist())
        self.leakage = result.get("leakage") or []

    def duplicates_beyond_representative(self, kind: str) -> np.ndarray:
        """Every member of every group of `kind` except the group's first (its representative)."""
        parts = [g[1:] for g in self.groups.get(kind, [])]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def dup_label(self, gid: int) -> str:
        """`exact#3 near#7` for the rows table."""
        return " ".join(
            f"{kind}#{self.group_of[kind][gid]}"
            for kind in self.group_of
            if self.group_of[kind][gid] >= 0
        )


class ClusterIndex:
    """Cluster ids, 2-D map positions and the cluster table of a clusters result.

    The result holds gid-ordered arrays `cluster`, `x`, `y` (what the app's clusters analysis
    stores) or, as in the scan JSON contract, `rows: [{"split","row","cluster","x","y"}]`.
    """

    def __init__(self, session, result: dict):
        total = session.total
        self.clusters: list[dict] = sorted(result.get("clusters") or [], key=lambda c: c["id"])
        if "cluster" in result:
            self.cluster = np.asarray(result["cluster"], dtype=np.int32)
            self.x = np.asarray(result["x"], dtype=np.float32)
            self.y = np.asarray(result["y"], dtype=np.float32)
        else:
            self.cluster = np.full(total, NO_CLUSTER, dtype=np.int32)
            self.x = np.full(total, np.nan, dtype=np.float32)
            self.y = np.full(total, np.nan, dtype=np.float32)
            for r in result.get("rows") or []:
                gid = session.gid_or_none(r["split"], int(r["row"]))
                if gid is None:
                    continue
                self.cluster[gid] = int(r["cluster"])
                self.x[gid] = np.nan if r.get("x") is None else float(r["x"])
                self.y[gid] = np.nan if r.get("y") is None else float(r["y"])
        self.by_id = {c["id"]: c for c in self.clusters}
        self.encoder: str = result.get("encoder") or result.get("model") or ""
        """Which encoder made the map, and where: `tfidf-svd-128 on cpu`."""
        listed = np.isin(self.cluster, list(self.by_id)) if self.by_id else np.zeros(total, bool)
        self.unclustered = int((~listed).sum())
        """Rows in no listed cluster: no text to embed, or a row that did not normalize."""

    def members(self, cluster_id: int) -> np.ndarray:
        return np.flatnonzero(self.cluster == cluster_id)

    def neighbours(self, gid: int, k: int = 8) -> np.ndarray:
        """The `k` rows closest to `gid` on the 2-D map (itself excluded)."""
        if np.isnan(self.x[gid]):
            return np.zeros(0, dtype=np.int64)
        d = (self.x - self.x[gid]) ** 2 + (self.y - self.y[gid]) ** 2
        d[gid] = np.inf
        d[np.isnan(d)] = np.inf
        k = min(k, int(np.isfinite(d).sum()))
        if k == 0:
            return np.zeros(0, dtype=np.int64)
        near = np.argpartition(d, k - 1)[:k]
        return near[np.argsort(d[near], kind="stable")]


class TokenIndex:
    """Per-row token facts (gid-ordered arrays; -1 where a row has no facts): total tokens,
    trained tokens the model sees, truncated or not; plus the mask linter's findings."""

    def __init__(self, session, result: dict):
        self.total = np.asarray(result["tokens"], dtype=np.int32)
        self.trained = np.asarray(result["trained"], dtype=np.int32)
        #: Trained tokens before truncation (older caches lack it: then as `trained`).
        self.trained_before = np.asarray(result.get("trained_before", self.trained), dtype=np.int32)
        self.truncated = np.asarray(result["truncated"], dtype=bool)
        self.failed = np.asarray(result.get("failed", np.zeros(len(self.total))), dtype=bool)
        self.max_length = int(result.get("max_length", 0))
        self.lint: dict = result.get("lint") or {}
        self.settings: dict = result.get("settings") or {}
        #: The mask linter's codes as flags: code -> rows it hits.
        self.flags = {
            key.removeprefix("lint:"): np.flatnonzero(mask)
            for key, mask in result.items()
            if key.startswith("lint:")
        }
        # The scan's name for a row longer than --max-length, so both speak the same code.
        self.flags["too_long"] = np.flatnonzero(self.truncated)

    def known(self) -> np.ndarray:
        return (self.total >= 0) & ~self.failed


class FlagIndex:
    """Every flag of a row, whichever analysis raised it: the scan's rules and the token
    linter's codes (too long, nothing trained...), merged by code."""

    def __init__(self, session, scan: ScanIndex | None, tokens: TokenIndex | None):
        merged: dict[str, list[np.ndarray]] = defaultdict(list)
        for source in (scan, tokens):
            for code, gids in (source.flags if source is not None else {}).items():
                if len(gids):
                    merged[code].append(np.asarray(gids, dtype=np.int64))
        self.flags = {
            code: np.unique(np.concatenate(parts)) for code, parts in sorted(merged.items())
        }
        self.nflags = np.zeros(session.total, dtype=np.int16)
        flags_of: dict[int, list[str]] = defaultdict(list)
        for code, gids in self.flags.items():
            self.nflags[gids] += 1
            if len(gids) <= 200_000:  # a code hitting most rows is shown by the filter, not per row
                for g in gids.tolist():
                    flags_of[g].append(code)
        self.flags_of = dict(flags_of)
