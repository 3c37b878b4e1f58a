"""Refusals and AI boilerplate in what the model is taught to say.

Phrase lists are this project's own, written from the patterns that the cleaning scripts of
ShareGPT/Vicuna-style "unfiltered" datasets and the refusal studies (e.g. Röttger et al. 2023,
XSTest) describe: a refusal declines the task; boilerplate talks about being an AI. Matching is
case-insensitive and accepts straight or curly apostrophes.

Chinese phrases are chosen from the real Chinese files (LLaMA-Factory's Chinese DPO and
tool-call demos): "作为一个AI/人工智能", "我只是一个人工智能", "我没有个人观点或感情" for
boilerplate; "很抱歉，我无法…", "我无法执行/帮助/协助…" for refusals.

Boilerplate is not raised when the prompt itself asks the model to speak as an AI (a role-play
of a chatbot, "you are an AI assistant that ...", "pretend to be a robot"): then the answer's
"As an AI" is the task, not a habit.
"""

from __future__ import annotations

import re

from inspector.core.data.conversation import SYSTEM, USER, Conversation
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
    r"\b(?:I{_A}m |I am )?(?:so |very |really )?sorry,? (?:but )?(?:as an? [\w ]{1,30}, )?"
    r"I(?: can{_A}?t| cannot| won{_A}?t|{_A}m unable| am unable|{_A}m not able| am not able"
    r"| don{_A}?t have the (?:capability|ability)| do not have the (?:capability|ability))",
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


#: Chinese refusals: an apology followed by "I cannot", or "I cannot" + a verb of doing the task.
REFUSAL_PATTERNS_ZH = [
    r"(?:对不起|抱歉|很抱歉|非常抱歉)[，,。！\s]*(?:但)?(?:作为[^，,。]{1,12}[，,])?我(?:不能|无法|不会|没法)",
    r"我(?:不能|无法|没法)(?:帮助|帮您|帮你|协助|完成|执行|满足|为您|为你|回答|预订|处理)",
    r"我(?:必须|只能)(?:拒绝|婉拒)",
    r"违反(?:了)?我的(?:准则|原则|政策|编程)",
]
#: Chinese boilerplate: "as an AI", "I am (just) an AI", "I have no personal opinions".
BOILERPLATE_PATTERNS_ZH = [
    r"作为(?:一个|一名|一款)?(?:AI|人工智能|语言模型|大型语言模型)",
    r"我(?:只是|是)(?:一个|一名|一款)?(?:AI|人工智能|语言模型)",
    r"我(?:没有|不具备)(?:个人的?)?(?:观点|感情|情感|意见|偏好|信仰|身体|意识)",
    r"我的(?:训练数据|知识截止)",
]

REFUSAL = _compile(REFUSAL_PATTERNS + REFUSAL_PATTERNS_ZH)
BOILERPLATE = _compile(BOILERPLATE_PATTERNS + BOILERPLATE_PATTERNS_ZH)
#: A prompt asking the model to speak as an AI: role-play, persona or self-description tasks.
AS_AN_AI_TASK = re.compile(
    r"\b(?:you are now|you're now|act as|acting as|pretend(?: to be| you are| you're)?|"
    r"imagine (?:you are|you're|being)|role-?play(?: as)?|play the role of|in the role of|"
    r"(?:answer|respond|reply|speak|write|talk) as|persona of)\s+(?:an?\s+|the\s+)?"
    r"(?:[\w-]+\s+){0,3}?(?:ai|artificial intelligence|language model|chatbot|robot)\b"
    r"|扮演|假设你是|想象你是",
    re.IGNORECASE,
)
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
    "作为",
    "人工智能",
    "我是",
    "我只是",
    "我没有",
    "我不具备",
    "我的训练",
    "我的知识",
)
REFUSAL_HINTS = REFUSAL_HINTS + ("抱歉", "对不起", "我不能", "我无法", "我没法", "拒绝", "违反")


class Phrases(Rule):
    """Refusal and AI-boilerplate phrases in assistant turns (the rejected side is skipped)."""

    codes = {
        "refusal": (WARNING, "the answer declines the task"),
        "ai_boilerplate": (WARNING, "the answer talks about being an AI"),
    }

    def check(self, conv: Conversation):
        role_play = None
        for loc in model_turns(conv):
            text = loc.turn.content
            low = " " + text.lower().replace("’", "'")
            for code, pattern, hints in (
                ("refusal", REFUSAL, REFUSAL_HINTS),
                ("ai_boilerplate", BOILERPLATE, BOILERPLATE_HINTS),
            ):
                if not any(h in low for h in hints):
                    continue
                if code == "ai_boilerplate":
                    if role_play is None:
                        role_play = _asks_for_an_ai(conv)
                    if role_play:
                        continue
                m = pattern.search(text)
                if m:
                    yield self.finding(
                        code, _context(text, m.start(), m.end()), loc.where, m.span()
                    )


def _asks_for_an_ai(conv: Conversation) -> bool:
    """Whether a user or system turn asks the model to speak as an AI."""
    return any(t.role in (USER, SYSTEM) and AS_AN_AI_TASK.search(t.content) for t in conv.turns)


def _context(text: str, start: int, end: int, around: int = 30) -> str:
    """The match with a little text on each side, so the evidence reads as a phrase."""
    lo, hi = max(0, start - around), min(len(text), end + around)
    return ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")
