"""Detect a dataset's format from its columns (after the user's column map).

Detection looks at column names and, for list columns, at the keys of their items (`from`/`value`
is ShareGPT, `role`/`content` is OpenAI messages), which the Arrow schema tells without reading
rows. When nothing fits, the error lists the columns found and shows a `--map` example.
"""

from __future__ import annotations

from inspector.core.data.conversation import FORMATS
from inspector.core.errors import InputError

#: For the error message: the columns each format expects.
EXPECTED = {
    "text": "text",
    "prompt_completion": "prompt, completion",
    "alpaca": "instruction, input (optional), output  — or input, context (optional), response",
    "messages": "messages (a list of {role, content})",
    "sharegpt": "conversations (a list of {from, value})",
    "preference": "chosen, rejected (+ prompt, or conversations/messages for the prompt)",
    "unpaired_preference": "messages (or prompt + completion) and a boolean label",
}


def item_keys(feature) -> set[str] | None:
    """The keys of a list-of-structs column's items, from its `datasets` feature; else None."""
    inner = getattr(feature, "feature", None)
    if isinstance(inner, dict):
        return set(inner)
    return None


def turn_style(feature) -> str | None:
    """`sharegpt` for from/value items, `messages` for role/content items, else None."""
    keys = item_keys(feature)
    if keys is None:
        return None
    if {"from", "value"} <= keys:
        return "sharegpt"
    if "role" in keys:
        return "messages"
    return None


def detect_format(path, view: dict[str, str], features) -> str:
    """The format name for a canonical view of the columns (see `columns.canonical_view`)."""
    has = set(view)

    def style(name: str) -> str | None:
        return turn_style(features[view[name]]) if name in has else None

    if {"chosen", "rejected"} <= has:
        return "preference"
    if "label" in has and ({"messages", "conversations"} & has or {"prompt", "completion"} <= has):
        return "unpaired_preference"
    for name in ("messages", "conversations", "conversation"):
        if name in has:
            found = style(name)
            if found:
                return found
            # Json-typed (mixed) columns carry no item keys: go by the column's usual name.
            return "sharegpt" if name.startswith("conversation") else "messages"
    if {"instruction", "output"} <= has or {"input", "response"} <= has:
        return "alpaca"
    if {"prompt", "completion"} <= has:
        return "prompt_completion"
    if "text" in has:
        return "text"
    found = list(view.values())
    columns = ", ".join(found[:20]) or "(none)"
    if len(found) > 20:
        columns += f", ... and {len(found) - 20} more"
    raise InputError(
        f"{path}: cannot tell the format from the columns ({columns}). Known formats and the "
        "columns they use: "
        + "; ".join(f"{name}: {EXPECTED[name]}" for name in FORMATS)
        + ". If your columns play these parts under other names, map them, e.g. "
        "`--map instruction=question,output=answer`, or force one with `--format NAME`."
    )


def check_forced(path, fmt: str, view: dict[str, str]) -> None:
    """When `--format` is given, check that the columns it needs are there."""
    needs = {
        "text": [{"text"}],
        "prompt_completion": [{"prompt", "completion"}],
        "alpaca": [{"instruction", "output"}, {"input", "response"}],
        "messages": [{"messages"}, {"conversations"}],
        "sharegpt": [{"conversations"}, {"messages"}],
        "preference": [{"chosen", "rejected"}],
        "unpaired_preference": [
            {"messages", "label"},
            {"prompt", "completion", "label"},
            {"conversations", "label"},
        ],
    }[fmt]
    if not any(n <= set(view) for n in needs):
        raise InputError(
            f"{path}: --format {fmt} needs the columns {EXPECTED[fmt]}, but the data has "
            f"{', '.join(view.values())}. Map yours with --map, e.g. "
            f"--map {suggest_map(needs[0], view)}."
        )


#: Words in column names that usually hold each canonical column's part (for `suggest_map`).
LIKELY = {
    "instruction": ("question", "query", "prompt", "instruction", "problem", "request", "input"),
    "prompt": ("question", "query", "prompt", "instruction", "problem", "request", "input"),
    "output": ("answer", "output", "response", "completion", "solution", "target", "reply"),
    "completion": ("answer", "completion", "output", "response", "solution", "target"),
    "response": ("answer", "response", "output", "completion", "solution", "target"),
    "input": ("input", "context", "question", "query"),
    "text": ("text", "content", "body", "document", "sentence", "passage"),
    "messages": ("messages", "conversation", "dialog", "chat", "turns"),
    "conversations": ("conversation", "messages", "dialog", "chat", "turns"),
    "chosen": ("chosen", "preferred", "better", "winner", "accepted"),
    "rejected": ("rejected", "dispreferred", "worse", "loser"),
    "label": ("label", "tag", "good", "preferred"),
}


def suggest_map(names: set[str], view: dict[str, str]) -> str:
    """A `--map` value giving the canonical `names` the format lacks, from the data's columns
    whose names suggest the part (`instruction=question,output=answer` for GSM8K); a column
    nothing suggests is shown as COLUMN."""
    taken = {view[n] for n in names if n in view}
    free = [c for c in view.values() if c not in taken]
    order = [n for n in LIKELY if n in names] + sorted(n for n in names if n not in LIKELY)
    parts = []
    for name in order:
        if name in view:
            continue
        words = LIKELY.get(name, (name,))
        pick = next((c for w in words for c in free if w in c.lower()), None)
        if pick is not None:
            free.remove(pick)
        parts.append(f"{name}={pick or 'COLUMN'}")
    return ",".join(parts)
