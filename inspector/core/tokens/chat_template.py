"""The `tokenizer` template: render with the tokenizer's Jinja chat template and find the turns.

A Jinja template gives back one string; to know which characters belong to which turn, the
conversation is rendered a second time with each turn's content wrapped in private-use marker
characters (one pair per turn). When removing the markers gives back exactly the plain rendering,
the marker positions are the turns' spans. A template that changes content (``| trim``) breaks
that equality; the turns are then found by searching their text in order.

What a turn trains on: when the template marks assistant text with ``{% generation %}``, exactly
those spans (the rule transformers' `assistant_masks` uses); otherwise the turn's content up to
and including the first special token after it, taken as the end-of-turn marker (``<|im_end|>``,
``<|eot_id|>``, ``</s>``...). A tool call is model output: an assistant turn's calls, wherever
and however the template writes them (found by rendering the turn once more without them), are
part of its trained text, and tool results (`tool` turns) are not trained. Either way the
end-of-turn marker is recorded as the turn's `end` piece, so the linter can tell when a
template leaves it untrained. A turn's reasoning goes to the template as `reasoning_content`;
where the template writes it, it becomes the turn's `reasoning` piece.
"""

from __future__ import annotations

import json
import re
import weakref
from typing import Any

from inspector.core.data.conversation import TOOL, Turn
from inspector.core.errors import RowError
from inspector.core.tokens.builtin_templates import calls_are_content
from inspector.core.tokens.rendered import CONTENT, END, MARKUP, REASONING, Piece, Rendered

_OPEN, _CLOSE, _BASE = "\ue000", "\ue001", 0xE100
_MAX_MARKED_TURNS = 0xEFFF - _BASE
_MARKER_RE = re.compile("[\ue000\ue001][\ue100-\uefff]")
_GENERATION_RE = re.compile(r"\{%-?\s*generation\s*-?%\}")
_SPECIALS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def has_generation_blocks(chat_template: str | None) -> bool:
    """Whether a chat template marks assistant text with ``{% generation %}``."""
    return bool(chat_template and _GENERATION_RE.search(chat_template))


def to_messages(turns: list[Turn]) -> list[dict[str, Any]]:
    """Turns as OpenAI-style message dicts, the shape chat templates expect."""
    out = []
    for turn in turns:
        msg: dict[str, Any] = {"role": turn.role, "content": turn.content}
        if turn.tool_calls:
            if calls_are_content(turn):
                msg["content"] = ""  # the template renders the structured call instead
            calls = []
            for call in turn.tool_calls:
                args = call.get("arguments")
                try:
                    args = json.loads(args) if isinstance(args, str) else args
                except ValueError:
                    pass
                calls.append(
                    {"type": "function", "function": {"name": call.get("name"), "arguments": args}}
                )
            msg["tool_calls"] = calls
        if turn.role == TOOL and turn.name:
            msg["name"] = turn.name
        if turn.reasoning:
            msg["reasoning_content"] = turn.reasoning  # the key reasoning models' templates read
        out.append(msg)
    return out


def _parse_tools(tools: str | None) -> list[dict] | None:
    if not tools:
        return None
    try:
        value = json.loads(tools)
    except ValueError:
        return None
    if isinstance(value, dict):
        value = [value]
    return [t for t in value if isinstance(t, dict)] if isinstance(value, list) else None


def _render(tok: Any, messages, tools, with_generation: bool) -> tuple[str, list[tuple[int, int]]]:
    """One rendering through transformers' Jinja machinery: (text, generation spans)."""
    template = tok.chat_template
    if isinstance(template, dict):  # named templates: use the default one
        template = template.get("default") or next(iter(template.values()))
    kwargs = dict(tok.special_tokens_map)
    try:
        from transformers.utils.chat_template_utils import render_jinja_template
    except ImportError:  # older transformers: no generation spans available
        text = tok.apply_chat_template(messages, tools=tools, tokenize=False)
        return text, []
    texts, spans = render_jinja_template(
        conversations=[messages],
        tools=tools,
        chat_template=template,
        return_assistant_tokens_mask=with_generation,
        **kwargs,
    )
    return texts[0], [tuple(s) for s in (spans[0] if spans else [])]


def _special_re(tok: Any) -> re.Pattern | None:
    """A regex matching the tokenizer's special token strings, longest first."""
    try:
        return _SPECIALS[tok]
    except (KeyError, TypeError):
        pass
    strings = {t.content for t in tok.added_tokens_decoder.values() if t.special}
    strings.update(s for s in tok.all_special_tokens if s)
    if tok.eos_token:
        strings.add(tok.eos_token)
    pattern = None
    if strings:
        pattern = re.compile("|".join(re.escape(s) for s in sorted(strings, key=len, reverse=True)))
    try:
        _SPECIALS[tok] = pattern
    except TypeError:
        pass
    return pattern


def _marked_spans(tok, messages, tools, plain: str) -> list[tuple[int, int] | None] | None:
    """Turn content spans from a rendering with marker characters; None when it cannot tell."""
    if len(messages) > _MAX_MARKED_TURNS:
        return None
    marked = []
    for i, msg in enumerate(messages):
        content = msg.get("content")
        if not isinstance(content, str) or _OPEN in content or _CLOSE in content:
            return None
        if not content:  # left empty: templates test `if message.content` (tool-call turns)
            marked.append(msg)
            continue
        tag = chr(_BASE + i)
        marked.append({**msg, "content": f"{_OPEN}{tag}{content}{_CLOSE}{tag}"})
    try:
        text, _ = _render(tok, marked, tools, with_generation=False)
    except Exception:  # noqa: BLE001 - a template that chokes on markers: search instead
        return None
    spans: list[tuple[int, int] | None] = [None] * len(messages)
    starts: dict[int, int] = {}
    removed = 0
    clean = []
    last = 0
    for m in _MARKER_RE.finditer(text):
        clean.append(text[last : m.start()])
        last = m.end()
        pos = m.start() - removed
        removed += 2
        turn = ord(m.group()[1]) - _BASE
        if turn >= len(messages):
            return None
        if m.group()[0] == _OPEN:
            starts.setdefault(turn, pos)
        elif spans[turn] is None and turn in starts:
            spans[turn] = (starts[turn], pos)
    clean.append(text[last:])
    return spans if "".join(clean) == plain else None


def _searched_spans(contents: list[str], text: str) -> list[tuple[int, int] | None]:
    """Turn content spans found by searching each turn's text, in order, after the previous one."""
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for content in contents:
        found = None
        for needle in (content, content.strip()):
            if needle:
                at = text.find(needle, cursor)
                if at >= 0:
                    found = (at, at + len(needle))
                    break
        spans.append(found)
        if found:
            cursor = found[1]
    return spans


def _tool_call_spans(tok, messages, tools, text: str) -> dict[int, tuple[int, int]]:
    """Where each assistant message's tool calls were rendered, by rendering it without them.

    The text the two renderings do not share (after their common start and end) is the
    calls' own text, whatever markers the template writes around them (``<tool_call>``,
    ``[TOOL_CALLS]``, a bare JSON line). A template that refuses the message without calls
    leaves that turn out.
    """
    out = {}
    specials = _special_re(tok)
    cuts = [(m.start(), m.end()) for m in specials.finditer(text)] if specials else []
    for i, msg in enumerate(messages):
        if msg.get("role") != "assistant" or not msg.get("tool_calls"):
            continue
        bare = [
            *messages[:i],
            {k: v for k, v in msg.items() if k != "tool_calls"},
            *messages[i + 1 :],
        ]
        try:
            other, _ = _render(tok, bare, tools, with_generation=False)
        except Exception:  # noqa: BLE001 - e.g. a template that requires content or calls
            continue
        head = 0
        limit = min(len(text), len(other))
        while head < limit and text[head] == other[head]:
            head += 1
        tail = 0
        while tail < limit - head and text[-1 - tail] == other[-1 - tail]:
            tail += 1
        end = len(text) - tail
        # An insertion is ambiguous when it ends with the character before it: `<tool_call>…`
        # added before `<|im_end|>` also reads as `tool_call>…<` one place on. Of the readings,
        # take the first (from the right) that cuts through no special token.
        best = (head, end)
        while True:
            if not any(a < b < z for a, z in cuts for b in (head, end)):
                best = (head, end)
                break
            if not (head > 0 and end > head and text[head - 1] == text[end - 1]):
                break
            head, end = head - 1, end - 1
        head, end = best
        if end > head:
            out[i] = (head, end)
    return out


def render_chat_template(turns: list[Turn], tok: Any, tools: str | None = None) -> Rendered:
    """Render `turns` with `tok.chat_template`, recording content, markup and end-of-turn pieces."""
    messages = [{k: v for k, v in m.items() if v is not None} for m in to_messages(turns)]
    tool_list = _parse_tools(tools)
    generation = has_generation_blocks(
        tok.chat_template if isinstance(tok.chat_template, str) else json.dumps(tok.chat_template)
    )
    try:
        text, gen_spans = _render(tok, messages, tool_list, with_generation=generation)
    except Exception as err:  # noqa: BLE001 - Jinja's raise_exception and friends
        raise RowError(f"the tokenizer's chat template refused this row: {err}") from err
    spans = _marked_spans(tok, messages, tool_list, text) or _searched_spans(
        [m.get("content") if isinstance(m.get("content"), str) else "" for m in messages], text
    )

    if not generation:
        # Without {% generation %} a tool call is trained as the turn's text: its content and
        # the calls the template writes after (or instead of) it, up to the end-of-turn token.
        for i, (a, b) in _tool_call_spans(tok, messages, tool_list, text).items():
            own = spans[i]
            spans[i] = (
                (a, b) if own is None or own[0] == own[1] else (min(a, own[0]), max(b, own[1]))
            )
    specials = _special_re(tok)
    pieces: list[Piece] = []
    prev_end = 0
    located = [i for i, s in enumerate(spans) if s is not None]
    for k, i in enumerate(located):
        start, end = spans[i]
        if start > prev_end:
            pieces.append(Piece(prev_end, start, i, MARKUP))
        limit = spans[located[k + 1]][0] if k + 1 < len(located) else len(text)
        eot = specials.search(text, end, limit) if specials else None
        pieces.append(Piece(start, eot.start() if eot else end, i, CONTENT))
        if eot:
            pieces.append(Piece(eot.start(), eot.end(), i, END))
            prev_end = eot.end()
        else:
            prev_end = end
    pieces = _with_reasoning(pieces, turns, text)
    by_turn = None
    if generation:
        by_turn = _assign_generation(gen_spans, turns, spans)
    return Rendered(text, turns, pieces, False, by_turn, "tokenizer")


_THINK_TAG = re.compile(r"<think>\s*$")
_THINK_END = re.compile(r"\s*</think>\s*")


def _with_reasoning(pieces: list[Piece], turns: list[Turn], text: str) -> list[Piece]:
    """Find each turn's reasoning in the markup before its content (where the template wrote
    it, if it did) and make it a `reasoning` piece, with the ``<think>`` tags around it."""
    if not any(t.reasoning for t in turns):
        return pieces
    out: list[Piece] = []
    for k, p in enumerate(pieces):
        nxt = pieces[k + 1] if k + 1 < len(pieces) else None
        reasoning = turns[p.turn].reasoning if p.turn >= 0 else None
        at = text.find(reasoning, p.start, p.end) if reasoning and p.part == MARKUP else -1
        if at < 0 or nxt is None or nxt.part != CONTENT or nxt.turn != p.turn:
            out.append(p)
            continue
        start, end = at, at + len(reasoning)
        tag = _THINK_TAG.search(text, p.start, start)
        if tag:
            start = tag.start()
        close = _THINK_END.match(text, end, p.end)
        if close:
            end = close.end()
        for a, b, part in ((p.start, start, MARKUP), (start, end, REASONING), (end, p.end, MARKUP)):
            if b > a:
                out.append(Piece(a, b, p.turn, part))
    return out


def _assign_generation(gen_spans, turns, spans) -> dict[int, list[tuple[int, int]]]:
    """Give each ``{% generation %}`` span to the assistant turn it covers (in order)."""
    assistants = [i for i, t in enumerate(turns) if t.role == "assistant"]
    out: dict[int, list[tuple[int, int]]] = {}
    if not assistants:
        return out
    k = 0
    for gs, ge in gen_spans:
        # Move past assistant turns whose content ends before this span starts.
        while (
            k + 1 < len(assistants)
            and spans[assistants[k]] is not None
            and spans[assistants[k]][1] < gs
        ):
            k += 1
        out.setdefault(assistants[k], []).append((gs, ge))
        if spans[assistants[k]] is None and k + 1 < len(assistants):
            k += 1  # a turn we could not locate takes one span, in order
    return out
