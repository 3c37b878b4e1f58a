"""Preference pairs: identical sides, an empty side, differing prompts, and length bias.

Length bias is a property of the whole dataset (Singhal et al. 2023, "A Long Way to Go:
Investigating Length Correlations in RLHF"): when the chosen answer is longer in most pairs, a
reward or DPO model learns "longer is better". `LengthBias` collects lengths row by row and,
once the dataset is seen, flags the pairs that carry the bias.
"""

from __future__ import annotations

import re

from inspector.core.data.conversation import Conversation, Turn
from inspector.core.flags.base import ERROR, INFO, WARNING, Finding, Rule, clip

_SPACE = re.compile(r"\s+")

#: The bias is "strong" when the chosen side is longer in at least this share of the pairs whose
#: lengths differ (0.5 = no bias). Project choice: Singhal et al. report 0.6-0.7 on common sets.
LENGTH_BIAS_SHARE = 0.7
#: ... judged only with at least this many pairs (fewer are noise).
LENGTH_BIAS_MIN_PAIRS = 20
#: ... and a pair carries it when the chosen answer is at least this many times as long.
LENGTH_BIAS_RATIO = 1.5


def _side_text(turns: list[Turn] | None) -> str:
    return "\n".join(f"{t.role}: {t.content}" for t in turns or [])


def _blank(turns: list[Turn] | None) -> bool:
    return not turns or all(not t.content.strip() and not t.tool_calls for t in turns)


class Pairs(Rule):
    """Row-level checks on preference pairs."""

    codes = {
        "chosen_equals_rejected": (ERROR, "chosen and rejected are identical"),
        "chosen_equals_rejected_whitespace": (
            ERROR,
            "chosen and rejected differ only in whitespace",
        ),
        "empty_side": (ERROR, "the chosen or rejected side is missing or blank"),
        "prompts_differ": (WARNING, "chosen and rejected continue different prompts"),
    }

    def check(self, conv: Conversation):
        if conv.chosen is None:
            return
        chosen, rejected = _side_text(conv.chosen), _side_text(conv.rejected)
        for name, side in (("chosen", conv.chosen), ("rejected", conv.rejected)):
            if _blank(side):
                yield self.finding("empty_side", f"{name} is {_side_text(side)!r}", name)
        if _blank(conv.chosen) or _blank(conv.rejected):
            return
        if chosen == rejected:
            yield self.finding("chosen_equals_rejected", chosen, "chosen")
        elif _SPACE.sub(" ", chosen).strip() == _SPACE.sub(" ", rejected).strip():
            yield self.finding(
                "chosen_equals_rejected_whitespace", f"{chosen!r} vs {rejected!r}", "chosen"
            )
        if conv.prompts_differ:
            yield self.finding("prompts_differ", f"chosen: {chosen} | rejected: {rejected}", "row")


class LengthBias:
    """Dataset-level: is the chosen answer systematically the longer one?

    Call `observe(index, conv)` for every row, then `finish()` for the findings by row index.
    """

    code = "length_bias"
    severity = INFO
    description = "chosen is much longer than rejected, in a dataset where that is the rule"

    def __init__(self) -> None:
        self.lengths: dict[int, tuple[int, int]] = {}

    def observe(self, index: int, conv: Conversation) -> None:
        if conv.chosen is not None:
            chosen = sum(len(t.content) for t in conv.chosen)
            rejected = sum(len(t.content) for t in conv.rejected or [])
            self.lengths[index] = (chosen, rejected)

    def share(self) -> tuple[int, float]:
        """How many pairs differ in length, and the share of those where chosen is longer."""
        differ = [(c, r) for c, r in self.lengths.values() if c != r]
        if not differ:
            return 0, 0.0
        return len(differ), sum(c > r for c, r in differ) / len(differ)

    def finish(self) -> dict[int, list[Finding]]:
        pairs, share = self.share()
        if pairs < LENGTH_BIAS_MIN_PAIRS or share < LENGTH_BIAS_SHARE:
            return {}
        out = {}
        for index, (c, r) in self.lengths.items():
            if c >= LENGTH_BIAS_RATIO * max(r, 1):
                evidence = (
                    f"chosen {c} chars vs rejected {r}; chosen is longer in {share:.0%} "
                    f"of {pairs} pairs"
                )
                out[index] = [Finding(self.code, self.severity, clip(evidence), "row")]
        return out
