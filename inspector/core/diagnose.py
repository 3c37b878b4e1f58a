"""Find out exactly what is wrong with a file that failed to load, for one clear error message.

`datasets` wraps every parser failure in a generic error. Loading stays on its fast path; only
after a failure do we re-read the file here, slowly and carefully, to name the line and the
problem (bad UTF-8, malformed JSON, a row that is not an object...).
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
from pathlib import Path

from inspector.core.errors import InputError


def open_binary(path: Path):
    """Open a file for reading bytes, decompressing by its suffix."""
    suffix = path.suffix.lower()
    if suffix == ".gz":
        return gzip.open(path, "rb")
    if suffix == ".bz2":
        return bz2.open(path, "rb")
    if suffix == ".xz":
        return lzma.open(path, "rb")
    if suffix == ".zst":
        import zstandard  # only present when the user has .zst files and the library

        return zstandard.open(path, "rb")
    return open(path, "rb")


def first_bytes(path: Path, n: int) -> bytes:
    """The first `n` decompressed bytes of a file ("" for an unreadable compressed file)."""
    try:
        with open_binary(path) as f:
            return f.read(n)
    except (OSError, EOFError, lzma.LZMAError):
        return b"?"  # not empty: let the loader report the real problem


def check_utf8(path: Path, chunk: int = 1 << 24) -> None:
    """Raise `InputError` at the first bytes that are not UTF-8 (Arrow's JSON reader lets
    them through silently, which would show the user corrupted text later)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    line = 1
    with open_binary(path) as f:
        while block := f.read(chunk):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as e:
                at = offset + e.start
                line += block.count(b"\n", 0, max(e.start, 0))
                raise InputError(
                    f"{path}: line {line}: bytes that are not valid UTF-8 at byte offset {at} "
                    f"({block[e.start : e.start + 4]!r}); save the file as UTF-8."
                ) from None
            offset += len(block)
            line += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InputError(f"{path}: the file ends in the middle of a UTF-8 character.") from None


def diagnose_file(path: Path, builder: str, err: Exception) -> InputError:
    """An `InputError` naming the file, the line and the problem behind a failed load."""
    try:
        problem = _find_problem(path, builder)
    except OSError as os_err:
        problem = f"cannot read the file: {os_err}"
    if problem is None:
        cause = err.__cause__ or err.__context__ or err
        problem = f"cannot read it as {builder}: {type(cause).__name__}: {cause}"
    return InputError(f"{path}: {problem}")


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
    if stripped.startswith("{") and not _looks_like_json_lines(text):
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


def _looks_like_json_lines(text: str) -> bool:
    """True when the first line is a complete JSON value by itself (so: JSON Lines)."""
    first = text.lstrip().split("\n", 1)[0]
    try:
        json.loads(first)
        return True
    except json.JSONDecodeError:
        return False


def _json_document_problem(text: str, what: str) -> str | None:
    try:
        value = json.loads(text)
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
            value = json.loads(line)
        except json.JSONDecodeError as e:
            return f"line {lineno}, column {e.colno}: malformed JSON: {e.msg}."
        if not isinstance(value, dict):
            return f"line {lineno}: each line must be a JSON object, this one is {_kind(value)}."
    return None


def iter_json_records(path: Path):
    """The records of a JSON array, a JSON object (one record, or one list of records under a
    single key) or a JSON Lines file, parsed with Python's `json` (used off the fast path)."""
    with open_binary(path) as f:
        text = f.read().decode("utf-8-sig")
    stripped = text.lstrip()
    if stripped.startswith("[") or (stripped.startswith("{") and not _looks_like_json_lines(text)):
        value = json.loads(text)
        if isinstance(value, dict) and len(value) == 1:
            (inner,) = value.values()
            if isinstance(inner, list) and inner and all(isinstance(r, dict) for r in inner):
                from inspector.core.load import RECORD_COLUMNS

                if next(iter(value)).lower() not in RECORD_COLUMNS:
                    value = inner
        yield from (value if isinstance(value, list) else [value])
        return
    for line in io.StringIO(text):
        if line.strip():
            yield json.loads(line)


def _kind(value) -> str:
    return {
        list: "an array",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), type(value).__name__)
