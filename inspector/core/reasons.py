"""The drop-reason grammar, in one place: what a dropped row is recorded as, by whoever drops it.

A rule or a bulk action writes ``flag:CODE`` (a quality flag), ``dup:KIND`` (a duplicate beyond
its group's representative; KIND one of `DUP_KINDS`), ``cluster:ID`` or ``contaminated``. A
decision made in the app is recorded in the export as ``triage:`` followed by the reason the user
gave (``triage:flag:refusal`` when they dropped a refusal from the flag list), or ``triage``
alone when they gave none. The app, `--drop` rules and the manifest all build reasons here.
"""

from __future__ import annotations

#: Duplicate kinds, in the order the scan, the export and the app list them.
DUP_KINDS = ("exact", "near", "semantic", "prompt", "near_prompt")
#: Rule kinds and whether each takes a value after the colon.
RULE_KINDS = {"flag": True, "dup": True, "cluster": True, "contaminated": False}


def drop_reason(kind: str, value: object = None) -> str:
    """The reason recorded for a row dropped by rule `kind` (``flag``, ``dup``, ``cluster``,
    ``contaminated``) with `value` (the flag code, duplicate kind or cluster id)."""
    if kind not in RULE_KINDS:
        raise ValueError(f"not a drop rule kind: {kind!r}")
    if RULE_KINDS[kind] != (value is not None):
        raise ValueError(f"drop rule {kind!r} {'needs' if RULE_KINDS[kind] else 'takes no'} value")
    return kind if value is None else f"{kind}:{value}"


def triage_reason(reason: str | None) -> str:
    """How the export records a decision made in the app with `reason` (None: no reason)."""
    return f"triage:{reason}" if reason else "triage"
