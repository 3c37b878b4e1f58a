"""The built-in prompt templates: Alpaca, ChatML, Mistral, Llama 3 and Phi-3, plus plain text.

Each function renders a list of turns through `Builder`, so every piece of the text is tagged
with its turn and part (markup, content, end-of-turn marker); see `inspector.core.tokens.templates`.

Tool definitions (a row's `tools`) are rendered too, never trained, so the model sees the
schema of the functions it is taught to call: Mistral's ``[AVAILABLE_TOOLS] … [/AVAILABLE_TOOLS]``
before the last user turn (its own format); a ``### Tools:`` section after the Alpaca preamble;
for ChatML, Llama 3 and Phi-3, a paragraph at the end of the system turn (a system turn of
their own when the row has none), as those models' chat templates do.

An assistant turn's reasoning (`Turn.reasoning`) comes before its answer as
``<think>\n…\n</think>\n\n``, one `reasoning` piece tags included, so `--reasoning` trains or
masks the whole block.
"""

from __future__ import annotations

import json

from inspector.core.data.conversation import ASSISTANT, SYSTEM, TOOL, USER, Turn
from inspector.core.tokens.rendered import CONTENT, END, MARKUP, REASONING, Builder, Rendered

ALPACA_PREAMBLE = (
    "Below is an instruction that describes a task. "
    "Write a response that appropriately completes the request."
)
ALPACA_PREAMBLE_INPUT = (
    "Below is an instruction that describes a task, paired with an input that provides further "
    "context. Write a response that appropriately completes the request."
)


TOOLS_INTRO = "You can call these tools (JSON schema):\n"
#: How built-in templates wrap an answer's reasoning (as reasoning models write it).
THINK_OPEN, THINK_CLOSE = "<think>\n", "\n</think>\n\n"


def calls_are_content(turn: Turn) -> bool:
    """ShareGPT's `function_call` turns hold the call itself as their text: render it once."""
    return (turn.source_role or "").lower() == "function_call"


def tool_calls_text(turn: Turn) -> str:
    """Tool calls of an assistant turn as JSON lines, the way built-in templates render them."""
    calls = []
    for call in turn.tool_calls or []:
        args = call.get("arguments")
        try:
            args = json.loads(args) if isinstance(args, str) else args
        except ValueError:
            pass  # keep arguments exactly as given when they are not JSON
        calls.append(json.dumps({"name": call.get("name"), "arguments": args}, ensure_ascii=False))
    return "\n".join(calls)


def render_text(turns: list[Turn], eos: str | None, name: str) -> Rendered:
    """A `text` document (pre-training style): content, then EOS; the tokenizer adds BOS."""
    b = Builder()
    for i, turn in enumerate(turns):
        if i:
            b.add("\n\n")
        b.add(turn.content, i, CONTENT)
        b.add(eos, i, END)
    return b.result(turns, True, name)


def _content(b: Builder, turn: Turn, i: int, calls_prefix: str | None = None) -> None:
    """A turn's reasoning in ``<think>`` tags, its content, then its tool calls (after
    `calls_prefix`, default a newline)."""
    if turn.reasoning:
        b.add(THINK_OPEN + turn.reasoning + THINK_CLOSE, i, REASONING)
    b.add(turn.content, i, CONTENT)
    if turn.tool_calls and not calls_are_content(turn):
        prefix = calls_prefix if calls_prefix is not None else ("\n" if turn.content else "")
        b.add(prefix, i, MARKUP)
        b.add(tool_calls_text(turn), i, CONTENT)


def render_alpaca(
    turns: list[Turn], bos: str | None, eos: str | None, tools: str | None = None
) -> Rendered:
    """Alpaca: preamble, ``### Instruction:``, optional ``### Input:``, ``### Response:``.

    A system turn replaces the preamble; later user turns repeat the instruction section.
    """
    b = Builder()
    first_user = next((t for t in turns if t.role == USER), None)
    has_input = bool(first_user and first_user.fields and first_user.fields.get("input"))
    start = 0
    if turns and turns[0].role == SYSTEM:
        b.add(turns[0].content, 0, CONTENT)
        start = 1
    else:
        b.add(ALPACA_PREAMBLE_INPUT if has_input else ALPACA_PREAMBLE)
    if tools:
        b.add("\n\n### Tools:\n")
        b.add(tools)
    for i in range(start, len(turns)):
        turn = turns[i]
        if turn.role == ASSISTANT:
            _content(b, turn, i)
            b.add(eos, i, END)
            continue
        b.add("\n\n")
        if turn.role == USER:
            fields = turn.fields or {}
            if "instruction" in fields:
                b.add("### Instruction:\n", i)
                b.add(fields["instruction"], i, CONTENT)
                if fields.get("input"):
                    b.add("\n\n### Input:\n", i)
                    b.add(fields["input"], i, CONTENT)
            else:
                b.add("### Instruction:\n", i)
                b.add(turn.content, i, CONTENT)
        elif turn.role == TOOL:
            b.add("### Tool result:\n", i)
            b.add(turn.content, i, CONTENT)
        else:  # a later system turn
            b.add(turn.content, i, CONTENT)
            continue
        b.add("\n\n### Response:\n", i)
    return b.result(turns, True, "alpaca")


def _render_tagged(
    turns, name, header, end, sep, bos=None, role_names=None, tools=None
) -> Rendered:
    """Templates shaped ``<header(role)>content<end><sep>`` per turn (ChatML, Phi-3, Llama 3)."""
    b = Builder()
    if bos:
        b.add(bos)
    names = role_names or {}
    has_system = bool(turns) and turns[0].role == SYSTEM
    if tools and not has_system:  # a system turn of the template's own, holding the tools
        b.add(header.format(role=names.get(SYSTEM, SYSTEM)))
        b.add(TOOLS_INTRO + tools)
        b.add(end)
        b.add(sep)
    for i, turn in enumerate(turns):
        role = names.get(turn.role, turn.role)
        b.add(header.format(role=role), i)
        _content(b, turn, i)
        if tools and i == 0 and has_system:
            b.add("\n\n" + TOOLS_INTRO + tools, i)
        b.add(end, i, END)
        b.add(sep)
    return b.result(turns, bos is None, name)


def render_chatml(
    turns: list[Turn], bos: str | None, eos: str | None, tools: str | None = None
) -> Rendered:
    return _render_tagged(turns, "chatml", "<|im_start|>{role}\n", "<|im_end|>", "\n", tools=tools)


def render_phi3(
    turns: list[Turn], bos: str | None, eos: str | None, tools: str | None = None
) -> Rendered:
    return _render_tagged(turns, "phi3", "<|{role}|>\n", "<|end|>", "\n", tools=tools)


def render_llama3(
    turns: list[Turn], bos: str | None, eos: str | None, tools: str | None = None
) -> Rendered:
    return _render_tagged(
        turns,
        "llama3",
        "<|start_header_id|>{role}<|end_header_id|>\n\n",
        "<|eot_id|>",
        "",
        bos="<|begin_of_text|>",
        role_names={TOOL: "ipython"},
        tools=tools,
    )


#: How the `mistral` template joins a system prompt to a user message (`--mistral-system`):
#: `space` (default) puts it before the first user message's text with one space, as the seed's
#: template does (``'[INST] ' + system + ' ' + user + ' [/INST]'``); `blank-line` does the same
#: with a blank line; `last-user` puts it, with a blank line, before the *last* user message,
#: as Mistral's later official templates do.
MISTRAL_SYSTEM = {"space": " ", "blank-line": "\n\n", "last-user": "\n\n"}


def render_mistral(
    turns: list[Turn],
    bos: str | None,
    eos: str | None,
    tools: str | None = None,
    system: str = "space",
) -> Rendered:
    """Mistral's ``[INST]`` format as in the seed: BOS, ``[INST] user [/INST]answer</s>``.

    Mistral has no system role: the system prompt is joined to a user message (`system`, one
    of `MISTRAL_SYSTEM`). Tools come as ``[AVAILABLE_TOOLS] … [/AVAILABLE_TOOLS]`` right before
    the last user turn.
    """
    if system not in MISTRAL_SYSTEM:
        raise ValueError(f"system must be one of {tuple(MISTRAL_SYSTEM)}, not {system!r}")
    joiner = MISTRAL_SYSTEM[system]
    b = Builder()
    b.add(bos or "")
    pending: list[int] = []  # system turns waiting for the user turn they join
    users = [i for i, t in enumerate(turns) if t.role == USER]
    tools_before = users[-1] if tools and users else None
    # With `last-user`, system prompts wait for the last user turn (or, after it, stand alone).
    join_at = users[-1] if system == "last-user" and users else None
    if tools and tools_before is None:
        b.add(f"[AVAILABLE_TOOLS] {tools} [/AVAILABLE_TOOLS]")

    def flush_system(trailing: bool) -> None:
        for k, s in enumerate(pending):
            b.add(turns[s].content, s, CONTENT)
            if trailing or k < len(pending) - 1:
                b.add(joiner if trailing and k == len(pending) - 1 else "\n\n", s)
        pending.clear()

    def lone_system() -> None:
        owner = pending[0]
        b.add("[INST] ", owner)
        flush_system(trailing=False)
        b.add(" [/INST]", owner)

    for i, turn in enumerate(turns):
        if turn.role == SYSTEM:
            pending.append(i)
        elif turn.role == USER:
            if i == tools_before:
                b.add(f"[AVAILABLE_TOOLS] {tools} [/AVAILABLE_TOOLS]")
            b.add("[INST] ", i)
            if join_at is None or i == join_at:
                flush_system(trailing=True)
            b.add(turn.content, i, CONTENT)
            b.add(" [/INST]", i)
        else:
            if pending and (join_at is None or i > join_at):
                lone_system()  # a system prompt with no user turn after it
            if turn.role == TOOL:
                b.add("[TOOL_RESULTS] ", i)
                b.add(turn.content, i, CONTENT)
                b.add(" [/TOOL_RESULTS]", i)
            else:
                _content(b, turn, i, calls_prefix="[TOOL_CALLS] ")
                b.add(eos, i, END)
    if pending:
        lone_system()
    return b.result(turns, not bos, "mistral")


BUILTIN = {
    "alpaca": render_alpaca,
    "chatml": render_chatml,
    "mistral": render_mistral,
    "llama3": render_llama3,
    "phi3": render_phi3,
}
