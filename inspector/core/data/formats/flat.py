"""Formats whose rows are flat text columns: `text`, `prompt_completion` and `alpaca`."""

from __future__ import annotations

from inspector.core.data.conversation import ASSISTANT, TEXT, USER, Conversation, Turn
from inspector.core.data.formats.base import InputFormat
from inspector.core.data.turns import (
    extra_of,
    history_turns,
    kind_of,
    prompt_turns,
    side_turns,
    system_turns,
    text_field,
)
from inspector.core.errors import RowError


class TextFormat(InputFormat):
    """A `text` column: one document per row, trained on as a whole (pre-training style)."""

    name = "text"
    expects = "text"
    needs = (frozenset({"text"}),)
    rank = 60

    def detect(self, view, features) -> bool:
        return "text" in view

    def normalize(self, row: dict) -> Conversation:
        return Conversation(
            "text", [Turn(TEXT, text_field(row, "text"), True)], extra=extra_of(row, {"text"})
        )

    def columnar(self, table, view):
        from inspector.core.data.columnar import flat_lengths

        return flat_lengths(table, view, {"text": "text"})


class PromptCompletion(InputFormat):
    """`prompt` and `completion`, each text or messages; an optional `system`."""

    name = "prompt_completion"
    expects = "prompt, completion"
    needs = (frozenset({"prompt", "completion"}),)
    rank = 50

    def detect(self, view, features) -> bool:
        return {"prompt", "completion"} <= view.keys()

    def normalize(self, row: dict) -> Conversation:
        prompt = system_turns(row) + prompt_turns(row.get("prompt"), "prompt")
        completion = side_turns(row.get("completion"), "completion")
        return Conversation(
            "prompt_completion",
            prompt + completion,
            extra=extra_of(row, {"prompt", "completion", "system"}),
        )

    def describe(self, view) -> dict[str, list[str]]:
        return {
            "prompt": [view[n] for n in ("system", "prompt") if n in view],
            "response": [view["completion"]],
        }

    def columnar(self, table, view):
        from inspector.core.data.columnar import flat_lengths

        return flat_lengths(table, view, {"prompt": "user", "completion": "assistant"})


class Alpaca(InputFormat):
    """Alpaca's `instruction`, optional `input`, `output` (or the seed's `input`, `context`,
    `response`), with LLaMA-Factory's optional `system` and `history`."""

    name = "alpaca"
    expects = "instruction, input (optional), output  — or input, context (optional), response"
    needs = (frozenset({"instruction", "output"}), frozenset({"input", "response"}))
    rank = 40

    def detect(self, view, features) -> bool:
        return {"instruction", "output"} <= view.keys() or {"input", "response"} <= view.keys()

    def normalize(self, row: dict) -> Conversation:
        if "instruction" in row and "output" in row:
            instruction = text_field(row, "instruction")
            given_input = row.get("input")
            output = text_field(row, "output")
            used = {"instruction", "input", "output", "system", "history"}
        else:  # the input / context / response variant
            instruction = text_field(row, "input")
            given_input = row.get("context")
            output = text_field(row, "response")
            used = {"input", "context", "response", "system", "history"}
        if isinstance(given_input, list) and all(isinstance(c, str) for c in given_input):
            given_input = "\n".join(given_input)
        elif given_input is not None and not isinstance(given_input, str):
            name = "input" if "instruction" in row else "context"
            raise RowError(f"{name} is {kind_of(given_input)}, not text")
        given_input = given_input or ""
        turns = system_turns(row) + history_turns(row.get("history"))
        content = instruction + ("\n\n" + given_input if given_input.strip() else "")
        turns.append(Turn(USER, content, fields={"instruction": instruction, "input": given_input}))
        turns.append(Turn(ASSISTANT, output, True))
        return Conversation("alpaca", turns, extra=extra_of(row, used))

    def describe(self, view) -> dict[str, list[str]]:
        if "instruction" in view and "output" in view:
            prompt, answer = ("system", "history", "instruction", "input"), "output"
        else:
            prompt, answer = ("system", "history", "input", "context"), "response"
        return {"prompt": [view[n] for n in prompt if n in view], "response": [view[answer]]}

    def columnar(self, table, view):
        from inspector.core.data.columnar import alpaca_lengths

        return alpaca_lengths(table, view)
