"""Preference formats: `preference` (a prompt, a chosen and a rejected continuation) and
`unpaired_preference` (one completion with a boolean label, KTO-style)."""

from __future__ import annotations

from inspector.core.data.conversation import ASSISTANT, SYSTEM, USER, Conversation, Turn
from inspector.core.data.formats.base import InputFormat
from inspector.core.data.turns import (
    TRANSCRIPT_MARK,
    common_prefix,
    extra_of,
    history_turns,
    kind_of,
    message_turns,
    prompt_turns,
    sharegpt_turns,
    side_turns,
    system_turns,
    text_field,
    transcript_turns,
)
from inspector.core.errors import RowError

#: Where a preference row's prompt may be, in the order they are tried: a `prompt` (text or
#: messages), Alpaca's instruction (+ input, with optional system and history), a `question`
#: (OpenOrca-style pairs), or a conversation whose turns lead up to the answer.
PROMPT_SOURCES = ("prompt", "instruction", "question", "conversations", "messages")
#: The columns each prompt source reads besides its own.
SOURCE_COLUMNS = {"instruction": ("instruction", "input", "history"), "question": ("question",)}
#: The two sides, as plain preference data and as LLaMA-Factory's newer layout names them.
SIDE_COLUMNS = (("chosen", "rejected"), ("chosen_messages", "rejected_messages"))


class Preference(InputFormat):
    """`chosen` and `rejected` (text, messages or raw Human/Assistant transcripts; also
    LLaMA-Factory's `chosen_messages` / `rejected_messages`), with the prompt taken from the
    first of `PROMPT_SOURCES` the row has, or else shared by the two sides. Both sides always
    follow the same prompt: a side that repeats the prompt turns (UltraFeedback writes the
    user turn into each side) has them removed."""

    name = "preference"
    expects = (
        "chosen, rejected (+ prompt, or instruction/input, question, or conversations/messages "
        "for the prompt)"
    )
    needs = (frozenset({"chosen", "rejected"}), frozenset({"chosen_messages", "rejected_messages"}))
    rank = 10

    def detect(self, view, features) -> bool:
        return any({a, b} <= view.keys() for a, b in SIDE_COLUMNS)

    def describe(self, view) -> dict[str, list[str]]:
        chosen, rejected = _side_names(view)
        source = next((s for s in PROMPT_SOURCES if s in view), None)
        if source is not None:
            names = SOURCE_COLUMNS.get(source, (source,))
            prompt = [view[n] for n in ("system", *names) if n in view]
        else:
            prompt = ["the turns both sides share"]
        return {"prompt": prompt, "chosen": [view[chosen]], "rejected": [view[rejected]]}

    def normalize(self, row: dict) -> Conversation:
        chosen_name, rejected_name = _side_names(row)
        chosen_v, rejected_v = row.get(chosen_name), row.get(rejected_name)
        source = next((s for s in PROMPT_SOURCES if row.get(s) is not None), None)
        used = {chosen_name, rejected_name, "system", "prompt", "conversations", "messages"}
        used.update(SOURCE_COLUMNS.get(source, ()))
        if (
            source is None
            and isinstance(chosen_v, str)
            and isinstance(rejected_v, str)
            and (TRANSCRIPT_MARK.match(chosen_v) or TRANSCRIPT_MARK.match(rejected_v))
        ):
            chosen = transcript_turns(chosen_v, chosen_name)
            rejected = transcript_turns(rejected_v, rejected_name)
        else:
            chosen = side_turns(chosen_v, chosen_name)
            rejected = side_turns(rejected_v, rejected_name)
            if source is not None:
                prompt = system_turns(row) + _prompt_of(row, source, chosen)
                chosen, rejected = _after(chosen, prompt), _after(rejected, prompt)
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


def _side_names(row) -> tuple[str, str]:
    """The pair of side columns a row (or view) has: `chosen`/`rejected` unless only
    `chosen_messages`/`rejected_messages` are there."""
    for pair in SIDE_COLUMNS:
        if pair[0] in row or pair[1] in row:
            return pair
    return SIDE_COLUMNS[0]


def _prompt_of(row: dict, source: str, chosen: list[Turn]) -> list[Turn]:
    """The prompt turns from `source` (one of `PROMPT_SOURCES`)."""
    if source == "instruction":
        instruction = text_field(row, "instruction")
        given = row.get("input")
        if given is not None and not isinstance(given, str):
            raise RowError(f"input is {kind_of(given)}, not text")
        given = given or ""
        content = instruction + ("\n\n" + given if given.strip() else "")
        user = Turn(USER, content, fields={"instruction": instruction, "input": given})
        return history_turns(row.get("history")) + [user]
    if source == "question":
        return [Turn(USER, text_field(row, "question"))]
    turns = prompt_turns(row[source], source)
    if source != "prompt" and len(turns) > 1 and turns[-1].role == ASSISTANT:
        # A conversation that already ends with the chosen answer: the prompt is what precedes it.
        last = next((t for t in reversed(chosen) if t.role == ASSISTANT), None)
        if last is not None and last.content == turns[-1].content:
            turns = turns[:-1]
    return turns


def _after(side: list[Turn], prompt: list[Turn]) -> list[Turn]:
    """A side without the prompt turns it repeats at its start (all of them, or all but the
    system turns), so both sides follow the one shared prompt."""
    for lead in (prompt, [t for t in prompt if t.role != SYSTEM]):
        n = len(lead)
        if n and len(side) > n and common_prefix(side, lead) == n:
            return side[n:]
    return side


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

    def describe(self, view) -> dict[str, list[str]]:
        names = ("system", "messages") if "messages" in view else ("system", "conversations")
        if not ({"messages", "conversations"} & view.keys()):
            names = ("system", "prompt", "completion")
        return {"turns": [view[n] for n in names if n in view], "label": [view["label"]]}

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
