"""What the scan reads from each row: the texts it compares and the token facts it is given.

Kept apart from the orchestration in `inspector.core.scan.run` so each definition ("what counts as
the same row", "what near-duplicate prompts compare") sits in one small, documented place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from inspector.core.data.conversation import SYSTEM, TOOL, USER, Conversation
from inspector.core.flags import RowTokens
from inspector.core.scan import shingles


def row_text(conv: Conversation) -> str:
    """The whole row, roles included, as compared for exact duplicates."""
    parts = []
    for name, turns in (("", conv.turns), ("chosen", conv.chosen), ("rejected", conv.rejected)):
        for t in turns or []:
            calls = "".join(f"{c.get('name')}({c.get('arguments')})" for c in t.tool_calls or [])
            parts.append(f"{name}{t.role}\x1f{t.content}\x1f{calls}")
    if conv.label is not None:
        parts.append(f"label\x1f{conv.label}")
    return "\x1e".join(parts)


def near_text(conv: Conversation) -> str:
    """The text compared for near duplicates: every turn but system prompts, which are often
    one long template shared by all rows and would make every row a near duplicate."""
    turns = (
        [t for t in conv.turns if t.role != SYSTEM] + (conv.chosen or []) + (conv.rejected or [])
    )
    return "\n".join(t.content for t in turns)


def instruction_text(conv: Conversation) -> str:
    """What near-duplicate prompts compare: the task asked, without the data it applies to.

    Alpaca rows: the instruction field alone (rewriting "the following sentence" is the same
    task whatever the sentence). Other rows: the user turns before the first answer, system
    prompts left out (they are often shared by every row).
    """
    out = []
    for t in conv.turns:
        if t.role == USER:
            out.append((t.fields or {}).get("instruction", t.content))
        elif t.role not in (SYSTEM, TOOL):
            break
    return "\n\n".join(out)


def prompt_texts(conv: Conversation) -> list[str]:
    """What a training prompt is for contamination by a short test item: each user turn, and
    an Alpaca row's instruction field alone (its input is the task's data)."""
    out = []
    for t in conv.turns:
        if t.role == USER:
            out.append(t.content)
            instruction = (t.fields or {}).get("instruction")
            if instruction and instruction != t.content:
                out.append(instruction)
    return out


def facts_for(token_facts, split: str, row: int) -> RowTokens | None:
    """One row's token facts from whatever the caller passed for its split: the tokens layer's
    per-split `TokenFacts` (arrays `tokens`, `trained_kept`, `failed`), or a sequence of
    `RowTokens` / `(total, trained)` pairs."""
    if token_facts is None or split not in token_facts:
        return None
    facts = token_facts[split]
    if hasattr(facts, "columns"):
        if facts["failed"][row]:
            return None
        return RowTokens(int(facts["tokens"][row]), int(facts["trained_kept"][row]))
    value = facts[row]
    if value is None or isinstance(value, RowTokens):
        return value
    total, trained = value
    return RowTokens(int(total), int(trained))


def facts_digest(token_facts) -> str | None:
    if token_facts is None:
        return None
    h = hashlib.blake2b(digest_size=16)
    for split in sorted(token_facts):
        h.update(split.encode())
        facts = token_facts[split]
        if hasattr(facts, "columns"):
            for name in ("tokens", "trained_kept", "failed"):
                h.update(np.ascontiguousarray(facts[name]).tobytes())
        else:
            for v in facts:
                h.update(repr(v if not isinstance(v, RowTokens) else (v.total, v.trained)).encode())
    return h.hexdigest()


@dataclass
class RowData:
    """What the row pass collects, indexed by global row number."""

    split_of: list[int] = field(default_factory=list)
    row_of: list[int] = field(default_factory=list)
    valid: list[bool] = field(default_factory=list)
    row_hash: list[int] = field(default_factory=list)
    prompt_hash: list[int] = field(default_factory=list)
    has_prompt: list[bool] = field(default_factory=list)
    answer_hash: list[int] = field(default_factory=list)
    near_parts: list[shingles.Tokens] = field(default_factory=list)
    prompt_parts: list[shingles.Tokens] = field(default_factory=list)


def concat(parts: list[shingles.Tokens]) -> shingles.Tokens:
    if not parts:
        return shingles.Tokens(np.zeros(0, np.uint64), np.zeros(1, np.int64))
    values = np.concatenate([p.values for p in parts])
    offsets = [np.zeros(1, np.int64)]
    base = 0
    for p in parts:
        offsets.append(p.offsets[1:] + base)
        base += int(p.offsets[-1])
    return shingles.Tokens(values, np.concatenate(offsets))
