"""Bulk drop rules for export: ``flag:CODE``, ``dup:exact|near|semantic|prompt``, ``cluster:ID``,
``contaminated``.

A rule names the rows it drops and the reason code they are dropped for, which the manifest
counts and `decisions.jsonl` records. The rows come from an `Evidence`; a rule whose evidence
was not computed raises `InputError` rather than silently dropping nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from inspector.core.errors import InputError
from inspector.core.export.evidence import Evidence, RowRef
from inspector.core.reasons import DUP_KINDS, drop_reason

RULE_HELP = f"flag:CODE, dup:{'|'.join(DUP_KINDS)}, cluster:ID or contaminated"


@dataclass(frozen=True, slots=True)
class DropRule:
    """One `--drop` rule."""

    kind: str
    """``flag``, ``dup``, ``cluster`` or ``contaminated``."""
    value: str | None = None

    @classmethod
    def parse(cls, spec: str) -> DropRule:
        """Parse a `--drop` value; raises `InputError` naming what is accepted."""
        text = spec.strip()
        kind, sep, value = text.partition(":")
        kind, value = kind.strip().lower(), value.strip()
        if kind == "contaminated" and not sep:
            return cls("contaminated")
        if kind == "flag" and value:
            return cls("flag", value)
        if kind == "dup" and value.lower() in DUP_KINDS:
            return cls("dup", value.lower())
        if kind == "cluster" and value.lstrip("-").isdigit():
            return cls("cluster", str(int(value)))
        raise InputError(f"--drop {spec!r}: not a rule; use {RULE_HELP}.")

    @property
    def reason(self) -> str:
        """The reason code recorded for rows this rule drops."""
        return drop_reason(self.kind, self.value)

    @property
    def needs(self) -> str:
        """The part of `Evidence` the rule reads."""
        return {
            "flag": "flags",
            "dup": "duplicates",
            "cluster": "clusters",
            "contaminated": "contaminated",
        }[self.kind]

    def rows(self, evidence: Evidence) -> Iterator[RowRef]:
        """The rows this rule drops (may repeat a row; callers keep the first reason)."""
        part = getattr(evidence, self.needs)
        if part is None:
            raise InputError(
                f"--drop {self.reason}: needs {self.needs}, which were not computed for this "
                "export (run the analysis, e.g. `inspector scan`, or pass --against for "
                "contamination)."
            )
        if self.kind == "flag":
            yield from part.get(self.value, [])
        elif self.kind == "dup":
            for group in self.groups(evidence):
                yield from group[1:]  # the representative (first) stays
        elif self.kind == "cluster":
            wanted = int(self.value)
            for split, ids in part.items():
                for row in (ids == wanted).nonzero()[0]:
                    yield split, int(row)
        else:
            yield from part

    def groups(self, evidence: Evidence) -> list[list[RowRef]]:
        """For a ``dup`` rule: its duplicate groups, representative first."""
        part = evidence.duplicates
        if part is None or self.value not in part:
            available = ", ".join(sorted(part or {})) or "none"
            raise InputError(
                f"--drop {self.reason}: no {self.value} duplicate groups were computed for this "
                f"export (available: {available}); run the duplicate scan first."
            )
        return part[self.value]

    def __str__(self) -> str:
        return self.reason


def parse_rules(specs) -> tuple[DropRule, ...]:
    """Parse `--drop` values, each possibly a comma-separated list, dropping repeats."""
    out: dict[DropRule, None] = {}
    for spec in specs or ():
        for part in str(spec).split(","):
            if part.strip():
                out.setdefault(DropRule.parse(part), None)
    return tuple(out)
