"""Quality flags: small rules over a normalized row, each finding a reason code with evidence.

`flag_row(conv)` runs every row rule; `FlagRun` runs them over a whole dataset and adds the
dataset-level ones (length bias of preference pairs) and the token-length flags when token
facts are given. `CODES` describes every code a rule may produce.
"""

from __future__ import annotations

from inspector.core.conversation import Conversation
from inspector.core.flags.base import SEVERITIES, Finding, Rule
from inspector.core.flags.encoding import Encoding
from inspector.core.flags.markup import Placeholder, TemplateLeak
from inspector.core.flags.phrases import Phrases
from inspector.core.flags.pii import PersonalData
from inspector.core.flags.preference import LengthBias, Pairs
from inspector.core.flags.repetition import Repetition
from inspector.core.flags.response import (
    EmptyResponse,
    RepeatsInstruction,
    ShortResponse,
    TruncatedResponse,
)
from inspector.core.flags.structure import Structure, ToolCalls
from inspector.core.flags.tokens import CODES as TOKEN_CODES
from inspector.core.flags.tokens import RowTokens, token_findings

#: The row rules, in the order their findings are listed.
RULES: tuple[Rule, ...] = (
    EmptyResponse(),
    ShortResponse(),
    Phrases(),
    RepeatsInstruction(),
    Repetition(),
    TruncatedResponse(),
    TemplateLeak(),
    Placeholder(),
    Encoding(),
    PersonalData(),
    Structure(),
    ToolCalls(),
    Pairs(),
)

#: Every code: (severity, description).
CODES: dict[str, tuple[str, str]] = {
    code: spec for rule in RULES for code, spec in rule.codes.items()
}
CODES[LengthBias.code] = (LengthBias.severity, LengthBias.description)
CODES.update(TOKEN_CODES)


def flag_row(conv: Conversation) -> list[Finding]:
    """Every row rule's findings for one normalized row."""
    return [f for rule in RULES for f in rule.check(conv)]


class FlagRun:
    """Flags over a whole dataset: row rules as rows arrive, dataset rules at the end.

    Rows are numbered by the caller (`index`); `finish()` returns `{index: [Finding, ...]}`
    for every flagged row.
    """

    def __init__(self, max_length: int | None = None) -> None:
        self.max_length = max_length
        self.found: dict[int, list[Finding]] = {}
        self.length_bias = LengthBias()

    def add(self, index: int, conv: Conversation, facts: RowTokens | None = None) -> list[Finding]:
        findings = flag_row(conv) + token_findings(facts, self.max_length)
        self.length_bias.observe(index, conv)
        if findings:
            self.found[index] = findings
        return findings

    def finish(self) -> dict[int, list[Finding]]:
        for index, extra in self.length_bias.finish().items():
            self.found.setdefault(index, []).extend(extra)
        return self.found


__all__ = [
    "CODES",
    "RULES",
    "SEVERITIES",
    "FlagRun",
    "Finding",
    "Rule",
    "RowTokens",
    "flag_row",
    "token_findings",
]
