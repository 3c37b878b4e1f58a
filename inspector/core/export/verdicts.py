"""Keep or drop, with a reason, for every row: the decisions of one export.

Sources are applied in a fixed order, later ones overriding earlier ones for the rows they
name: bulk `--drop` rules, then the triage store (a person's row-by-row decisions beat bulk
rules), then a replayed `decisions.jsonl` (given explicitly for this export). Rows nobody
decided are kept. Rows the tool cannot use at all (not normalizable, nothing to train on) are
dropped last, whatever was decided, so every output of an export holds the same rows.

Verdicts are stored as one small integer per row indexing a table of (decision, reason)
labels, so millions of rows cost a few megabytes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from inspector.core.errors import InputError
from inspector.core.export.evidence import Evidence, RowRef
from inspector.core.export.rules import DropRule
from inspector.core.reasons import triage_reason

KEEP = "keep"
DROP = "drop"
#: Label 0: kept because nobody decided otherwise (not written to `decisions.jsonl`).
DEFAULT = (KEEP, None)


@dataclass
class Verdicts:
    """Per input split, one label index per row; `labels[0]` is the undecided default."""

    sizes: dict[str, int]
    labels: list[tuple[str, str | None]] = field(default_factory=lambda: [DEFAULT])
    codes: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for split, n in self.sizes.items():
            self.codes.setdefault(split, np.zeros(n, dtype=np.uint16))
        self._index = {label: i for i, label in enumerate(self.labels)}

    @property
    def splits(self) -> list[str]:
        return list(self.sizes)

    def label(self, decision: str, reason: str | None) -> int:
        """The index of a (decision, reason) label, added on first use."""
        key = (decision, reason)
        if key not in self._index:
            if len(self.labels) >= np.iinfo(np.uint16).max:
                raise InputError("too many distinct decision reasons (over 65,000) in one export.")
            self._index[key] = len(self.labels)
            self.labels.append(key)
        return self._index[key]

    def set(self, split: str, rows, decision: str, reason: str | None) -> None:
        """Decide `rows` (indices within `split`)."""
        self.codes[split][np.asarray(rows, dtype=np.int64)] = self.label(decision, reason)

    def kept(self, split: str) -> np.ndarray:
        """A boolean mask of the rows kept in `split`."""
        keep_labels = np.array([d == KEEP for d, _ in self.labels])
        return keep_labels[self.codes[split]]

    def drop_unusable(self, split: str, rows, reason: str) -> int:
        """Drop those of `rows` still kept (the reason beats any keep); returns how many."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return 0
        still = rows[self.kept(split)[rows]]
        self.set(split, still, DROP, reason)
        return int(still.size)

    def decided(self, split: str) -> np.ndarray:
        """Rows with a decision other than the default (the ones `decisions.jsonl` lists)."""
        return np.flatnonzero(self.codes[split])

    def counts(self) -> dict[str, Counter]:
        """``{"keep": Counter(reason), "drop": Counter(reason)}`` over all splits."""
        out = {KEEP: Counter(), DROP: Counter()}
        for codes in self.codes.values():
            for code, n in zip(*np.unique(codes, return_counts=True), strict=True):
                decision, reason = self.labels[int(code)]
                out[decision][reason or "undecided"] += int(n)
        return out

    def rows_kept(self) -> dict[str, int]:
        return {split: int(self.kept(split).sum()) for split in self.sizes}


def check_refs(refs: list[RowRef], sizes: dict[str, int], what: str) -> None:
    for split, row in refs:
        if split not in sizes or not 0 <= row < sizes[split]:
            raise InputError(
                f"{what} names row {row} of split {split!r}, which this dataset does not have "
                f"(splits: {', '.join(f'{s}={n}' for s, n in sizes.items())}); the analysis "
                "results are from other data: run it again."
            )


def _by_split(refs, sizes) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {s: [] for s in sizes}
    for split, row in refs:
        out[split].append(row)
    return out


def apply_rules(verdicts: Verdicts, rules: tuple[DropRule, ...], evidence: Evidence | None) -> None:
    """Apply `--drop` rules. Duplicate rules go last and keep, in each group, the first member
    that no other rule dropped (so a group whose representative is a refusal keeps a copy)."""
    evidence = evidence or Evidence()
    sizes = verdicts.sizes
    plain = [r for r in rules if r.kind != "dup"]
    dups = [r for r in rules if r.kind == "dup"]
    for rule in plain:
        refs = list(rule.rows(evidence))
        check_refs(refs, sizes, f"--drop {rule.reason}")
        for split, rows in _by_split(refs, sizes).items():
            if rows:
                rows = np.asarray(rows, dtype=np.int64)
                # A row several rules drop keeps the first rule's reason.
                verdicts.set(split, rows[verdicts.kept(split)[rows]], DROP, rule.reason)
    for rule in dups:
        label = verdicts.label(DROP, rule.reason)
        for group in rule.groups(evidence):
            check_refs(group, sizes, f"--drop {rule.reason}")
            survivors = [
                (s, r) for s, r in group if verdicts.labels[verdicts.codes[s][r]][0] == KEEP
            ]
            for split, row in survivors[1:]:
                verdicts.codes[split][row] = label


def apply_store(verdicts: Verdicts, decisions: dict, current_hashes: dict[RowRef, str]) -> dict:
    """Apply the triage store's decisions whose row content is unchanged; returns counts.

    `decisions` is `TriageStore.decisions()`; `current_hashes` maps each decided row to the hash
    of its content now. A decision whose recorded hash differs is about a row that has since
    changed, so it is skipped and counted as stale rather than applied to the wrong content.
    """
    applied = stale = 0
    for (split, row), d in sorted(decisions.items()):
        if split not in verdicts.sizes or not 0 <= row < verdicts.sizes[split]:
            stale += 1
            continue
        if d.content_hash and current_hashes.get((split, row)) != d.content_hash:
            stale += 1
            continue
        reason = triage_reason(d.reason)
        verdicts.codes[split][row] = verdicts.label(d.decision, reason)
        applied += 1
    return {"applied": applied, "stale": stale}
