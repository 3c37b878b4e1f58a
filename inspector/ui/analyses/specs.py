"""The background analyses the app runs, each an adapter from a core progress generator.

An `AnalysisSpec` turns a core's result into plain JSON (plus numpy arrays) that the app caches
next to the data and builds its indexes from. Its cache key is the core's own key (the data's
fingerprint, the settings, the core's format version, the tokenizer's fingerprint...), so a
reopen never serves a result the core itself would recompute. Its `steps` name the core's
progress steps with a weight each, so one bar covers the whole analysis (`progress.Meter`).
The specs run one after another in this order: the cheap summary first, then flags and
duplicates, then token facts, then embeddings and clusters.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from inspector.core.progress import Progress

from .progress import Step

Result = dict[str, Any]
Compute = Callable[[Any, threading.Event], Generator[Progress, None, Result]]

#: The app's own first step: the data's fingerprint is the start of every cache key.
FINGERPRINT = "fingerprinting the data"


@dataclass(frozen=True)
class AnalysisSpec:
    """One analysis: how to run it, how to key its result, and its progress steps."""

    name: str
    title: str
    compute: Compute
    key: Callable[[Any], Any]
    """The core's own cache key of what `compute` computes (called in the worker)."""
    steps: tuple[Step, ...]
    """The core's progress steps in order, with their share of the time."""
    compiles: tuple[str, ...] = ()
    """Steps that compile numba kernels the first time they run on a machine."""
    version: int = 1
    """Bump when the app's own shaping of the result changes."""


def _summary(session, cancel):
    from inspector.core.data import summarize

    summary = yield from summarize(session.ds, cancel)
    return summary.to_json()


def _scan_settings(session):
    from inspector.core.scan import ScanSettings

    s = session.settings
    return ScanSettings(max_length=s.max_length, against=tuple(str(p) for p in s.against))


def _scan(session, cancel):
    """Quality flags with evidence, duplicate groups, contamination and split leakage."""
    from inspector.core.scan import scan

    result = yield from scan(session.ds, _scan_settings(session), cancel=cancel)
    return result.to_json()


def _scan_key(session) -> str:
    from inspector.core.scan import scan_key

    return scan_key(session.ds, _scan_settings(session))


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


def _token_key(session) -> list[str]:
    """The token facts' own keys, one per split: the tokenizer's fingerprint is in them, so
    an edited tokenizer folder gives another key."""
    from inspector.core.tokens import facts_key

    from ..adapters import token_pipeline

    pipe = token_pipeline(session)
    return [facts_key(session.ds, split, pipe) for split in session.splits]


def _clusters(session, cancel):
    """Embeddings, the 2-D map and clusters, as gid-ordered arrays plus the cluster table."""
    from inspector.core.semantic import cluster_dataset

    model = session.settings.embed_model
    result = yield from cluster_dataset(session.ds, embed_model=model, cancel=cancel)
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
        "encoder": encoder_label(model, getattr(result, "model_name", "")),
    }


def encoder_label(model: str, model_name: str) -> str:
    """Which encoder ran where: `tfidf-svd-128 on cpu`, `all-MiniLM-L6-v2 on cuda fp16`."""
    from inspector.core.semantic.embed import resolve_model
    from inspector.core.semantic.encoders import FAST, pick_device

    device = pick_device()
    if resolve_model(model, device) == FAST:
        device = "cpu"  # the TF-IDF path is numpy on any machine
    return f"{model_name or model} on {device}" + (" fp16" if device == "cuda" else "")


def _cluster_key(session) -> str:
    from inspector.core.semantic import cluster_dataset_key

    return cluster_dataset_key(session.ds, embed_model=session.settings.embed_model)


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


SPECS: tuple[AnalysisSpec, ...] = (
    AnalysisSpec(
        "summary",
        "summary",
        _summary,
        lambda session: session.ds.fingerprint,
        (Step(FINGERPRINT, 1), Step("checking rows", 9)),
    ),
    AnalysisSpec(
        "scan",
        "flags & duplicates",
        _scan,
        _scan_key,
        # Measured on the sample data and the real files: the row pass is about two thirds
        # of a scan, the dataset-wide steps (near duplicates above all) the rest.
        (
            Step(FINGERPRINT, 1),
            Step("loading cached scan", 0),
            Step("scanning rows", 60),
            Step("duplicates", 39, inner={"near duplicates": (0.25, 0.75)}),
        ),
        compiles=("scanning rows",),
    ),
    AnalysisSpec(
        "tokens",
        "tokens",
        _tokens,
        _token_key,
        (Step(FINGERPRINT, 1), Step("loading the tokenizer", 4), Step("tokens", 95)),
    ),
    AnalysisSpec(
        "clusters",
        "clusters",
        _clusters,
        _cluster_key,
        (
            Step(FINGERPRINT, 1),
            Step("fit embedding", 5),
            Step("embed", 20),
            Step("map", 60),
            Step("cluster", 10),
            Step("keywords", 4),
        ),
        compiles=("map",),
    ),
)

SPEC_BY_NAME = {spec.name: spec for spec in SPECS}
