"""Export: apply decisions, split without leakage, write filtered / tokenized / packed files,
`decisions.jsonl` and `manifest.json`, all into a folder that appears whole or not at all.

`export_dataset` is a progress generator (see `inspector.core.progress`) used by both
`inspector export` and the app's export dialog. It never runs analyses: duplicate groups,
flags, contamination and clusters come in as an `Evidence`, the tokenizer as a ready
`TokenPipeline`, so the caller decides what to compute and how to show its progress.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from inspector.core.data.usable import unusable_rows
from inspector.core.errors import InputError
from inspector.core.export.decision_log import DecisionLog, row_hashes, write_log
from inspector.core.export.evidence import Evidence
from inspector.core.export.filtered import default_kind, write_filtered
from inspector.core.export.manifest import DECISIONS, input_section, tool_section, write_manifest
from inspector.core.export.rules import DropRule
from inspector.core.export.splits import SPLIT_NAMES, assign, crossing, units_of
from inspector.core.export.staging import Staging
from inspector.core.export.verdicts import Verdicts, apply_rules, apply_store, check_refs
from inspector.core.export.writers import KINDS
from inspector.core.progress import Progress, check
from inspector.core.reasons import DUP_KINDS

WHAT = ("filtered", "tokenized", "packed", "preference")
#: Duplicate kinds that must not straddle splits, whichever of them were computed: whole-row
#: copies (exact, near, semantic) and rows asking the same or nearly the same thing (prompt,
#: near_prompt), since a test question seen in training leaks as surely as a copied answer.
LEAK_KINDS = DUP_KINDS
#: Problem rows listed in the manifest (all are counted; the rest are in decisions.jsonl).
LIST_PROBLEMS = 100


@dataclass(frozen=True)
class ExportSettings:
    """Everything about an export except the data, the evidence and the tokenizer."""

    what: tuple[str, ...] = ("filtered",)
    container: str | None = None
    """`--as`: jsonl, parquet or arrow; None writes filtered rows in the input's own container
    (JSON/CSV/text input as JSON Lines) and token outputs as Parquet."""
    split: tuple[float, ...] | None = None
    """Re-split the kept rows (all input splits pooled) into train/validation[/test]."""
    seed: int = 0
    stratify_clusters: bool = False
    rules: tuple[DropRule, ...] = ()
    use_store: bool = True
    decisions: Path | None = None
    """A `decisions.jsonl` to re-apply."""
    pack_length: int | None = None
    """Tokens per pack; None uses the tokenizer settings' max length."""
    force: bool = False
    preference_style: str = "auto"
    """`--what preference`: auto (the input's own), conversational or text."""

    def check(self) -> None:
        bad = [w for w in self.what if w not in WHAT]
        if bad or not self.what:
            raise InputError(f"--what {','.join(self.what)}: choose from {', '.join(WHAT)}.")
        if self.container is not None and self.container not in KINDS:
            raise InputError(f"--as {self.container}: choose one of {', '.join(KINDS)}.")
        if self.pack_length is not None and self.pack_length < 1:
            raise InputError(f"--pack-length must be positive, got {self.pack_length}.")

    def to_json(self) -> dict[str, Any]:
        return {
            "what": list(self.what),
            "as": self.container,
            "split": list(self.split) if self.split else None,
            "seed": self.seed,
            "stratify_clusters": self.stratify_clusters,
            "drop": [r.reason for r in self.rules],
            "use_store": self.use_store,
        }


@dataclass
class ExportResult:
    """Where the export went and its manifest."""

    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    swept: list[Path] = field(default_factory=list)
    """Stale staging folders of this target (left by killed exports) removed on the way."""


def _offsets(ds) -> dict[str, int]:
    out, at = {}, 0
    for s in ds.splits:
        out[s] = at
        at += ds.num_rows(s)
    return out


def _global_groups(groups, offsets, sizes, kind) -> list[np.ndarray]:
    for g in groups:
        check_refs(g, sizes, f"a {kind} duplicate group")
    return [np.array([offsets[s] + r for s, r in g], dtype=np.int64) for g in groups]


def _read_store(ds) -> dict | None:
    """The triage store's decisions, without creating a store where there is none."""
    from inspector.core.triage import TriageStore

    if not (ds.state_dir / "triage.sqlite").is_file():
        return None
    store = TriageStore.open(ds.state_dir, ds.name, read_only=True)
    try:
        return store.decisions()
    finally:
        store.close()


def decide(
    ds, settings: ExportSettings, evidence: Evidence | None, cancel: threading.Event | None = None
) -> Generator[Progress, None, tuple]:
    """Work out keep/drop for every row: rules, store, replayed log, unusable rows.

    Returns ``(verdicts, report)`` where `report` is the manifest's account of the sources.
    """
    verdicts = Verdicts({s: ds.num_rows(s) for s in ds.splits})
    report: dict[str, Any] = {"rules": [r.reason for r in settings.rules]}
    apply_rules(verdicts, settings.rules, evidence)
    if settings.use_store:
        decisions = _read_store(ds)
        if decisions:
            hashes = {}
            for split in ds.splits:
                rows = sorted(r for s, r in decisions if s == split and r < ds.num_rows(split))
                hashes.update({(split, r): h for r, h in row_hashes(ds, split, rows)})
            report["store"] = apply_store(verdicts, decisions, hashes)
        else:
            report["store"] = {"applied": 0, "stale": 0}
    if settings.decisions is not None:
        log = DecisionLog.read(settings.decisions)
        report["replayed"] = yield from log.replay(ds, verdicts, cancel)
    problems = []
    for split in ds.splits:
        found = yield from unusable_rows(ds, split, cancel)
        verdicts.drop_unusable(split, [p.row for p in found], "invalid_row")
        problems.extend(found)
    report["invalid_rows"] = {
        "count": len(problems),
        "first": [p.to_json() for p in problems[:LIST_PROBLEMS]],
    }
    return verdicts, report


def destinations(
    ds, verdicts: Verdicts, settings: ExportSettings, evidence: Evidence | None
) -> tuple[list[str], dict[str, np.ndarray], dict[str, Any]]:
    """Output split names, the output split of every row (-1: dropped) and the split report."""
    offsets = _offsets(ds)
    kept = np.concatenate([verdicts.kept(s) for s in ds.splits])
    dups = (evidence.duplicates if evidence is not None else None) or {}
    leak = {k: _global_groups(dups[k], offsets, verdicts.sizes, k) for k in LEAK_KINDS if k in dups}
    report: dict[str, Any] = {"seed": settings.seed}
    if settings.split is not None:
        if "exact" not in leak or "near" not in leak:
            raise InputError(
                "--split needs the exact and near duplicate groups (so no group straddles two "
                "splits); compute them with the duplicate scan before exporting."
            )
        names = list(SPLIT_NAMES[: len(settings.split)])
        strata = None
        if settings.stratify_clusters:
            if evidence is None or evidence.clusters is None:
                raise InputError("--stratify-clusters needs cluster ids; run the clustering first.")
            strata = np.concatenate([evidence.clusters[s] for s in ds.splits])
        units = units_of(kept.size, [g for groups in leak.values() for g in groups])
        where = assign(kept, units, settings.split, settings.seed, strata)
        report.update(
            mode="resplit",
            ratios=list(settings.split),
            stratified_by="clusters" if strata is not None else None,
        )
    else:
        names = list(ds.splits)
        where = np.concatenate(
            [np.where(verdicts.kept(s), i, -1).astype(np.int8) for i, s in enumerate(ds.splits)]
        )
        report.update(mode="input")
    report["groups_checked"] = sorted(leak)
    report["groups"] = {k: len(v) for k, v in leak.items()}
    report["groups_crossing"] = {k: crossing(v, where) for k, v in leak.items()}
    dest = {s: where[offsets[s] : offsets[s] + ds.num_rows(s)] for s in ds.splits}
    return names, dest, report


def export_dataset(
    ds,
    out: str | Path,
    settings: ExportSettings = ExportSettings(),
    *,
    evidence: Evidence | None = None,
    tokens=None,
    cancel: threading.Event | None = None,
    engine=None,
) -> Generator[Progress, None, ExportResult]:
    """Export `ds` into the folder `out` (see the module docstring); returns an `ExportResult`.

    `tokens` is a `TokenPipeline` (needed for tokenized and packed output). Raises `InputError`
    for unusable settings or targets before anything is written. `engine` runs the heavy steps
    elsewhere (`inspector.core.distributed.export`): its `tokenize_kept` and `packed_table`
    replace the local ones, and its `describe()` goes into the manifest as `engine`.
    """
    settings.check()
    needs_tokens = {"tokenized", "packed"} & set(settings.what)
    if needs_tokens and tokens is None:
        raise InputError(f"--what {','.join(sorted(needs_tokens))} needs a tokenizer pipeline.")
    staging = Staging(out, force=settings.force, protect=protected(ds))
    root = staging.open()
    # Hashing the input for the manifest reads every input byte; hashlib releases the GIL, so
    # on a second core it costs no wall time next to the checking and writing below.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fingerprint")
    fingerprint = pool.submit(lambda: ds.fingerprint)
    try:
        verdicts, decided = yield from decide(ds, settings, evidence, cancel)
        token_report = None
        token_table = None
        if needs_tokens:
            from inspector.core.export.token_export import tokenize_kept

            tokenize_kept = getattr(engine, "tokenize_kept", tokenize_kept)
            token_table, token_report = yield from tokenize_kept(
                ds, verdicts, tokens, root / ".tokens.arrow", cancel
            )
        names, dest, split_report = destinations(ds, verdicts, settings, evidence)
        outputs: dict[str, Any] = {}
        if "filtered" in settings.what:
            kind = settings.container or default_kind(ds)
            files = yield from write_filtered(ds, dest, names, kind, root, "filtered", cancel)
            outputs["filtered"] = {
                "as": kind,
                "format": ds.format,
                "files": {k: v.to_json() for k, v in files.items()},
            }
        if "preference" in settings.what:
            from inspector.core.export.preference_export import write_preference

            outputs["preference"] = yield from write_preference(
                ds, dest, names, root, settings.preference_style, tokens, cancel
            )
        if needs_tokens:
            from inspector.core.export.token_export import write_token_outputs

            outputs.update(
                (
                    yield from write_token_outputs(
                        token_table,
                        ds,
                        dest,
                        names,
                        settings,
                        tokens,
                        root,
                        cancel,
                        packer=getattr(engine, "packed_table", None),
                    )  # fmt: skip
                )
            )
            token_table = None
            (root / ".tokens.arrow").unlink(missing_ok=True)
        check(cancel)
        n_logged = yield from write_log(root / DECISIONS, ds, verdicts, cancel)
        counts = verdicts.counts()
        rows_out = {n: int(sum((d == k).sum() for d in dest.values())) for k, n in enumerate(names)}
        manifest = {
            "tool": tool_section(),
            "input": input_section(ds, fingerprint.result()),
            "settings": settings.to_json(),
            "rows": {
                "in": {s: ds.num_rows(s) for s in ds.splits},
                "kept": sum(rows_out.values()),
                "dropped": sum(counts["drop"].values()),
                "out": rows_out,
            },
            "drops": dict(sorted(counts["drop"].items())),
            "decisions": {**decided, "file": DECISIONS, "lines": n_logged},
            "split": split_report,
            "tokens": token_report,
            "outputs": outputs,
            "evidence": (evidence.sources if evidence is not None else {}),
        }
        if engine is not None:
            manifest["engine"] = engine.describe()
        write_manifest(root, manifest)
        yield Progress("finishing", 1, 1)
        path = staging.commit()
    except OSError as err:  # a full disk, a folder gone read-only: say so, keep nothing
        staging.abort()
        where = f"{err.filename}: " if err.filename else ""
        raise InputError(
            f"{staging.target}: the export failed ({where}{err.strerror or err}); nothing was "
            "written there and its partial folder was removed. Free some space or choose "
            "another --out folder."
        ) from None
    except BaseException:
        staging.abort()
        raise
    finally:
        pool.shutdown(wait=True)
    return ExportResult(path, manifest, staging.swept)


def protected(ds) -> list[Path]:
    """Paths an export must never replace: the input, its files, its state and caches."""
    return [Path(ds.path), *ds.files, Path(ds.state_dir), Path(ds.cache.root)]
