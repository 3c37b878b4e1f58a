"""Token-length flags from the token facts that the tokens layer computes per row.

The rules do not tokenize: the caller passes, per row, the total number of tokens of the
rendered conversation and how many trained (label != -100) tokens remain after truncation to
`max_length`. The tokens layer (`inspector.core.tokens.facts`) computes them;
`scan.collect_token_facts` gathers them for every split.
"""

from __future__ import annotations

from dataclasses import dataclass

from inspector.core.flags.base import ERROR, WARNING, Finding


@dataclass(frozen=True, slots=True)
class RowTokens:
    """What tokenizing one row found."""

    total: int
    """Tokens of the whole rendered row, before truncation."""
    trained: int
    """Trained tokens (labels other than -100) left after truncation to `max_length`."""


CODES = {
    "too_long": (WARNING, "longer than --max-length tokens: truncation cuts it"),
    "no_trained_tokens": (ERROR, "no trained token is left after truncation"),
}


def token_findings(facts: RowTokens | None, max_length: int | None) -> list[Finding]:
    """`too_long` and `no_trained_tokens` for one row (nothing without facts)."""
    if facts is None:
        return []
    out = []
    if max_length is not None and facts.total > max_length:
        out.append(
            Finding(
                "too_long",
                CODES["too_long"][0],
                f"{facts.total} tokens > max length {max_length}",
                "row",
            )
        )
    if facts.trained == 0:
        where = f"after truncation to {max_length} tokens" if max_length else "in the whole row"
        out.append(
            Finding(
                "no_trained_tokens",
                CODES["no_trained_tokens"][0],
                f"0 trained tokens {where}",
                "row",
            )
        )
    return out
