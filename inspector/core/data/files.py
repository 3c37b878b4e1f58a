"""Byte-level file reading shared by loading, diagnosis and export: decompression by suffix,
a file's first bytes, a UTF-8 check, and JSON records parsed with Python's own `json`."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
from pathlib import Path

from inspector.core.errors import InputError

#: Column names that make a lone JSON object one record rather than a wrapper of records.
RECORD_COLUMNS = {
    "messages",
    "conversations",
    "conversation",
    "chosen",
    "rejected",
    "prompt",
    "completion",
    "text",
    "instruction",
    "input",
    "output",
    "response",
    "context",
    "label",
    "tools",
    "system",
}


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


def looks_like_json_lines(text: str) -> bool:
    """True when the first line is a complete JSON value by itself (so: JSON Lines)."""
    first = text.lstrip().split("\n", 1)[0]
    try:
        json.loads(first)
        return True
    except json.JSONDecodeError:
        return False


def iter_json_records(path: Path):
    """The records of a JSON array, a JSON object (one record, or one list of records under a
    single key) or a JSON Lines file, parsed with Python's `json` (used off the fast path).

    Raw control characters inside strings are read as the fast path (Arrow's reader) reads
    them, so one file never reads two ways; they are shown escaped wherever text is shown.
    """
    with open_binary(path) as f:
        text = f.read().decode("utf-8-sig")
    stripped = text.lstrip()
    if stripped.startswith("[") or (stripped.startswith("{") and not looks_like_json_lines(text)):
        value = json.loads(text, strict=False)
        if isinstance(value, dict) and len(value) == 1:
            (inner,) = value.values()
            if isinstance(inner, list) and inner and all(isinstance(r, dict) for r in inner):
                if next(iter(value)).lower() not in RECORD_COLUMNS:
                    value = inner
        yield from (value if isinstance(value, list) else [value])
        return
    for line in io.StringIO(text):
        if line.strip():
            yield json.loads(line, strict=False)
