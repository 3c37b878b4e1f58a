"""Rows that try to drive the terminal, built from real rows, for the hostile-rows tests.

Each hostile string is a sequence a terminal acts on: OSC 0 retitles the window, OSC 52 writes
the clipboard, `ESC[2J` clears the screen, CSI moves the cursor, DCS queries the terminal, the
one-character C1 CSI (U+009B) does what `ESC[` does, BEL rings, BS/CR overwrite. They are
spliced into real rows (instruction, input, output), into an extra column, into a duplicated
pair (so the duplicate views show them), into a benchmark file (so contamination quotes them),
into a file name, and into a line that is not JSON (so an error paragraph quotes it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HOSTILE = {
    "osc0_title": "\x1b]0;PWNED-TITLE\x07",
    "osc52_clipboard": "\x1b]52;c;cHduZWQ=\x07",
    "clear_screen": "\x1b[2J\x1b[H",
    "cursor_moves": "\x1b[5A\x1b[20C\x1b[1;1H",
    "dcs": "\x1bP1$qm\x1b\\",
    "c1_csi": "\x9b2J\x9b1;1H",
    "bell_backspace": "\x07\x07\x08\x08\r",
    "del_nul": "\x7f\x00\x1b",
}
#: Where a terminal control byte hides: ESC, the C1 range (8-bit CSI, OSC, DCS...), BEL and
#: the other C0 controls but newline and tab (carriage return included: it overwrites).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: The only escape sequences a program of ours may write to a colour terminal: SGR styles.
SGR = re.compile("\x1b\\[[0-9;:]*m")


def hostile_dataset(real_data: Path, folder: Path, rows: int = 40) -> Path:
    """A folder holding `train.jsonl` (real Alpaca rows, hostile text spliced in) and a
    second train file whose name holds an OSC sequence; returns the folder."""
    source = json.loads((real_data / "rasbt_instruction-examples_with-dups.json").read_text())
    base = source[:rows]
    names = list(HOSTILE.values())
    out = []
    for i, row in enumerate(base):
        row = dict(row)
        evil = names[i % len(names)]
        if i < 2 * len(names):
            field = ("instruction", "output", "input")[i % 3]
            row[field] = f"{row.get(field, '')} {evil} tail {i}"
        row["note"] = f"extra column {evil}"
        out.append(row)
    # An exact duplicate of a hostile row: the duplicate views must show it too.
    out.append(dict(out[0]))
    folder.mkdir(parents=True, exist_ok=True)
    _write_jsonl(folder / "train.jsonl", out)
    tail = [{**r, "note": "plain"} for r in source[rows : rows + 5]]
    _write_jsonl(folder / "train_\x1b]0;FILE-TITLE\x07.jsonl", tail)
    return folder


def benchmark(folder: Path, dataset: Path) -> Path:
    """A test set sharing a hostile row's text (contamination hits quote it)."""
    first = json.loads((dataset / "train.jsonl").read_text().splitlines()[0])
    path = folder / "bench.jsonl"
    _write_jsonl(path, [{"question": first["instruction"] + " " + first["output"]}])
    return path


def broken_file(folder: Path) -> Path:
    """A JSON Lines file whose second line is not JSON and holds an OSC sequence."""
    path = folder / "broken.jsonl"
    path.write_text('{"text": "fine"}\n{"text": "\x1b]0;ERR-TITLE\x07 broken\n', encoding="utf-8")
    return path


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    # ensure_ascii=False: the control characters are in the file as raw characters, where
    # JSON allows it (C1 and DEL), and as \u escapes for C0 (JSON requires it).
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )


def leaks(text: str, allow_sgr: bool = False) -> list[str]:
    """The control characters in `text` (after removing SGR styles when `allow_sgr`), each
    with a little context, for a failure message."""
    if allow_sgr:
        text = SGR.sub("", text)
    return [repr(text[max(0, m.start() - 20) : m.end() + 20]) for m in CONTROL.finditer(text)]
