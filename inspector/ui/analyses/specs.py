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
    from inspector.core.info import summarize

    summary = yield from summarize(session.ds, cancel)
    return summary.to_json()


def _scan(session, cancel):
    from inspector.core import scan

    s = session.settings
    result = yield from scan.scan_dataset(
        session.ds, against=list(s.against), max_length=s.max_length, cancel=cancel)
    return result.to_json()


def _tokens(session, cancel):
    from inspector.core import token_stats

    s = session.settings
    result = yield from token_stats.token_facts(
        session.ds, tokenizer=s.tokenizer, template=s.template, mask=s.mask,
        max_length=s.max_length, cancel=cancel)
    return result.to_json()


def _clusters(session, cancel):
    from inspector.core.clusters import cluster_dataset

    result = yield from cluster_dataset(session.ds, cancel=cancel)
    return result.to_json()


def _scan_key(session) -> dict:
    s = session.settings
    return {"against": [str(p) for p in s.against], "max_length": s.max_length}


def _token_key(session) -> dict:
    s = session.settings
    return {"tokenizer": s.tokenizer, "template": s.template, "mask": s.mask,
            "max_length": s.max_length}


SPECS: tuple[AnalysisSpec, ...] = (
    AnalysisSpec("summary", "summary", "inspector.core.info:summarize", "foundation",
                 _summary, lambda s: {}),
    AnalysisSpec("scan", "flags & duplicates", "inspector.core.scan:scan_dataset",
                 "issue 4, branch scan", _scan, _scan_key),
    AnalysisSpec("tokens", "tokens", "inspector.core.token_stats:token_facts",
                 "issue 3, branch tokens", _tokens, _token_key),
    AnalysisSpec("clusters", "clusters", "inspector.core.clusters:cluster_dataset",
                 "issue 5, branch clusters", _clusters, lambda s: {}),
)

SPEC_BY_NAME = {spec.name: spec for spec in SPECS}
