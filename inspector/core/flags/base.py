"""The pieces every quality rule shares: `Finding`, the `Rule` base class and turn walkers.

A rule looks at one normalized `Conversation` and returns findings, each with a reason code
(`"refusal"`, `"pii_email"`...), a severity, and the evidence: the text or value that triggered
it and where it sits (which turn, which side, which characters). Codes, not booleans, are what
the report, the UI and the export manifest speak.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from inspector.core.data.conversation import ASSISTANT, TEXT, Conversation, Turn

ERROR = "error"
WARNING = "warning"
INFO = "info"
#: Severities, most serious first.
SEVERITIES = (ERROR, WARNING, INFO)

#: Longest evidence string kept (the span is kept in full through `span`).
EVIDENCE_CHARS = 160


@dataclass(frozen=True, slots=True)
class Finding:
    """Why a row was flagged: a reason code, how bad it is, and what triggered it."""

    code: str
    severity: str
    evidence: str
    """The text or value that triggered the rule (cut to `EVIDENCE_CHARS`)."""
    where: str = ""
    """Where in the row: ``"turn 2 (assistant)"``, ``"chosen turn 0 (assistant)"``, ``"row"``."""
    span: tuple[int, int] | None = None
    """Character offsets of the evidence inside that turn's content, when it is a span."""

    def to_json(self) -> dict:
        out = {"code": self.code, "severity": self.severity, "evidence": self.evidence}
        if self.where:
            out["where"] = self.where
        if self.span is not None:
            out["span"] = list(self.span)
        return out


def clip(text: str, limit: int = EVIDENCE_CHARS) -> str:
    """Evidence text no longer than `limit` characters (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Located(NamedTuple):
    """A turn plus a human-readable place in its row (a tuple: built for every turn of every
    row by several rules, so it must be cheap)."""

    where: str
    turn: Turn
    index: int
    side: str | None  # None (the shared turns), "chosen" or "rejected"


def turns_of(conv: Conversation, *, rejected: bool = True) -> Iterator[Located]:
    """Every turn of a row: the shared turns, then the chosen and (optionally) rejected sides."""
    for i, t in enumerate(conv.turns):
        yield Located(f"turn {i} ({t.role})", t, i, None)
    sides = [("chosen", conv.chosen)] + ([("rejected", conv.rejected)] if rejected else [])
    for name, side in sides:
        for i, t in enumerate(side or []):
            yield Located(f"{name} turn {i} ({t.role})", t, i, name)


def model_turns(conv: Conversation, *, rejected: bool = False) -> Iterator[Located]:
    """The turns a model is taught to write: assistant turns and raw `text` documents.

    The rejected side is skipped unless asked for: a refusal or a repetition there is what the
    pair teaches the model to avoid.
    """
    for loc in turns_of(conv, rejected=rejected):
        if loc.turn.role in (ASSISTANT, TEXT):
            yield loc


def _last_model_turn(turns: list[Turn], side: str | None) -> Located | None:
    for i in range(len(turns) - 1, -1, -1):
        if turns[i].role in (ASSISTANT, TEXT):
            prefix = f"{side} turn" if side else "turn"
            return Located(f"{prefix} {i} ({turns[i].role})", turns[i], i, side)
    return None


def responses(conv: Conversation) -> Iterator[tuple[str, Located | None]]:
    """The final model turn of each conversation a row holds: `("row", turn)` for SFT rows,
    `("chosen", turn)` and `("rejected", turn)` for preference rows; None where a side has
    no assistant or text turn at all."""
    if conv.chosen is None:
        yield "row", _last_model_turn(conv.turns, None)
    else:
        yield "chosen", _last_model_turn(conv.chosen, "chosen")
        yield "rejected", _last_model_turn(conv.rejected or [], "rejected")


class Rule:
    """One check (or a family of closely related checks) over a normalized row.

    Subclasses set `codes` (every code they may return, with its severity) and implement
    `check`. Thresholds live in module-level constants with the source of each default.
    """

    #: code -> (severity, one-line description for reports and `--help`).
    codes: dict[str, tuple[str, str]] = {}

    def check(self, conv: Conversation) -> Iterable[Finding]:
        raise NotImplementedError

    def finding(self, code: str, evidence: str, where: str = "", span=None) -> Finding:
        """A finding of one of this rule's codes, with the code's severity."""
        return Finding(code, self.codes[code][0], clip(evidence), where, span)
