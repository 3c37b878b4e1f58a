"""Refusals and AI boilerplate in what the model is taught to say.

Phrase lists are this project's own, written from the patterns that the cleaning scripts of
ShareGPT/Vicuna-style "unfiltered" datasets and the refusal studies (e.g. Röttger et al. 2023,
XSTest) describe: a refusal declines the task; boilerplate talks about being an AI. Matching is
case-insensitive and accepts straight or curly apostrophes.
"""

from __future__ import annotations

import re

from inspector.core.data.conversation import Conversation
from inspector.core.flags.base import WARNING, Rule, model_turns

_A = "['’]"  # an apostrophe, straight or curly
_HELP_VERBS = (
    r"(?:help(?! but)|assist|provide|fulfil+|comply|create|generate|write|produce|answer|engage|"
    r"support|share|give|offer|do that|do this|complete|participate|continue)"
)

#: "I can't" / "I am unable to" / "I won't be able to" ... (the subject and the negation).
_I_CANNOT = (
    r"I(?: can{_A}?t| cannot| can not|{_A}m unable to| am unable to|{_A}m not able to"
    r"| am not able to| won{_A}?t be able to| will not be able to)"
)

REFUSAL_PATTERNS = [
    r"\b(?:I{_A}m |I am )?(?:so |very |really )?sorry,? (?:but )?I(?: can{_A}?t| cannot| won{_A}?t"
    r"|{_A}m unable| am unable|{_A}m not able| am not able)",
    _I_CANNOT + r" " + _HELP_VERBS + r"\b",
    r"\bI (?:must|have to|will have to) (?:respectfully )?decline\b",
    r"\b(?:goes|go|is|are) against my (?:guidelines|programming|policy|policies|principles"
    r"|ethical guidelines)\b",
    r"\bI(?:{_A}m| am) not (?:comfortable|permitted|allowed) (?:to )?"
    r"(?:help|assist|provid|writ|creat|shar)",
    r"\bI (?:do not|don{_A}?t) (?:feel comfortable|think it{_A}?s appropriate)\b",
    r"\b(?:it|this) (?:would be|is) (?:unethical|illegal|inappropriate) (?:for me )?to\b",
]

_AI = r"an? (?:ai|artificial intelligence)(?: language model| model| assistant| chatbot| system)?\b"

BOILERPLATE_PATTERNS = [
    r"\bas " + _AI,
    r"\bas a (?:large )?language model\b",
    r"\bI(?:{_A}?m| am) (?:just |only )?" + _AI,
    r"\bI (?:do not|don{_A}?t) have (?:personal |any )?(?:opinions|feelings|emotions|beliefs"
    r"|preferences|personal experiences|a physical body|consciousness)\b",
    r"\bI (?:do not|don{_A}?t) have (?:access to |the ability to (?:browse|access) )"
    r"(?:the internet|real-time|current|live|up-to-date)",
    r"\bmy (?:training data|knowledge cutoff|knowledge cut-off|training cutoff)\b",
    r"\b(?:trained|developed|created) by openai\b",
]


def _compile(patterns: list[str]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns).replace("{_A}", _A), re.IGNORECASE)


REFUSAL = _compile(REFUSAL_PATTERNS)
BOILERPLATE = _compile(BOILERPLATE_PATTERNS)
#: Every pattern above contains one of these words (lower-cased, curly apostrophes made
#: straight); a substring test rules most turns out long before a regex search would.
REFUSAL_HINTS = (
    "sorry",
    "can't",
    "cant",
    "cannot",
    "can not",
    "unable",
    "not able",
    "won't",
    "decline",
    "against my",
    "comfortable",
    "permitted",
    "allowed",
    "unethical",
    "illegal",
    "inappropriate",
)
BOILERPLATE_HINTS = (
    " ai",
    "artificial intelligence",
    "language model",
    "i don't have",
    "i dont have",
    "i do not have",
    "my training",
    "my knowledge",
    "openai",
)


class Phrases(Rule):
    """Refusal and AI-boilerplate phrases in assistant turns (the rejected side is skipped)."""

    codes = {
        "refusal": (WARNING, "the answer declines the task"),
        "ai_boilerplate": (WARNING, "the answer talks about being an AI"),
    }

    def check(self, conv: Conversation):
        for loc in model_turns(conv):
            text = loc.turn.content
            low = " " + text.lower().replace("’", "'")
            for code, pattern, hints in (
                ("refusal", REFUSAL, REFUSAL_HINTS),
                ("ai_boilerplate", BOILERPLATE, BOILERPLATE_HINTS),
            ):
                if not any(h in low for h in hints):
                    continue
                m = pattern.search(text)
                if m:
                    yield self.finding(
                        code, _context(text, m.start(), m.end()), loc.where, m.span()
                    )


def _context(text: str, start: int, end: int, around: int = 30) -> str:
    """The match with a little text on each side, so the evidence reads as a phrase."""
    lo, hi = max(0, start - around), min(len(text), end + around)
    return ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")
