"""Read the turns of a row from the values formats store them in, or say why they cannot be.

The pieces every input format (`inspector.core.data.formats`) builds its rows from: OpenAI
messages, ShareGPT turns, Human/Assistant transcripts, Alpaca histories, a prompt or answer given
as text or as messages. A value of the wrong shape raises `RowError` with a reason that names
the field ("messages[2] has no role", "output is a number (42), not text"); the caller records
it and goes on.
"""

from __future__ import annotations

import json
import re
from typing import Any

from inspector.core.data.conversation import (
    ASSISTANT,
    SYSTEM,
    TOOL,
    USER,
    Turn,
)
from inspector.core.data.parts import call_of, kind_of, read_content, reasoning_field
from inspector.core.errors import RowError

#: ShareGPT speaker names (lower-cased) and the role each one is.
SHAREGPT_ROLES = {
    "human": USER,
    "user": USER,
    "gpt": ASSISTANT,
    "assistant": ASSISTANT,
    "bot": ASSISTANT,
    "model": ASSISTANT,
    "chatgpt": ASSISTANT,
    "system": SYSTEM,
    "function_call": ASSISTANT,
    "observation": TOOL,
    "tool": TOOL,
    "function": TOOL,
}
#: OpenAI message roles and the role each one is.
MESSAGE_ROLES = {
    "system": SYSTEM,
    "developer": SYSTEM,
    "user": USER,
    "assistant": ASSISTANT,
    "tool": TOOL,
    "function": TOOL,
    "ipython": TOOL,
}

TRANSCRIPT_MARK = re.compile(r"\n\n(Human|Assistant):[ ]?")


def text_field(row: dict, name: str, *, required: bool = True) -> str:
    """A string field; None/absent is "" when optional; anything else is a row problem."""
    value = row.get(name)
    if isinstance(value, str):
        return value
    if value is None:
        if required:
            raise RowError(f"{name} is missing")
        return ""
    raise RowError(f"{name} is {kind_of(value)}, not text")


def content_text(content: Any, where: str) -> str:
    """Message content as text: a string, or the text of its typed parts (see `parts`)."""
    return read_content(content, where).text


def _tool_calls(calls: Any, where: str) -> list[dict] | None:
    if not calls:
        return None
    if not isinstance(calls, list):
        raise RowError(f"{where}.tool_calls is {kind_of(calls)}, not a list")
    out = []
    for i, call in enumerate(calls):
        if not isinstance(call, dict):
            raise RowError(f"{where}.tool_calls[{i}] is {kind_of(call)}, not an object")
        out.append(call_of(call, f"{where}.tool_calls[{i}]"))
    return out


def message_turns(messages: Any, where: str = "messages") -> list[Turn]:
    """OpenAI-style messages (role/content, content parts, tool calls, loss weights)."""
    if not isinstance(messages, list):
        raise RowError(f"{where} is {kind_of(messages)}, not a list of messages")
    turns = []
    for i, msg in enumerate(messages):
        at = f"{where}[{i}]"
        if not isinstance(msg, dict):
            raise RowError(f"{at} is {kind_of(msg)}, not a message object")
        source = msg.get("role")
        if source is None:
            if "from" in msg:
                turns.append(sharegpt_turn(msg, at))
                continue
            raise RowError(f"{at} has no role")
        if not isinstance(source, str) or source.lower() not in MESSAGE_ROLES:
            raise RowError(f"{at} has an unknown role {source!r}")
        role = MESSAGE_ROLES[source.lower()]
        content = read_content(msg.get("content"), at)
        calls = (_tool_calls(msg.get("tool_calls"), at) or []) + content.tool_calls or None
        if msg.get("content") is None and not calls and role != ASSISTANT:
            raise RowError(f"{at} ({source}) has no content")
        if content.only_results and role == USER:
            role = TOOL  # a user message made only of tool results answers a tool call
        weight = msg.get("loss_weight", msg.get("weight"))
        trained = role == ASSISTANT and not (isinstance(weight, (int, float)) and weight == 0)
        name = msg.get("name") if isinstance(msg.get("name"), str) else None
        reasoning = content.reasoning or reasoning_field(msg, at)
        turns.append(Turn(role, content.text, trained, calls, name, source, reasoning=reasoning))
    return turns


def sharegpt_turn(item: Any, at: str) -> Turn:
    if not isinstance(item, dict):
        raise RowError(f"{at} is {kind_of(item)}, not a turn object")
    source = item.get("from")
    if source is None:
        raise RowError(f"{at} has no 'from'")
    if not isinstance(source, str) or source.lower() not in SHAREGPT_ROLES:
        raise RowError(f"{at} has an unknown speaker {source!r}")
    value = item.get("value")
    if not isinstance(value, str):
        raise RowError(f"{at}.value is {kind_of(value)}, not text")
    role = SHAREGPT_ROLES[source.lower()]
    calls = _function_call(value) if source.lower() == "function_call" else None
    weight = item.get("weight", item.get("loss_weight"))
    trained = role == ASSISTANT and not (isinstance(weight, (int, float)) and weight == 0)
    return Turn(role, value, trained, calls, None, source)


def _function_call(value: str) -> list[dict]:
    """A ShareGPT function_call value as a tool call; unparsable JSON is kept raw for the flags."""
    try:
        obj = json.loads(value)
    except json.JSONDecodeError:
        return [{"name": "", "arguments": value}]
    if not isinstance(obj, dict):
        return [{"name": "", "arguments": value}]
    return [call_of(obj, "function_call")]


def sharegpt_turns(conversations: Any, where: str = "conversations") -> list[Turn]:
    """ShareGPT turns (from/value; human, gpt, system, function_call, observation)."""
    if not isinstance(conversations, list):
        raise RowError(f"{where} is {kind_of(conversations)}, not a list of turns")
    return [sharegpt_turn(item, f"{where}[{i}]") for i, item in enumerate(conversations)]


def transcript_turns(text: str, where: str) -> list[Turn]:
    """A raw "\\n\\nHuman: ... \\n\\nAssistant: ..." transcript (Anthropic HH style)."""
    marks = list(TRANSCRIPT_MARK.finditer(text))
    if not marks:
        raise RowError(f"{where} is not a Human/Assistant transcript")
    if text[: marks[0].start()].strip():
        raise RowError(f"{where} has text before its first Human/Assistant marker")
    turns = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        role = USER if m.group(1) == "Human" else ASSISTANT
        turns.append(Turn(role, text[m.end() : end], role == ASSISTANT, source_role=m.group(1)))
    return turns


def system_turns(row: dict) -> list[Turn]:
    """The row's `system` column as a system turn (none when it is absent or blank)."""
    system = row.get("system")
    if isinstance(system, str) and system.strip():
        return [Turn(SYSTEM, system, source_role="system")]
    return []


def tools_of(row: dict) -> str | None:
    """The row's tool schema as a JSON string, or None."""
    tools = row.get("tools")
    if tools is None or tools == "":
        return None
    return tools if isinstance(tools, str) else json.dumps(tools, ensure_ascii=False)


def extra_of(row: dict, used: set[str]) -> dict:
    """The columns of a row that no part of the format used (kept for display)."""
    return {k: v for k, v in row.items() if k not in used}


def side_turns(value: Any, where: str) -> list[Turn]:
    """A prompt/completion/chosen/rejected value: text, a message list or a ShareGPT object."""
    if isinstance(value, str):
        return [Turn(ASSISTANT, value, True)]
    if isinstance(value, dict):
        return [sharegpt_turn(value, where)] if "from" in value else message_turns([value], where)
    if isinstance(value, list):
        if value and isinstance(value[0], dict) and "from" in value[0]:
            return sharegpt_turns(value, where)
        return message_turns(value, where)
    if value is None:
        raise RowError(f"{where} is missing")
    raise RowError(f"{where} is {kind_of(value)}, not text or messages")


def prompt_turns(value: Any, where: str) -> list[Turn]:
    """A prompt value: text is one user turn, messages stay what they are."""
    turns = side_turns(value, where)
    if isinstance(value, str):
        turns = [Turn(USER, value)]
    return turns


def history_turns(history: Any) -> list[Turn]:
    """LLaMA-Factory's Alpaca `history`: earlier [question, answer] pairs."""
    if not history:
        return []
    if not isinstance(history, list):
        raise RowError(f"history is {kind_of(history)}, not a list of [question, answer] pairs")
    turns = []
    for i, pair in enumerate(history):
        if not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
        ):
            raise RowError(f"history[{i}] is not a [question, answer] pair of texts")
        turns += [Turn(USER, pair[0]), Turn(ASSISTANT, pair[1], True)]
    return turns


def common_prefix(a: list[Turn], b: list[Turn]) -> int:
    """How many leading turns two turn lists share (same role and content)."""
    n = 0
    while n < len(a) and n < len(b) and a[n].role == b[n].role and a[n].content == b[n].content:
        n += 1
    return n
