"""Message content as the formats in the wild store it: a string, or a list of typed parts.

A part is a string or an object with a `type` (absent means text) and its value under `text`,
`value` or `content` (OpenAI's ``{"type": "text", "text": ...}``, LLaMA-Factory's
``{"type": "text", "value": ...}``). Types:

- `text` (and `input_text` / `output_text`): joined into the turn's content;
- `reasoning` / `thinking` (also under the key `thinking`, as Anthropic writes it): the turn's
  reasoning, kept apart from the answer (`Turn.reasoning`);
- `tool_call` / `tool_use` / `function_call`: a tool call (a JSON string or an object with
  `name` and `arguments` or `input`), kept in `Turn.tool_calls`;
- `tool_result` / `tool_response`: the text of a tool's answer (a turn made only of such
  parts is a tool turn);
- images, audio, video and files: a visible placeholder such as ``[image]`` in the content,
  so the row says what the text-only view leaves out.

Any other type is a row problem naming the part, never dropped silently. Reasoning written
inline as a leading ``<think>…</think>`` block of an answer is split off the same way
(`split_think`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from inspector.core.errors import RowError

TEXT_TYPES = frozenset({"text", "input_text", "output_text"})
REASONING_TYPES = frozenset({"reasoning", "thinking", "redacted_thinking"})
CALL_TYPES = frozenset({"tool_call", "tool_use", "function_call"})
RESULT_TYPES = frozenset({"tool_result", "tool_response", "function_response"})
#: Parts a text model does not see; the content shows ``[type]`` where they were.
MEDIA_TYPES = frozenset(
    {
        "image",
        "image_url",
        "input_image",
        "audio",
        "input_audio",
        "video",
        "video_url",
        "file",
        "document",
    }
)
VALUE_KEYS = ("text", "value", "content")

_THINK = re.compile(r"\s*<think>(.*?)</think>[ \t]*\n*", re.DOTALL)


@dataclass(slots=True)
class Content:
    """What a message's content holds once its parts are sorted."""

    text: str = ""
    reasoning: str | None = None
    tool_calls: list[dict] = field(default_factory=list)
    only_results: bool = False
    """True when every part was a tool result (the turn is a tool turn whatever its role)."""


def kind_of(value: Any) -> str:
    """A short description of a value's type, for row problems."""
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


def split_think(text: str) -> tuple[str | None, str]:
    """`(reasoning, answer)` for a text opening with a ``<think>…</think>`` block, else
    `(None, text)`."""
    if "<think>" not in text[:64]:
        return None, text
    m = _THINK.match(text)
    if m is None:
        return None, text
    return m.group(1).strip(), text[m.end() :]


def call_of(value: Any, where: str) -> dict:
    """One tool call as ``{"name", "arguments"}`` (arguments as a JSON string)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {"name": "", "arguments": value}  # kept raw: the tool-call flag reports it
    if not isinstance(value, dict):
        raise RowError(f"{where} is {kind_of(value)}, not a tool call")
    fn = value.get("function") if isinstance(value.get("function"), dict) else value
    name = fn.get("name")
    args = fn.get("arguments", fn.get("input", ""))
    if not isinstance(args, str):
        args = json.dumps(args, ensure_ascii=False)
    return {"name": name if isinstance(name, str) else "", "arguments": args}


def _value(part: dict, keys: tuple[str, ...], where: str) -> str:
    for key in keys:
        value = part.get(key)
        if isinstance(value, str):
            return value
        if key == "content" and isinstance(value, list):  # a tool result holding parts
            return read_content(value, f"{where}.content").text
    raise RowError(f"{where} has no text")


def read_content(content: Any, where: str) -> Content:
    """Sort a message's `content` into text, reasoning and tool calls (raises `RowError`)."""
    if isinstance(content, str):
        return Content(content)
    if content is None:
        return Content()
    if not isinstance(content, list):
        raise RowError(f"{where}.content is {kind_of(content)}, not text")
    out = Content()
    texts: list[str] = []
    reasoning: list[str] = []
    results = 0
    for i, part in enumerate(content):
        at = f"{where}.content[{i}]"
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, dict):
            raise RowError(f"{at} is {kind_of(part)}, not a content part")
        kind = part.get("type") or "text"  # Arrow gives absent keys as None
        if not isinstance(kind, str):
            raise RowError(f"{at} has a type that is {kind_of(kind)}, not a name")
        kind = kind.lower()
        if kind in TEXT_TYPES:
            texts.append(_value(part, VALUE_KEYS, at))
        elif kind in REASONING_TYPES:
            if kind == "redacted_thinking":
                reasoning.append("[redacted thinking]")
            else:
                reasoning.append(_value(part, ("thinking", "reasoning", *VALUE_KEYS), at))
        elif kind in CALL_TYPES:
            source = next((part[k] for k in ("value", "function") if part.get(k)), part)
            out.tool_calls.append(call_of(source, at))
        elif kind in RESULT_TYPES:
            texts.append(_value(part, ("content", "value", "text", "output"), at))
            results += 1
        elif kind in MEDIA_TYPES:
            texts.append(f"[{kind}]")
        else:
            raise RowError(
                f"{at} has an unknown part type {kind!r} (known: text, reasoning, thinking, "
                "tool_call, tool_result, and image/audio/video/file placeholders)"
            )
    out.text = "".join(texts)
    out.reasoning = "\n\n".join(reasoning) if reasoning else None
    out.only_results = bool(content) and results == len(content)
    return out


def reasoning_field(msg: dict, where: str) -> str | None:
    """A message's reasoning given as a field (`reasoning_content`, `reasoning`, `thinking`)."""
    for key in ("reasoning_content", "reasoning", "thinking"):
        value = msg.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise RowError(f"{where}.{key} is {kind_of(value)}, not text")
        return value
    return None
