"""Conversation structure: missing user turn, empty turns, repeated roles, ending on the user,
tool calls whose arguments are not JSON."""

from __future__ import annotations

import json

from inspector.core.data.conversation import ASSISTANT, SYSTEM, USER, Conversation
from inspector.core.flags.base import ERROR, WARNING, Rule, responses, turns_of


class Structure(Rule):
    """Checks on the sequence of turns (each side of a preference pair is checked whole)."""

    codes = {
        "no_user_turn": (ERROR, "the conversation has no user turn"),
        "empty_turn": (WARNING, "a turn other than the answer is empty"),
        "same_role_twice": (WARNING, "two turns of the same role in a row"),
        "ends_on_user": (ERROR, "the conversation ends on a user turn: nothing to learn from it"),
    }

    def check(self, conv: Conversation):
        if conv.format == "text":
            return
        answers = {loc.where for _, loc in responses(conv) if loc is not None}
        for loc in turns_of(conv):
            t = loc.turn
            if loc.where not in answers and not t.content.strip() and not t.tool_calls:
                yield self.finding("empty_turn", f"{t.role} turn is {t.content!r}", loc.where)
        for name, full in conv.sides():
            label = "" if name == "conversation" else f"{name}: "
            roles = [t.role for t in full]
            if USER not in roles:
                yield self.finding("no_user_turn", label + " -> ".join(roles) or "no turns", name)
            for i in range(1, len(full)):
                # Several tool results in a row are normal (parallel tool calls).
                if roles[i] == roles[i - 1] and roles[i] in (USER, ASSISTANT, SYSTEM):
                    yield self.finding(
                        "same_role_twice", f"{label}turns {i - 1} and {i} are both {roles[i]}", name
                    )
                    break
            last = next((r for r in reversed(roles) if r != SYSTEM), None)
            if last == USER:
                yield self.finding("ends_on_user", f"{label}last turn: {full[-1].content}", name)


class ToolCalls(Rule):
    """Tool-call arguments (and the declared tool schema) must be valid JSON."""

    codes = {
        "bad_tool_call_json": (ERROR, "tool-call arguments or the tools schema are not valid JSON")
    }

    def check(self, conv: Conversation):
        if conv.tools:
            err = _json_error(conv.tools)
            if err:
                yield self.finding("bad_tool_call_json", f"tools: {err}", "tools")
        for loc in turns_of(conv):
            for k, call in enumerate(loc.turn.tool_calls or []):
                args = call.get("arguments", "")
                err = _json_error(args) if args.strip() else None
                if err:
                    name = call.get("name") or f"call {k}"
                    yield self.finding("bad_tool_call_json", f"{name}: {err}: {args}", loc.where)


def _json_error(text: str) -> str | None:
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        return f"{err.msg} at character {err.pos}"
    return None
