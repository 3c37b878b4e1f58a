"""Normalize one row of any supported format into a `Conversation`, or say why it cannot be.

Each format has one function taking the row as a dict keyed by canonical column names. A row of
the wrong shape raises `RowError` with a reason that names the field ("messages[2] has no
role", "output is a number (42), not text"); the caller records it and goes on.
"""

from __future__ import annotations

import json
import re
from typing import Any

from inspector.core.data.conversation import (
    ASSISTANT,
    SYSTEM,
    TEXT,
    TOOL,
    USER,
    Conversation,
    Turn,
)
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

_TRANSCRIPT_MARK = re.compile(r"\n\n(Human|Assistant):[ ]?")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({value})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "missing"
    return type(value).__name__


def text_field(row: dict, name: str, *, required: bool = True) -> str:
    """A string field; None/absent is "" when optional; anything else is a row problem."""
    value = row.get(name)
    if isinstance(value, str):
        return value
    if value is None:
        if required:
            raise RowError(f"{name} is missing")
        return ""
    raise RowError(f"{name} is {_kind(value)}, not text")


def content_text(content: Any, where: str) -> str:
    """Message content as text: a string, or a list of parts whose text parts are joined."""
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    if isinstance(content, list):
        pieces = []
        for i, part in enumerate(content):
            if isinstance(part, str):
                pieces.append(part)
            elif isinstance(part, dict):
                kind = part.get("type", "text")
                if kind == "text" or "text" in part:
                    text = part.get("text")
                    if not isinstance(text, str):
                        raise RowError(f"{where}.content[{i}] has no text")
                    pieces.append(text)
                else:
                    pieces.append(f"[{kind}]")  # images, audio...: keep a visible marker
            else:
                raise RowError(f"{where}.content[{i}] is {_kind(part)}, not a content part")
        return "".join(pieces)
    raise RowError(f"{where}.content is {_kind(content)}, not text")


def _tool_calls(calls: Any, where: str) -> list[dict] | None:
    if not calls:
        return None
    if not isinstance(calls, list):
        raise RowError(f"{where}.tool_calls is {_kind(calls)}, not a list")
    out = []
    for i, call in enumerate(calls):
        if not isinstance(call, dict):
            raise RowError(f"{where}.tool_calls[{i}] is {_kind(call)}, not an object")
        fn = call.get("function") if isinstance(call.get("function"), dict) else call
        name = fn.get("name")
        args = fn.get("arguments", "")
        if not isinstance(args, str):
            args = json.dumps(args, ensure_ascii=False)
        out.append({"name": name if isinstance(name, str) else "", "arguments": args})
    return out


def message_turns(messages: Any, where: str = "messages") -> list[Turn]:
    """OpenAI-style messages (role/content, content parts, tool calls, loss weights)."""
    if not isinstance(messages, list):
        raise RowError(f"{where} is {_kind(messages)}, not a list of messages")
    turns = []
    for i, msg in enumerate(messages):
        at = f"{where}[{i}]"
        if not isinstance(msg, dict):
            raise RowError(f"{at} is {_kind(msg)}, not a message object")
        source = msg.get("role")
        if source is None:
            if "from" in msg:
                turns.append(_sharegpt_turn(msg, at))
                continue
            raise RowError(f"{at} has no role")
        if not isinstance(source, str) or source.lower() not in MESSAGE_ROLES:
            raise RowError(f"{at} has an unknown role {source!r}")
        role = MESSAGE_ROLES[source.lower()]
        calls = _tool_calls(msg.get("tool_calls"), at)
        if msg.get("content") is None and not calls and role != ASSISTANT:
            raise RowError(f"{at} ({source}) has no content")
        weight = msg.get("loss_weight", msg.get("weight"))
        trained = role == ASSISTANT and not (isinstance(weight, (int, float)) and weight == 0)
        name = msg.get("name") if isinstance(msg.get("name"), str) else None
        turns.append(Turn(role, content_text(msg.get("content"), at), trained, calls, name, source))
    return turns


def _sharegpt_turn(item: Any, at: str) -> Turn:
    if not isinstance(item, dict):
        raise RowError(f"{at} is {_kind(item)}, not a turn object")
    source = item.get("from")
    if source is None:
        raise RowError(f"{at} has no 'from'")
    if not isinstance(source, str) or source.lower() not in SHAREGPT_ROLES:
        raise RowError(f"{at} has an unknown speaker {source!r}")
    value = item.get("value")
    if not isinstance(value, str):
        raise RowError(f"{at}.value is {_kind(value)}, not text")
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
    args = obj.get("arguments", "")
    if not isinstance(args, str):
        args = json.dumps(args, ensure_ascii=False)
    name = obj.get("name")
    return [{"name": name if isinstance(name, str) else "", "arguments": args}]


def sharegpt_turns(conversations: Any, where: str = "conversations") -> list[Turn]:
    """ShareGPT turns (from/value; human, gpt, system, function_call, observation)."""
    if not isinstance(conversations, list):
        raise RowError(f"{where} is {_kind(conversations)}, not a list of turns")
    return [_sharegpt_turn(item, f"{where}[{i}]") for i, item in enumerate(conversations)]


def transcript_turns(text: str, where: str) -> list[Turn]:
    """A raw "\\n\\nHuman: ... \\n\\nAssistant: ..." transcript (Anthropic HH style)."""
    marks = list(_TRANSCRIPT_MARK.finditer(text))
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


def _system_turns(row: dict) -> list[Turn]:
    system = row.get("system")
    if isinstance(system, str) and system.strip():
        return [Turn(SYSTEM, system, source_role="system")]
    return []


def _tools(row: dict) -> str | None:
    tools = row.get("tools")
    if tools is None or tools == "":
        return None
    return tools if isinstance(tools, str) else json.dumps(tools, ensure_ascii=False)


def _extra(row: dict, used: set[str]) -> dict:
    return {k: v for k, v in row.items() if k not in used}


def norm_text(row: dict) -> Conversation:
    return Conversation(
        "text", [Turn(TEXT, text_field(row, "text"), True)], extra=_extra(row, {"text"})
    )


def _side(value: Any, where: str) -> list[Turn]:
    """A prompt/completion/chosen/rejected value: text, a message list or a ShareGPT object."""
    if isinstance(value, str):
        return [Turn(ASSISTANT, value, True)]
    if isinstance(value, dict):
        return [_sharegpt_turn(value, where)] if "from" in value else message_turns([value], where)
    if isinstance(value, list):
        if value and isinstance(value[0], dict) and "from" in value[0]:
            return sharegpt_turns(value, where)
        return message_turns(value, where)
    if value is None:
        raise RowError(f"{where} is missing")
    raise RowError(f"{where} is {_kind(value)}, not text or messages")


def _prompt(value: Any, where: str) -> list[Turn]:
    turns = _side(value, where)
    if isinstance(value, str):
        turns = [Turn(USER, value)]
    return turns


def norm_prompt_completion(row: dict) -> Conversation:
    prompt = _system_turns(row) + _prompt(row.get("prompt"), "prompt")
    completion = _side(row.get("completion"), "completion")
    return Conversation(
        "prompt_completion",
        prompt + completion,
        extra=_extra(row, {"prompt", "completion", "system"}),
    )


def norm_alpaca(row: dict) -> Conversation:
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
        raise RowError(f"{name} is {_kind(given_input)}, not text")
    given_input = given_input or ""
    turns = _system_turns(row) + _history(row.get("history"))
    content = instruction + ("\n\n" + given_input if given_input.strip() else "")
    turns.append(Turn(USER, content, fields={"instruction": instruction, "input": given_input}))
    turns.append(Turn(ASSISTANT, output, True))
    return Conversation("alpaca", turns, extra=_extra(row, used))


def _history(history: Any) -> list[Turn]:
    """LLaMA-Factory's Alpaca `history`: earlier [question, answer] pairs."""
    if not history:
        return []
    if not isinstance(history, list):
        raise RowError(f"history is {_kind(history)}, not a list of [question, answer] pairs")
    turns = []
    for i, pair in enumerate(history):
        if not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
        ):
            raise RowError(f"history[{i}] is not a [question, answer] pair of texts")
        turns += [Turn(USER, pair[0]), Turn(ASSISTANT, pair[1], True)]
    return turns


def norm_messages(row: dict) -> Conversation:
    name = next(n for n in ("messages", "conversations", "conversation") if n in row)
    turns = _system_turns(row) + message_turns(row.get(name), name)
    return Conversation(
        "messages", turns, tools=_tools(row), extra=_extra(row, {name, "tools", "system"})
    )


def norm_sharegpt(row: dict) -> Conversation:
    name = next(n for n in ("conversations", "conversation", "messages") if n in row)
    turns = _system_turns(row) + sharegpt_turns(row.get(name), name)
    return Conversation(
        "sharegpt", turns, tools=_tools(row), extra=_extra(row, {name, "tools", "system"})
    )


def _common_prefix(a: list[Turn], b: list[Turn]) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n].role == b[n].role and a[n].content == b[n].content:
        n += 1
    return n


def norm_preference(row: dict) -> Conversation:
    chosen_v, rejected_v = row.get("chosen"), row.get("rejected")
    prompt_v = next(
        (row[n] for n in ("prompt", "conversations", "messages") if row.get(n) is not None), None
    )
    used = {"chosen", "rejected", "prompt", "conversations", "messages", "system"}
    if (
        prompt_v is None
        and isinstance(chosen_v, str)
        and isinstance(rejected_v, str)
        and (_TRANSCRIPT_MARK.match(chosen_v) or _TRANSCRIPT_MARK.match(rejected_v))
    ):
        chosen = transcript_turns(chosen_v, "chosen")
        rejected = transcript_turns(rejected_v, "rejected")
    else:
        chosen = _side(chosen_v, "chosen")
        rejected = _side(rejected_v, "rejected")
        if prompt_v is not None:
            prompt = _system_turns(row) + _prompt(prompt_v, "prompt")
            return Conversation("preference", prompt, chosen, rejected, extra=_extra(row, used))
    # No separate prompt: the shared leading turns are the prompt; each side keeps the rest.
    n = _common_prefix(chosen, rejected)
    while n and chosen[n - 1].role == ASSISTANT and (n == len(chosen) or n == len(rejected)):
        n -= 1  # keep at least the final answer in each side
    prompt, c_rest, r_rest = chosen[:n], chosen[n:], rejected[n:]
    differ = any(t.role != ASSISTANT for t in c_rest[:-1] + r_rest[:-1])
    return Conversation(
        "preference",
        _system_turns(row) + prompt,
        c_rest,
        r_rest,
        prompts_differ=differ,
        extra=_extra(row, used),
    )


def norm_unpaired(row: dict) -> Conversation:
    label = row.get("label")
    if not isinstance(label, bool):
        raise RowError(f"label is {_kind(label)}, not true/false")
    if "messages" in row or "conversations" in row:
        name = "messages" if "messages" in row else "conversations"
        value = row.get(name)
        if isinstance(value, list) and value and isinstance(value[0], dict) and "from" in value[0]:
            turns = sharegpt_turns(value, name)
        else:
            turns = message_turns(value, name)
        turns = _system_turns(row) + turns
    else:
        turns = (
            _system_turns(row)
            + _prompt(row.get("prompt"), "prompt")
            + _side(row.get("completion"), "completion")
        )
    return Conversation(
        "unpaired_preference",
        turns,
        label=label,
        extra=_extra(row, {"messages", "conversations", "prompt", "completion", "label", "system"}),
    )


NORMALIZERS = {
    "text": norm_text,
    "prompt_completion": norm_prompt_completion,
    "alpaca": norm_alpaca,
    "messages": norm_messages,
    "sharegpt": norm_sharegpt,
    "preference": norm_preference,
    "unpaired_preference": norm_unpaired,
}


def normalize(fmt: str, row: dict) -> Conversation:
    """Normalize a row (canonical column names) of format `fmt`; raises `RowError`."""
    return NORMALIZERS[fmt](row)
