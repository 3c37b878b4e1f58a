"""Find out exactly what is wrong with a file that failed to load, for one clear error message.

`datasets` wraps every parser failure in a generic error. Loading stays on its fast path; only
after a failure do we re-read the file here, slowly and carefully, to name the line and the
problem (bad UTF-8, malformed JSON, a row that is not an object...).
"""

from __future__ import annotations

import gzip
import io
import json
import lzma
from pathlib import Path

from inspector.core.data.files import looks_like_json_lines, open_binary
from inspector.core.errors import InputError


def diagnose_file(path: Path, builder: str, err: Exception) -> InputError:
    """An `InputError` naming the file, the line and the problem behind a failed load."""
    try:
        problem = _find_problem(path, builder)
    except OSError as os_err:
        problem = f"cannot read the file: {os_err}"
    except RecursionError:
        problem = "the JSON nests too deeply to read (arrays and objects inside each other)."
    if problem is None:
        cause = err.__cause__ or err.__context__ or err
        problem = f"cannot read it as {builder}: {type(cause).__name__}: {cause}"
    return InputError(f"{path}: {problem}")


def find_problem(path: Path, builder: str) -> str | None:
    """What is wrong with a file, found by reading it slowly and exactly, or None."""
    return _find_problem(path, builder)


def _find_problem(path: Path, builder: str) -> str | None:
    try:
        with open_binary(path) as f:
            data = f.read()
    except (EOFError, lzma.LZMAError, gzip.BadGzipFile) as comp_err:
        return f"the compressed file is damaged or truncated ({comp_err})."
    bad = _undecodable(data)
    if bad:
        return bad
    if builder != "json":
        return None
    text = data.decode("utf-8-sig")
    stripped = text.lstrip()
    if stripped.startswith("["):
        return _json_document_problem(text, "a JSON array")
    if stripped.startswith("{") and not looks_like_json_lines(text):
        return _json_document_problem(text, "a JSON object")
    return _json_lines_problem(text)


def _undecodable(data: bytes) -> str | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        return (
            f"line {line}: bytes that are not valid UTF-8 at byte offset {e.start} "
            f"({data[e.start : e.start + 4]!r}); save the file as UTF-8."
        )
    return None


def _json_document_problem(text: str, what: str) -> str | None:
    try:
        value = json.loads(text, strict=False)
    except json.JSONDecodeError as e:
        return f"line {e.lineno}, column {e.colno}: malformed JSON in {what}: {e.msg}."
    if isinstance(value, list):
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                return f"record {i} of the JSON array is {_kind(item)}, not an object."
    return None


def _json_lines_problem(text: str) -> str | None:
    for lineno, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, strict=False)
        except json.JSONDecodeError as e:
            return f"line {lineno}, column {e.colno}: malformed JSON: {e.msg}."
        if not isinstance(value, dict):
            return f"line {lineno}: each line must be a JSON object, this one is {_kind(value)}."
    return None


def _kind(value) -> str:
    return {
        list: "an array",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), type(value).__name__)
