"""Arrow-compute checks that prove rows normalizable and measure their turns without Python rows.

The kernels behind the formats' `columnar` fast paths (`inspector.core.data.formats`): each
returns, for a split's Arrow table, the content length of every turn by role for the rows it
can vouch for, plus the indices of the rows it cannot (nulls, unknown roles, unusual types).
Those "suspects" go through the per-row normalizer, so a wrong guess here can only cost speed,
never correctness of the problem list. Column types a kernel does not know return None: the
caller then normalizes every row.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from inspector.core.data.turns import MESSAGE_ROLES, SHAREGPT_ROLES

Lengths = dict[str, np.ndarray]


def _is_text(arr) -> bool:
    return pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)


def _col(table: pa.Table, view: dict[str, str], name: str):
    column = view.get(name)
    return table.column(column) if column is not None else None


def _lengths(arr) -> np.ndarray:
    return pc.fill_null(pc.utf8_length(arr), 0).to_numpy(zero_copy_only=False).astype(np.int64)


def _null_rows(arr) -> np.ndarray:
    return np.flatnonzero(pc.is_null(arr).to_numpy(zero_copy_only=False))


#: An answer opening with a reasoning block, which the normalizer splits off (`parts.split_think`).
THINK_START = r"^\s*<think>"


def _think_mask(arr) -> np.ndarray:
    """Per value: whether it opens with ``<think>`` (its lengths are the normalizer's to say)."""
    found = pc.match_substring_regex(arr, THINK_START)
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)


def _think_rows(arr) -> np.ndarray:
    return np.flatnonzero(_think_mask(arr))


def flat_lengths(table, view, roles: dict[str, str]):
    """Flat text columns, each read as one turn of `roles[column]`."""
    out: Lengths = {}
    suspects = []
    for name, role in roles.items():
        arr = _col(table, view, name)
        if arr is None or not _is_text(arr):
            return None
        out[role] = _lengths(arr)
        suspects.append(_null_rows(arr))
        if role == "assistant":
            suspects.append(_think_rows(arr))
    if "system" in view:
        return None  # rare; keep the fast path simple
    bad = np.unique(np.concatenate(suspects))
    return {role: np.delete(v, bad) for role, v in out.items()}, bad


def alpaca_lengths(table, view):
    """Alpaca columns: the instruction plus any input is the user turn, the output the answer."""
    if "history" in view or "system" in view:
        return None
    if "instruction" in view and "output" in view:
        names = ("instruction", "input", "output")
    else:
        names = ("input", "context", "response")
    first, extra, answer = (_col(table, view, n) for n in names)
    if first is None or answer is None or not (_is_text(first) and _is_text(answer)):
        return None
    if extra is not None and not _is_text(extra):
        return None
    user = _lengths(first)
    suspects = [_null_rows(first), _null_rows(answer), _think_rows(answer)]
    if extra is not None:
        has_input = pc.fill_null(
            pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(extra)), 0), False
        )
        user = user + np.where(has_input.to_numpy(zero_copy_only=False), _lengths(extra) + 2, 0)
    bad = np.unique(np.concatenate(suspects))
    lengths = {"user": np.delete(user, bad), "assistant": np.delete(_lengths(answer), bad)}
    return lengths, bad


def turn_list_lengths(table, view, fmt: str):
    """A list-of-structs column of `messages` (role/content) or `sharegpt` (from/value) turns."""
    name = next((n for n in ("messages", "conversations", "conversation") if n in view), None)
    if name is None or "system" in view:
        return None
    column = _col(table, view, name)
    if not (pa.types.is_list(column.type) or pa.types.is_large_list(column.type)):
        return None
    item = column.type.value_type
    if not pa.types.is_struct(item):
        return None
    fields = {item.field(i).name: item.field(i).type for i in range(item.num_fields)}
    role_key, text_key, known = (
        ("from", "value", SHAREGPT_ROLES)
        if fmt == "sharegpt"
        else ("role", "content", MESSAGE_ROLES)
    )
    if role_key not in fields or text_key not in fields:
        return None
    if not (pa.types.is_string(fields[text_key]) or pa.types.is_large_string(fields[text_key])):
        return None  # content given as parts, or mixed: normalize per row
    # Tool calls and reasoning fields are the normalizer's to read: rows holding one are suspects.
    risky = [
        k
        for k in ("tool_calls", "function_call", "reasoning_content", "reasoning", "thinking")
        if k in fields
    ]

    lists = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    offsets = lists.offsets.to_numpy()
    row_nulls = lists.is_null().to_numpy(zero_copy_only=False)
    start, stop = offsets[0], offsets[-1]
    flat = lists.values.slice(start, stop - start)
    owner = np.repeat(np.arange(len(lists)), np.diff(offsets))
    roles = pc.utf8_lower(flat.field(role_key))
    texts = flat.field(text_key)
    ok = pc.and_(pc.is_in(roles, pa.array(list(known))), pc.is_valid(texts))
    for key in risky:
        ok = pc.and_(ok, pc.is_null(flat.field(key)))
    if fmt == "sharegpt":
        # function_call turns carry tool calls the normalizer parses: let it handle those rows
        ok = pc.and_(ok, pc.not_equal(roles, "function_call"))
    bad_items = ~pc.fill_null(ok, False).to_numpy(zero_copy_only=False) | _think_mask(texts)
    bad_rows = np.unique(np.concatenate([owner[bad_items], np.flatnonzero(row_nulls)]))
    good_items = ~np.isin(owner, bad_rows)
    lengths = _lengths(texts)[good_items]
    mapped = _map_roles(roles, good_items, known)
    return {role: lengths[mapped == role] for role in np.unique(mapped)}, bad_rows


def _map_roles(roles, keep: np.ndarray, known: dict[str, str]) -> np.ndarray:
    """Map source role names to normalized roles via the (small) set of distinct values."""
    encoded = pc.dictionary_encode(roles)
    names = [known.get(v.as_py(), "?") for v in encoded.dictionary]
    codes = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False)
    return np.asarray(names, dtype=object)[codes][keep]
