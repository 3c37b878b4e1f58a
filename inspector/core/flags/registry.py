"""The registry of quality rules: `RULES` (row rules, in the order their findings are listed),
`CODES` (every code any rule may produce, with its severity and description) and `flag_row`.

Kept apart from the package's face so that the flag workers (`flags.parallel`) can import the
rules without importing the face that imports them.
"""

from __future__ import annotations

from inspector.core.data.conversation import Conversation
from inspector.core.flags.base import Finding, Rule
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
