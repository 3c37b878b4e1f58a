"""Formats whose rows are lists of turns: OpenAI `messages` and ShareGPT `conversations`."""

from __future__ import annotations

from inspector.core.data.conversation import Conversation
from inspector.core.data.formats.base import InputFormat, chat_style
from inspector.core.data.turns import (
    extra_of,
    message_turns,
    sharegpt_turns,
    system_turns,
    tools_of,
)


class Messages(InputFormat):
    """OpenAI `messages`: role/content (content parts, tool calls, loss weights), `tools`."""

    name = "messages"
    expects = "messages (a list of {role, content})"
    needs = (frozenset({"messages"}), frozenset({"conversations"}))
    rank = 30
    #: The columns that may hold the turns, in the order they are looked for.
    columns = ("messages", "conversations", "conversation")

    def detect(self, view, features) -> bool:
        return chat_style(view, features) == self.name

    def read_turns(self, value, where: str):
        return message_turns(value, where)

    def describe(self, view) -> dict[str, list[str]]:
        name = next(n for n in self.columns if n in view)
        out = {"turns": [view[n] for n in ("system", name) if n in view]}
        if "tools" in view:
            out["tools"] = [view["tools"]]
        return out

    def normalize(self, row: dict) -> Conversation:
        name = next(n for n in self.columns if n in row)
        turns = system_turns(row) + self.read_turns(row.get(name), name)
        return Conversation(
            self.name, turns, tools=tools_of(row), extra=extra_of(row, {name, "tools", "system"})
        )

    def columnar(self, table, view):
        from inspector.core.data.columnar import turn_list_lengths

        return turn_list_lengths(table, view, self.name)


class ShareGPT(Messages):
    """ShareGPT `conversations`: from/value (human, gpt, system, function_call, observation)."""

    name = "sharegpt"
    expects = "conversations (a list of {from, value})"
    needs = (frozenset({"conversations"}), frozenset({"messages"}))
    rank = 31
    columns = ("conversations", "conversation", "messages")

    def read_turns(self, value, where: str):
        return sharegpt_turns(value, where)
