"""`triage.row_hash` of many text-only rows at once, with the JSON built by Arrow compute.

An export writes a `decisions.jsonl` line, with the row's content hash, for every dropped row:
half a million hashes when half of 1M rows go. Hashing them one by one through `json.dumps`
took longer than writing the kept rows. When every column is text (or all null), a row's
``json.dumps(raw, sort_keys=True, ensure_ascii=False)`` is ``{"a": "…", "b": null}``, whose
escapes (backslash, quote and the control characters below U+0020, no others with
``ensure_ascii=False``) Arrow's string kernels apply to whole columns; only SHA-256 runs per row.
A row holding a control character without a short escape (say U+0001) is left to `row_hash`.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

#: Characters `json.dumps` writes as a two-character escape; backslash first, so that the
#: backslashes the others add are not doubled again.
_SHORT = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_SHORT_RARE = (("\b", "\\b"), ("\f", "\\f"))
#: What is still unescaped after `_SHORT` (json.dumps writes these as \u00XX).
_OTHER_CONTROL = r"[\x00-\x07\x0b\x0e-\x1f]"


def text_only(table) -> bool:
    """Whether every column of `table` is text or null (then `row_hashes` applies)."""
    import pyarrow as pa

    names = table.column_names
    return (
        bool(names)
        and len(set(names)) == len(names)
        and all(
            pa.types.is_string(f.type)
            or pa.types.is_large_string(f.type)
            or pa.types.is_null(f.type)
            for f in table.schema
        )
    )


def row_hashes(table) -> list[str]:
    """`triage.row_hash` of every row of the text-only `table` (see `text_only`), in order."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from inspector.core.triage import row_hash

    n = table.num_rows

    def lit(text: str):
        return pa.scalar(text, pa.large_string())

    parts: list = []
    slow = np.zeros(n, dtype=bool)
    for i, name in enumerate(sorted(table.column_names)):
        col = table.column(name)
        parts.append(lit(("{" if i == 0 else ", ") + json.dumps(name, ensure_ascii=False) + ": "))
        if pa.types.is_null(col.type):
            parts.append(lit("null"))
            continue
        col = pc.cast(col, pa.large_string())
        for old, new in _SHORT:
            col = pc.replace_substring(col, old, new)
        for old, new in _SHORT_RARE:
            col = pc.replace_substring(col, old, new)
        odd = pc.match_substring_regex(col, _OTHER_CONTROL)
        slow |= pc.fill_null(odd, False).to_numpy(zero_copy_only=False)
        quoted = pc.binary_join_element_wise(lit('"'), col, lit('"'), lit(""))
        parts.append(pc.fill_null(quoted, lit("null")))
    parts.append(lit("}"))
    lines = pc.binary_join_element_wise(*parts, lit(""))
    blobs = pc.cast(lines, pa.large_binary()).to_pylist()
    out = [hashlib.sha256(b).hexdigest()[:32] for b in blobs]
    for row in np.flatnonzero(slow).tolist():
        out[row] = row_hash(table.slice(row, 1).to_pylist()[0])
    return out
