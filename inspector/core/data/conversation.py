"""The one row model every format is normalized into: a `Conversation` of `Turn`s.

Every later layer (templates and token masks, quality flags, embeddings, export) reads rows only
through this model, so it carries just what they need and nothing format-specific beyond the
optional `fields` of a turn (e.g. Alpaca's separate instruction and input, which the Alpaca
template renders in their own sections).

Roles are normalized to a small closed set: `system`, `user`, `assistant`, `tool` (a tool or
function result) and `text` (a raw document of the `text` format, trained on as a whole). The
role the source file used (`gpt`, `human`, `function_call`, `observation`, ...) is kept in
`Turn.source_role`. A turn is its `content` (the text, content parts joined) plus, apart from it,
the assistant's `reasoning` trace and `tool_calls`: later layers decide how each is rendered
and trained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SYSTEM = "system"
USER = "user"
ASSISTANT = "assistant"
TOOL = "tool"
TEXT = "text"

#: Every role a normalized turn may have.
ROLES = (SYSTEM, USER, ASSISTANT, TOOL, TEXT)


@dataclass(slots=True)
class Turn:
    """One message of a conversation."""

    role: str
    """One of `ROLES`."""
    content: str
    """The message text (content parts are joined; tool calls are kept in `tool_calls`)."""
    trained: bool = False
    """Whether the source marks this turn as a training target (assistant turns unless the
    source gives a zero `loss_weight`/`weight`; the whole document for `text`)."""
    tool_calls: list[dict[str, Any]] | None = None
    """OpenAI-style tool calls: ``[{"name": str, "arguments": str}]`` (arguments as given)."""
    name: str | None = None
    """The tool's name on a tool result, when the source gives one."""
    source_role: str | None = None
    """The role exactly as the source spelled it (``gpt``, ``function_call``, ...)."""
    fields: dict[str, str] | None = None
    """Structured source fields a template may render separately (Alpaca: instruction, input)."""
    reasoning: str | None = None
    """An assistant turn's reasoning trace (thinking), kept apart from `content`, the answer:
    from a `reasoning`/`thinking` content part, a `reasoning_content` field, or a leading
    ``<think>…</think>`` block of the content (removed from `content`). Templates render it
    before the answer (built-in ones inside ``<think>`` tags; a chat template as
    `reasoning_content`); `--reasoning mask` leaves it untrained."""


@dataclass(slots=True)
class Conversation:
    """A normalized row.

    For SFT formats `turns` is the whole conversation. For `preference` rows `turns` is the
    prompt shared by both sides and `chosen` / `rejected` are the two continuations; when the
    two sides' prompts differ (possible in raw transcripts) the differing part stays in each
    side and `prompts_differ` is set. For `unpaired_preference` rows `label` says whether the
    completion is desirable.
    """

    format: str
    turns: list[Turn]
    chosen: list[Turn] | None = None
    rejected: list[Turn] | None = None
    label: bool | None = None
    prompts_differ: bool = False
    tools: str | None = None
    """The tool schema the row declares (a JSON string as given), if any."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Source columns the model does not use (ids, sources...), kept for display."""

    @property
    def is_preference(self) -> bool:
        return self.chosen is not None

    def sides(self) -> list[tuple[str, list[Turn]]]:
        """The full conversations a model would see: one for SFT rows, two for preference rows."""
        if self.chosen is None:
            return [("conversation", self.turns)]
        return [
            ("chosen", self.turns + self.chosen),
            ("rejected", self.turns + (self.rejected or [])),
        ]

    def prompt_text(self) -> str:
        """The user-side text: system and user turns before the first response, joined."""
        out = []
        for turn in self.turns:
            if turn.role in (SYSTEM, USER):
                out.append(turn.content)
            elif turn.role != TOOL:
                break
        return "\n\n".join(out)

    def response_text(self) -> str:
        """The text trained on: the last assistant turn (the chosen one for preference rows)."""
        turns = self.chosen if self.chosen is not None else self.turns
        for turn in reversed(turns):
            if turn.role in (ASSISTANT, TEXT):
                return turn.content
        return ""

    def all_text(self) -> str:
        """Every turn's content (both sides for preference rows), joined by blank lines."""
        parts = [t.content for t in self.turns]
        for side in (self.chosen, self.rejected):
            if side:
                parts.extend(t.content for t in side)
        return "\n\n".join(p for p in parts if p)
