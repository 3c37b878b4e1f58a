"""Compute the evidence an export needs (duplicate groups, flags, contamination, clusters).

`needs_of` says which parts of an `Evidence` the settings read; `evidence_for` runs just those
analyses as one progress generator. The analyses cache their results by the data's
fingerprint, so a scan or clustering the user already ran costs nothing here.
"""

from __future__ import annotations

import threading
from collections.abc import Generator

from inspector.core.errors import InputError
from inspector.core.export.evidence import Evidence
from inspector.core.progress import Progress


def needs_of(settings) -> set[str]:
    """The `Evidence` parts these `ExportSettings` read."""
    needs = {rule.needs for rule in settings.rules}
    if settings.split is not None:
        needs.add("duplicates")  # groups must not cross the new splits
    if settings.stratify_clusters:
        needs.add("clusters")
    return needs


def _check_flag_codes(settings, scan_json: dict) -> None:
    """A `--drop flag:CODE` naming no known code is a typo, not a rule that drops nothing."""
    known = set(scan_json.get("codes") or {}) | set(scan_json.get("flags") or {})
    for rule in settings.rules:
        if rule.kind == "flag" and known and rule.value not in known:
            raise InputError(
                f"--drop {rule.reason}: no flag has the code {rule.value!r}; known codes: "
                + ", ".join(sorted(known))
                + "."
            )


def _local_scan(ds, scan_settings, tokens, with_facts: bool, cancel):
    from inspector.core.scan import run as scan

    facts = None
    if tokens is not None and with_facts:
        facts = yield from scan.collect_token_facts(ds, tokens, cancel=cancel)
    return (yield from scan.scan(ds, scan_settings, token_facts=facts, cancel=cancel))


def evidence_for(
    ds, settings, against=(), tokens=None, cancel: threading.Event | None = None, run_scan=None
) -> Generator[Progress, None, Evidence]:
    """An `Evidence` with the parts `settings` need (see `needs_of`), or None if it needs none.

    `against` are the test sets for contamination; `tokens` (a `TokenPipeline`, optional)
    gives the scan the token facts behind the `too_long` and `no_trained_tokens` flags.
    `run_scan(ds, scan_settings, tokens, with_facts, cancel)` replaces the local scan (a
    progress generator returning a `ScanResult`), e.g. with the scan on a cluster.
    """
    needs = needs_of(settings)
    if not needs:
        return None
    evidence = Evidence()
    if "contaminated" in needs and not against:
        raise InputError(
            "--drop contaminated needs the test set(s) to check against: --against FILE."
        )
    if needs & {"flags", "duplicates", "contaminated"}:
        from inspector.core.scan import run as scan

        semantic = any(r.kind == "dup" and r.value == "semantic" for r in settings.rules)
        scan_settings = scan.ScanSettings(
            against=tuple(str(p) for p in against),
            semantic=semantic,
            max_length=tokens.settings.max_length if tokens is not None else None,
        )
        result = yield from (run_scan or _local_scan)(
            ds, scan_settings, tokens, "flags" in needs, cancel
        )
        scan_json = result.to_json()
        _check_flag_codes(settings, scan_json)
        evidence = Evidence.from_scan_json(scan_json)
    if "clusters" in needs:
        from inspector.core.semantic import clusters

        result = yield from clusters.cluster_dataset(ds, cancel=cancel)
        result_json = result.to_json()
        _check_cluster_ids(settings, result_json)
        evidence.add_clusters_json(result_json, {s: ds.num_rows(s) for s in ds.splits})
        evidence.sources["clusters"] = {
            "model": getattr(result, "model_name", None),
            "sizes": {str(c["id"]): c["size"] for c in result_json.get("clusters", [])},
        }
    return evidence


def _check_cluster_ids(settings, result_json: dict) -> None:
    """A `--drop cluster:ID` naming no cluster is a mistake, not a rule that drops nothing."""
    ids = sorted({int(c["id"]) for c in result_json.get("clusters", [])})
    for rule in settings.rules:
        if rule.kind == "cluster" and int(rule.value) not in ids and int(rule.value) != -1:
            raise InputError(
                f"--drop {rule.reason}: there is no cluster {rule.value}; the clusters are "
                + (", ".join(map(str, ids)) or "none")
                + " (and -1 for rows in no cluster)."
            )
