"""Input limits, checked on a file's bytes before any parser sees them.

The parsers underneath (`pyarrow`'s JSON reader, pandas' `ujson`, Python's `json`) each fail
differently on hostile input, and some fail by crashing the process: `pyarrow` dies with a
segmentation fault on a JSON value `null` that starts one of its blocks, or on nesting some
100,000 levels deep; Python's `json` raises `RecursionError` near 1,000. So a JSON file is
first read once here, in vectorized passes over 16 MiB blocks, and refused with the line and
the problem when it holds:

- nesting deeper than `MAX_DEPTH` levels;
- a record that is `null` (a JSON Lines line, or an element of a top-level array);
- `NaN` or `Infinity`, which are not JSON (RFC 8259) and which the readers treat differently
  (a number in one, a missing value in another);
- a record larger than `MAX_ROW_BYTES` (a JSON Lines line, an array element).

CSV/TSV and text files are checked for the same row size (per line), and a CSV row with fewer
or more fields than the header is named (the CSV reader would quietly fill the gap with empty
cells). Parquet and Arrow files carry their nesting in the schema, checked by `check_schema`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from inspector.core.data.files import open_binary
from inspector.core.errors import InputError

#: Deepest nesting of arrays and objects accepted in a row, the row itself counted (a chat row
#: with tool calls and JSON-schema tool definitions is some 10-15 levels deep); Arrow's own
#: schema import refuses 64 levels and more.
MAX_DEPTH = 60
#: Largest record accepted: a JSON Lines line, a JSON array element, a CSV or text line.
MAX_ROW_BYTES = 64 << 20
BLOCK = 16 << 20

_OPEN, _CLOSE, _NULL, _NONJSON, _COMMA, _NEWLINE, _QUOTE = 1, 2, 3, 4, 5, 6, 7
_EVENTS = np.zeros(256, dtype=np.int8)
for _ch, _code in {
    "[": _OPEN,
    "{": _OPEN,
    "]": _CLOSE,
    "}": _CLOSE,
    "n": _NULL,
    "N": _NONJSON,
    "I": _NONJSON,
    ",": _COMMA,
    "\n": _NEWLINE,
    '"': _QUOTE,
}.items():
    _EVENTS[ord(_ch)] = _code
_BLANK = np.zeros(256, dtype=bool)
for _ch in " \t\r\n":
    _BLANK[ord(_ch)] = True


def is_blank(path: Path) -> bool:
    """Whether a file holds nothing but whitespace (read through, not just its start)."""
    with open_binary(path) as f:
        while block := f.read(BLOCK):
            if block.lstrip(b" \t\r\n\xef\xbb\xbf").strip():
                return False
    return True


def _mib(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MiB" if n >= 1 << 20 else f"{n:,} bytes"


class _Structural(InputError):
    """A limit the structural scan found (checked against a real parse before it is told)."""


class _JsonScan:
    """The state carried from one block to the next while scanning a JSON file."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = 0  # bytes before the current block
        self.line = 1  # line number at the start of the current block
        self.depth = 0
        self.inside = 0  # 1 while inside a string
        self.trailing_backslashes = 0
        self.array: bool | None = None  # top level is an array (None: not seen yet)
        self.record_start = 0  # offset where the current record began
        self.records = 0  # records seen before the current one (arrays)

    def fail(self, line: int, problem: str) -> InputError:
        return _Structural(f"{self.path}: line {line}: {problem}")

    def block(self, data: bytes) -> None:
        a = np.frombuffer(data, dtype=np.uint8)
        if self.array is None:
            start = len(data) - len(data.lstrip(b" \t\r\n\xef\xbb\xbf"))
            if start < len(data):
                self.array = data[start : start + 1] == b"["
        codes = _EVENTS[a]
        pos = np.flatnonzero(codes)
        kind = codes[pos]
        newline_pos = pos[kind == _NEWLINE]

        def line_at(p: int) -> int:
            return self.line + int(np.searchsorted(newline_pos, p))

        # Which quotes end or start a string: those after an even run of backslashes.
        is_quote = kind == _QUOTE
        quotes = pos[is_quote]
        run = np.zeros(quotes.size, dtype=np.int64)
        active = np.ones(quotes.size, dtype=bool)
        k = 1
        while active.any():
            at = quotes[active] - k
            before = at >= 0
            hit = np.zeros(at.size, dtype=bool)
            hit[before] = a[at[before]] == 92
            idx = np.flatnonzero(active)
            run[idx[hit]] += 1
            # A run reaching the block's start continues into the previous block.
            run[idx[~before]] += self.trailing_backslashes
            active[idx[~hit]] = False
            k += 1
        real = is_quote.view(np.uint8).copy()
        if run.any():
            real[np.flatnonzero(is_quote)[run % 2 == 1]] = 0
        # Parity of the real quotes strictly before each event (uint8 wraps, keeping parity).
        inside = (np.cumsum(real, dtype=np.uint8) - real + self.inside) & 1
        structural = (inside == 0) & ~is_quote & (kind != _NEWLINE)
        spos, skind = pos[structural], kind[structural]
        delta = np.where(skind == _OPEN, 1, np.where(skind == _CLOSE, -1, 0))
        after = self.depth + np.cumsum(delta)
        at_depth = after - delta  # depth where the event stands

        deep = np.flatnonzero(after > MAX_DEPTH)
        if deep.size:
            raise self.fail(
                line_at(int(spos[deep[0]])),
                f"nesting deeper than {MAX_DEPTH} levels (arrays and objects inside each "
                "other); inspector reads at most that many.",
            )
        bad = np.flatnonzero(skind == _NONJSON)
        if bad.size:
            p = int(spos[bad[0]])
            word = "NaN" if a[p] == ord("N") else "Infinity"
            raise self.fail(
                line_at(p),
                f"{word} is not a JSON value (JSON has no NaN or Infinity); write null, a "
                "number or a string there.",
            )
        record_depth = 1 if self.array else 0
        nulls = np.flatnonzero((skind == _NULL) & (at_depth == record_depth))
        if nulls.size:
            p = int(spos[nulls[0]])
            if self.array:
                commas = int(
                    np.count_nonzero((skind[: nulls[0]] == _COMMA) & (at_depth[: nulls[0]] == 1))
                )
                raise self.fail(
                    line_at(p),
                    f"record {self.records + commas} of the JSON array is null, not an object.",
                )
            raise self.fail(line_at(p), "this line is null; each row must be a JSON object.")
        # Record boundaries: newlines for JSON Lines, commas between array elements.
        if self.array:
            ends = spos[(skind == _COMMA) & (at_depth == 1)]
            closing = spos[(skind == _CLOSE) & (after == 0)]
            ends = np.concatenate([ends, closing[:1]])
        else:
            ends = newline_pos
        bounds = np.concatenate([[self.record_start - self.offset], ends])
        sizes = np.diff(bounds)
        big = np.flatnonzero(sizes > MAX_ROW_BYTES)
        if big.size:
            i = int(big[0])
            start = int(bounds[i]) + (1 if i else 0)  # after the newline or comma before it
            while 0 <= start < len(data) - 1 and data[start] in b" \t\r\n":
                start += 1
            line = line_at(max(start, 0))
            raise InputError(f"{self.path}: line {line}: {self._too_big(int(sizes[i]))}")
        if ends.size:
            self.record_start = self.offset + int(ends[-1]) + 1
            if self.array:
                self.records += ends.size
        if self.offset + len(data) - self.record_start > MAX_ROW_BYTES:
            line = line_at(self.record_start - self.offset)
            raise InputError(f"{self.path}: line {line}: {self._too_big(None)}")

        self.depth = int(after[-1]) if after.size else self.depth
        self.inside = int((self.inside + int(np.count_nonzero(real))) & 1)
        tail = len(data) - len(data.rstrip(b"\\"))
        self.trailing_backslashes = tail + self.trailing_backslashes if tail == len(data) else tail
        self.line += newline_pos.size
        self.offset += len(data)

    @staticmethod
    def _too_big(size: int | None) -> str:
        told = f"{_mib(size)}, " if size is not None else ""
        return (
            f"a record larger than inspector reads ({told}the limit is "
            f"{_mib(MAX_ROW_BYTES)} per row)."
        )


def check_json_file(path: Path) -> None:
    """Refuse a JSON / JSON Lines file outside the limits above, naming the line.

    The scan reads structure, not grammar: in a malformed file (a stray quote) it may see a
    word inside a string as a bare `NaN`. So before saying so, the file is parsed by Python's
    `json`, and a syntax error it finds earlier is what the user is told.
    """
    scan = _JsonScan(path)
    try:
        with open_binary(path) as f:
            while block := f.read(BLOCK):
                scan.block(block)
    except _Structural as found:
        from inspector.core.data.diagnose import find_problem

        try:
            problem = find_problem(path, "json")
        except (RecursionError, OSError, ValueError):
            problem = None
        if problem is not None and "null" not in problem:
            raise InputError(f"{path}: {problem}") from None
        raise InputError(str(found)) from None


def check_line_sizes(path: Path) -> None:
    """Refuse a CSV/TSV or text file with a line over `MAX_ROW_BYTES`."""
    offset, line, start = 0, 1, 0
    with open_binary(path) as f:
        while block := f.read(BLOCK):
            ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
            bounds = np.concatenate([[start - offset], ends])
            big = np.flatnonzero(np.diff(bounds) > MAX_ROW_BYTES)
            if big.size or (not ends.size and offset + len(block) - start > MAX_ROW_BYTES):
                at = line + (int(big[0]) if big.size else 0)
                raise InputError(
                    f"{path}: line {at}: a line longer than inspector reads (the limit is "
                    f"{_mib(MAX_ROW_BYTES)} per row)."
                )
            if ends.size:
                start = offset + int(ends[-1]) + 1
            line += ends.size
            offset += len(block)


def check_csv_fields(path: Path, delimiter: str = ",") -> None:
    """Refuse a CSV/TSV file whose rows do not all have the header's number of fields.

    The reader `datasets` uses fills a short row's missing fields with empty cells, which
    would then read as empty answers: a row with a field missing is a broken file, said here.
    Records are counted as the CSV reader does (a quoted value may span lines), the header
    being record 1.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    bad = []

    def note(row) -> str:
        bad.append(row)
        return "skip"

    try:
        with open_binary(path) as f:
            reader = pcsv.open_csv(
                f,
                read_options=pcsv.ReadOptions(use_threads=False),
                parse_options=pcsv.ParseOptions(
                    delimiter=delimiter, newlines_in_values=True, invalid_row_handler=note
                ),
                convert_options=pcsv.ConvertOptions(include_columns=[]),
            )
            for _ in reader:
                if bad:
                    break
    except (pa.ArrowException, OSError, EOFError, ValueError):
        pass  # anything else is for the real reader to report, with its own words
    if bad:
        row = bad[0]
        where = f"record {row.number}" if row.number is not None else "a record"
        raise InputError(
            f"{path}: {where} (the header is record 1) has {row.actual_columns} field(s) but "
            f"the header names {row.expected_columns}: {row.text[:200]!r}. Every row needs "
            "one value per column (an empty value is written as two delimiters in a row)."
        )


def schema_depth(arrow_type) -> int:
    """Nesting levels of an Arrow type (a flat column is 0)."""
    import pyarrow as pa

    if pa.types.is_struct(arrow_type):
        return 1 + max((schema_depth(f.type) for f in arrow_type), default=0)
    if pa.types.is_map(arrow_type):
        return 1 + max(schema_depth(arrow_type.key_type), schema_depth(arrow_type.item_type))
    if (
        pa.types.is_list(arrow_type)
        or pa.types.is_large_list(arrow_type)
        or (pa.types.is_fixed_size_list(arrow_type))
    ):
        return 1 + schema_depth(arrow_type.value_type)
    return 0


def check_schema(path: Path, schema) -> None:
    """Refuse a Parquet/Arrow file whose columns nest deeper than `MAX_DEPTH`."""
    for field in schema:
        depth = schema_depth(field.type)
        if depth >= MAX_DEPTH:
            raise InputError(
                f"{path}: column {field.name!r} nests {depth} levels deep; inspector reads at "
                f"most {MAX_DEPTH}."
            )
