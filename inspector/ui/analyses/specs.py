"""The background analyses the app runs, each an adapter from a core progress generator.

An `AnalysisSpec` names the core module it needs, so the app can say "not available yet"
instead of failing when that core is not installed, and turns the core's result into plain
JSON (plus numpy arrays) that the app caches next to the data and builds its indexes from.
The specs run one after another in this order: the cheap summary first, then flags and
duplicates, then token facts, then embeddings and clusters.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from inspector.core.progress import Progress

Result = dict[str, Any]
Compute = Callable[[Any, threading.Event], Generator[Progress, None, Result]]


@dataclass(frozen=True)
class AnalysisSpec:
    """One analysis: what it needs and how to run it."""

    name: str
    title: str
    needs: str
    """The core module (and attribute after a colon) whose presence makes it available."""
    issue: str
    """Where that core comes from, shown while it is missing."""
    compute: Compute
    key: Callable[[Any], dict]
    """The settings besides the data that change the result (for the cache key)."""
    version: int = 1

    def missing(self) -> str | None:
        """Why the analysis cannot run here, or None when its core is installed."""
        module, _, attr = self.needs.partition(":")
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as err:
            if err.name and module.startswith(err.name):
                return f"not available yet: {module} is not installed ({self.issue})"
            raise
        if attr and not hasattr(mod, attr):
            return f"not available yet: {module} has no {attr} ({self.issue})"
        return None


def _summary(session, cancel):
    from inspector.core.data import summarize

    summary = yield from summarize(session.ds, cancel)
    return summary.to_json()


def _scan(session, cancel):
    """Quality flags with evidence, duplicate groups, contamination and split leakage."""
    from inspector.core.scan import ScanSettings, scan

    s = session.settings
    settings = ScanSettings(max_length=s.max_length, against=tuple(str(p) for p in s.against))
    result = yield from scan(session.ds, settings, cancel=cancel)
    return result.to_json()


def _tokens(session, cancel):
    """Token facts of every split (lengths, trained tokens, truncation) and the mask linter."""
    from inspector.core.tokens import token_facts
    from inspector.core.tokens.lint import lint

    from ..adapters import token_pipeline

    yield Progress("loading the tokenizer", 0, 0)
    pipe = token_pipeline(session)
    total = session.total
    out = {
        name: np.full(total, -1, dtype=np.int32) for name in ("tokens", "trained", "trained_before")
    }
    failed = np.zeros(total, dtype=bool)
    findings = {}
    masks: dict[str, np.ndarray] = {}
    for split in session.splits:
        lo, hi = session.split_range(split)
        facts = yield from _shifted(
            token_facts(session.ds, split, pipe, cancel=cancel), f"tokens ({split})", lo, total
        )
        out["tokens"][lo:hi] = facts["tokens"]
        out["trained"][lo:hi] = facts["trained_kept"]
        out["trained_before"][lo:hi] = facts["trained"]
        failed[lo:hi] = facts["failed"] > 0
        report = lint(facts)
        findings[split] = report.to_json()
        for code, mask in report.masks.items():
            masks.setdefault(f"lint:{code}", np.zeros(total, dtype=bool))[lo:hi] = mask
    return {
        **out,
        **masks,
        "failed": failed,
        "truncated": out["tokens"] > pipe.settings.max_length,
        "max_length": pipe.settings.max_length,
        "lint": findings,
        "settings": pipe.describe(),
    }


def _clusters(session, cancel):
    """Embeddings, the 2-D map and clusters, as gid-ordered arrays plus the cluster table."""
    from inspector.core.semantic import cluster_dataset

    result = yield from cluster_dataset(session.ds, cancel=cancel)
    gids = _gids_of_keys(session, result.keys)
    cluster = np.full(session.total, -2, dtype=np.int32)
    x = np.full(session.total, np.nan, dtype=np.float32)
    y = np.full(session.total, np.nan, dtype=np.float32)
    cluster[gids] = result.labels
    x[gids] = result.xy[:, 0]
    y[gids] = result.xy[:, 1]
    keys = result.keys
    table = [
        {
            "id": int(c.id),
            "size": int(c.size),
            "share": float(c.share),
            "keywords": list(c.keywords),
            "examples": [
                {"split": keys[int(i)][0], "row": int(keys[int(i)][1]), "text": str(t)[:300]}
                for i, t in zip(c.examples, c.example_texts, strict=False)
            ],
        }
        for c in result.clusters
    ]
    return {
        "clusters": table,
        "cluster": cluster,
        "x": x,
        "y": y,
        "model": getattr(result, "model_name", ""),
    }


def _gids_of_keys(session, keys) -> np.ndarray:
    """Global row ids of a sequence of `(split, row)` keys (fast when they cover every row)."""
    if list(getattr(keys, "splits", [])) == session.splits and list(
        getattr(keys, "counts", [])
    ) == [session.ds.num_rows(s) for s in session.splits]:
        return np.arange(session.total, dtype=np.int64)
    return np.array([session.gid(split, row) for split, row in keys], dtype=np.int64)


def _shifted(gen, step: str, offset: int, total: int):
    """Re-yield a per-split progress generator's reports as progress over every row."""
    while True:
        try:
            p = next(gen)
        except StopIteration as stop:
            return stop.value
        yield Progress(step, offset + p.done, total)


def _scan_key(session) -> dict:
    s = session.settings
    return {"against": [str(p) for p in s.against], "max_length": s.max_length}


def _token_key(session) -> dict:
    s = session.settings
    return {
        "tokenizer": s.tokenizer,
        "template": s.template,
        "mask": s.mask,
        "max_length": s.max_length,
    }


SPECS: tuple[AnalysisSpec, ...] = (
    AnalysisSpec(
        "summary",
        "summary",
        "inspector.core.data.summary:summarize",
        "foundation",
        _summary,
        lambda s: {},
    ),
    AnalysisSpec(
        "scan",
        "flags & duplicates",
        "inspector.core.scan.run:scan",
        "issue 4, branch scan",
        _scan,
        _scan_key,
    ),
    AnalysisSpec(
        "tokens",
        "tokens",
        "inspector.core.tokens.facts:token_facts",
        "issue 3, branch tokens",
        _tokens,
        _token_key,
    ),
    AnalysisSpec(
        "clusters",
        "clusters",
        "inspector.core.semantic.clusters:cluster_dataset",
        "issue 5, branch clusters",
        _clusters,
        lambda s: {},
    ),
)

SPEC_BY_NAME = {spec.name: spec for spec in SPECS}
