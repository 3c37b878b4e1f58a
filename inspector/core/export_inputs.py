"""Compute the evidence an export needs (duplicate groups, flags, contamination, clusters).

`needs_of` says which parts of an `Evidence` the settings read; `evidence_for` runs just those
analyses as one progress generator (results are cached by the analyses themselves, so a
scan the user already ran costs nothing here).
"""

from __future__ import annotations

import threading
from collections.abc import Generator

from inspector.core.errors import InputError
from inspector.core.evidence import Evidence
from inspector.core.progress import Progress


def needs_of(settings) -> set[str]:
    """The `Evidence` parts these `ExportSettings` read."""
    needs = {rule.needs for rule in settings.rules}
    if settings.split is not None:
        needs.add("duplicates")  # groups must not cross the new splits
    if settings.stratify_clusters:
        needs.add("clusters")
    return needs


def _analysis(module: str, what: str):
    """Import an analysis module, or say clearly that this build lacks it."""
    import importlib

    try:
        return importlib.import_module(f"inspector.core.{module}")
    except ModuleNotFoundError as err:
        if err.name != f"inspector.core.{module}":
            raise
        raise InputError(
            f"this export needs {what}, computed by `inspector.core.{module}`, which this build "
            "of inspector does not have."
        ) from None


def evidence_for(
    ds, needs: set[str], against=(), cancel: threading.Event | None = None
) -> Generator[Progress, None, Evidence]:
    """An `Evidence` with the `needs` parts filled in."""
    evidence = Evidence()
    if "contaminated" in needs and not against:
        raise InputError(
            "--drop contaminated needs the test set(s) to check against: --against FILE."
        )
    if needs & {"flags", "duplicates", "contaminated"}:
        scan = _analysis("scan", "quality flags or duplicate groups")
        result = yield from scan.scan_dataset(ds, against=list(against), cancel=cancel)
        evidence = evidence.merge(Evidence.from_scan_json(result.to_json()))
    if "clusters" in needs:
        clusters = _analysis("clusters", "cluster ids")
        result = yield from clusters.cluster_dataset(ds, cancel=cancel)
        evidence.add_clusters_json(result.to_json(), {s: ds.num_rows(s) for s in ds.splits})
    return evidence
