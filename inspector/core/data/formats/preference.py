"""Preference formats: `preference` (a prompt, a chosen and a rejected continuation) and
`unpaired_preference` (one completion with a boolean label, KTO-style)."""

from __future__ import annotations

from inspector.core.data.conversation import ASSISTANT, Conversation
from inspector.core.data.formats.base import InputFormat
from inspector.core.data.turns import (
    TRANSCRIPT_MARK,
    common_prefix,
    extra_of,
    kind_of,
    message_turns,
    prompt_turns,
    sharegpt_turns,
    side_turns,
    system_turns,
    transcript_turns,
)
from inspector.core.errors import RowError


class Preference(InputFormat):
    """`chosen` and `rejected` (text, messages or raw Human/Assistant transcripts), with the
    prompt in `prompt`, `conversations` or `messages`, or shared by the two sides."""

    name = "preference"
    expects = "chosen, rejected (+ prompt, or conversations/messages for the prompt)"
    needs = (frozenset({"chosen", "rejected"}),)
    rank = 10

    def detect(self, view, features) -> bool:
        return {"chosen", "rejected"} <= view.keys()

    def normalize(self, row: dict) -> Conversation:
        chosen_v, rejected_v = row.get("chosen"), row.get("rejected")
        prompt_v = next(
            (row[n] for n in ("prompt", "conversations", "messages") if row.get(n) is not None),
            None,
        )
        used = {"chosen", "rejected", "prompt", "conversations", "messages", "system"}
        if (
            prompt_v is None
            and isinstance(chosen_v, str)
            and isinstance(rejected_v, str)
            and (TRANSCRIPT_MARK.match(chosen_v) or TRANSCRIPT_MARK.match(rejected_v))
        ):
            chosen = transcript_turns(chosen_v, "chosen")
            rejected = transcript_turns(rejected_v, "rejected")
        else:
            chosen = side_turns(chosen_v, "chosen")
            rejected = side_turns(rejected_v, "rejected")
            if prompt_v is not None:
                prompt = system_turns(row) + prompt_turns(prompt_v, "prompt")
                return Conversation(
                    "preference", prompt, chosen, rejected, extra=extra_of(row, used)
                )
        # No separate prompt: the shared leading turns are the prompt; each side keeps the rest.
        n = common_prefix(chosen, rejected)
        while n and chosen[n - 1].role == ASSISTANT and (n == len(chosen) or n == len(rejected)):
            n -= 1  # keep at least the final answer in each side
        prompt, c_rest, r_rest = chosen[:n], chosen[n:], rejected[n:]
        differ = any(t.role != ASSISTANT for t in c_rest[:-1] + r_rest[:-1])
        return Conversation(
            "preference",
            system_turns(row) + prompt,
            c_rest,
            r_rest,
            prompts_differ=differ,
            extra=extra_of(row, used),
        )


class UnpairedPreference(InputFormat):
    """`messages` / `conversations` (or `prompt` + `completion`) and a boolean `label`."""

    name = "unpaired_preference"
    expects = "messages (or prompt + completion) and a boolean label"
    needs = (
        frozenset({"messages", "label"}),
        frozenset({"prompt", "completion", "label"}),
        frozenset({"conversations", "label"}),
    )
    rank = 20

    def detect(self, view, features) -> bool:
        has = view.keys()
        return "label" in has and (
            bool({"messages", "conversations"} & has) or {"prompt", "completion"} <= has
        )

    def normalize(self, row: dict) -> Conversation:
        label = row.get("label")
        if not isinstance(label, bool):
            raise RowError(f"label is {kind_of(label)}, not true/false")
        if "messages" in row or "conversations" in row:
            name = "messages" if "messages" in row else "conversations"
            value = row.get(name)
            if (
                isinstance(value, list)
                and value
                and isinstance(value[0], dict)
                and "from" in value[0]
            ):
                turns = sharegpt_turns(value, name)
            else:
                turns = message_turns(value, name)
            turns = system_turns(row) + turns
        else:
            turns = (
                system_turns(row)
                + prompt_turns(row.get("prompt"), "prompt")
                + side_turns(row.get("completion"), "completion")
            )
        used = {"messages", "conversations", "prompt", "completion", "label", "system"}
        return Conversation("unpaired_preference", turns, label=label, extra=extra_of(row, used))
