"""The mask linter: over every row of a split, what is wrong with what the model trains on.

Each rule is a reason code computed from `TokenFacts` columns for all rows at once; a finding
carries the code, its severity, a sentence saying why it matters, how many rows it hits and the
first few of them. The same codes name per-row flags in the scan, the app and export manifests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from inspector.core.tokens.facts import TokenFacts

#: code -> (severity, what it means for training)
RULES: dict[str, tuple[str, str]] = {
    "no_trained_tokens": (
        "error",
        "no trained token is left in what the model sees (after truncation at "
        "max_length): the row adds nothing but compute",
    ),
    "no_trained_tokens_before_truncation": (
        "error",
        "even untruncated, the mask trains no token of the row (no answer, or a "
        "template/mask that marks none)",
    ),
    "end_of_turn_not_trained": (
        "error",
        "a trained turn's end-of-turn/EOS token is missing or masked: the model "
        "never learns to stop",
    ),
    "end_of_turn_truncated": (
        "warning",
        "truncation keeps part of a trained answer but cuts its end-of-turn token",
    ),
    "assistant_turn_untrained": (
        "warning",
        "a turn the mask should train received no trained token (empty answer, or "
        "a template that drops or does not mark it)",
    ),
    "duplicated_bos": (
        "warning",
        "the sequence starts with two BOS tokens (template and tokenizer both add one)",
    ),
    "response_template_not_found": (
        "error",
        "no --response-template marker occurs in this text row, so nothing in it is trained "
        "(the old completion-only collator's silent failure)",
    ),
    "trained_tokens_truncated": ("info", "truncation removes some trained tokens"),
    "row_failed": ("error", "the row could not be normalized, rendered or tokenized"),
}


def rule_masks(facts: TokenFacts) -> dict[str, np.ndarray]:
    """Per reason code, a boolean array over rows: which rows the rule hits."""
    c = facts.columns
    ok = c["failed"] == 0
    lost = facts.lost
    return {
        "no_trained_tokens": ok & (c["trained_kept"] == 0),
        "no_trained_tokens_before_truncation": ok & (c["trained"] == 0),
        "end_of_turn_not_trained": ok & (c["eot_untrained"] > 0),
        "end_of_turn_truncated": ok & (c["eot_cut"] > 0),
        "assistant_turn_untrained": ok & (c["untrained_turns"] > 0),
        "duplicated_bos": ok & (c["dup_bos"] > 0),
        "response_template_not_found": ok & (c["no_marker"] > 0),
        "trained_tokens_truncated": ok & (lost > 0) & (c["trained_kept"] > 0),
        "row_failed": ~ok,
    }


@dataclass
class Finding:
    """One rule's result over a split."""

    code: str
    severity: str
    description: str
    count: int
    examples: list[int]

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "description": self.description,
            "count": self.count,
            "examples": self.examples,
        }


@dataclass
class LintReport:
    """All findings of a split, plus the trained-fraction distribution."""

    split: str
    rows: int
    findings: list[Finding]
    trained_fraction: dict[str, float]
    lowest_fraction_rows: list[int]
    masks: dict[str, np.ndarray] = field(repr=False, default_factory=dict)

    def finding(self, code: str) -> Finding | None:
        return next((f for f in self.findings if f.code == code), None)

    def rows_with(self, code: str) -> np.ndarray:
        """Every row the rule hits (not just the examples)."""
        return np.flatnonzero(self.masks[code])

    def to_json(self) -> dict:
        return {
            "split": self.split,
            "rows": self.rows,
            "findings": [f.to_json() for f in self.findings],
            "trained_fraction": self.trained_fraction,
            "lowest_trained_fraction_rows": self.lowest_fraction_rows,
        }


def lint(facts: TokenFacts, examples: int = 10) -> LintReport:
    """Run every rule over every row; findings with no hit are left out, worst first."""
    masks = rule_masks(facts)
    order = {"error": 0, "warning": 1, "info": 2}
    findings = []
    for code, mask in masks.items():
        hits = np.flatnonzero(mask)
        if len(hits):
            severity, description = RULES[code]
            findings.append(
                Finding(
                    code, severity, description, int(len(hits)), [int(i) for i in hits[:examples]]
                )
            )
    findings.sort(key=lambda f: (order[f.severity], -f.count))
    ok = facts.columns["failed"] == 0
    frac = facts.trained_fraction[ok]
    stats = {}
    if len(frac):
        stats = {
            "min": float(frac.min()),
            "p5": float(np.percentile(frac, 5)),
            "median": float(np.median(frac)),
            "mean": float(frac.mean()),
            "max": float(frac.max()),
        }
    candidates = np.flatnonzero(ok)
    lowest = candidates[np.argsort(facts.trained_fraction[candidates], kind="stable")[:examples]]
    return LintReport(facts.split, len(facts), findings, stats, [int(i) for i in lowest], masks)
