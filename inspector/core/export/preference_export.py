"""The preference export: kept preference rows as TRL's `DPOTrainer` and `KTOTrainer` read them.

`preference/<split>.jsonl` holds, for paired rows (`preference`), ``prompt``, ``chosen`` and
``rejected``; for unpaired rows (`unpaired_preference`), ``prompt``, ``completion`` and
``label``. Style (`--preference-style`): `conversational` writes message lists
(``[{"role", "content"}]``, the prompt's turns, then each side's), `text` plain strings (the
prompt's user text and each side's answer); `auto` keeps the input's own style (strings stay
strings, message lists stay lists).

With a token pipeline, each record also carries the ids as DPO tokenizes them: ``prompt_ids``
(the tokens both sides share before the first trained one), ``chosen_ids`` and
``rejected_ids`` (the rest of each side, TRL's column names), and ``chosen_labels`` /
``rejected_labels`` over ``prompt_ids + side`` (-100 on the prompt and wherever the mask does
not train), truncated at `max_length` as the trainer truncates. Two problems a DPO trainer
hides are flagged in the manifest (OpenRLHF filters exactly these): `prompt_truncated` (the
prompt alone fills `max_length`: no completion token is seen; TRL drops such rows) and, for
the other rows, `pair_identical_after_truncation` (both sides are the same tokens once cut:
no preference signal, a zero-gradient pair).
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np

from inspector.core.data.conversation import SYSTEM, USER
from inspector.core.export.writers import make_writer
from inspector.core.progress import Progress, check

STYLES = ("auto", "conversational", "text")
FLAGS = ("pair_identical_after_truncation", "prompt_truncated")
#: Rows listed per flag in the manifest (all are counted).
LIST_ROWS = 100
BATCH = 256


def _messages(turns) -> list[dict[str, str]]:
    return [{"role": t.role, "content": t.content} for t in turns]


def _answer(turns) -> str:
    return "\n\n".join(t.content for t in turns)


def _prompt_text(conv) -> str:
    return "\n\n".join(t.content for t in conv.turns if t.role in (SYSTEM, USER))


def input_style(ds) -> str:
    """`text` when the input's chosen/completion column holds strings, else `conversational`."""
    split = ds.splits[0]
    if ds.num_rows(split) == 0:
        return "conversational"
    column = ds.column_map.get("chosen") or ds.column_map.get("completion")
    row = ds.hf[split][0]
    value = row.get(column) if column else None
    return "text" if isinstance(value, str) else "conversational"


def record(conv, style: str) -> dict[str, Any]:
    """One row as TRL's preference trainers read it (raises ValueError for non-preference)."""
    conversational = style == "conversational"
    prompt: Any = _messages(conv.turns) if conversational else _prompt_text(conv)
    if conv.chosen is not None:
        sides = {"chosen": conv.chosen, "rejected": conv.rejected or []}
        return {
            "prompt": prompt,
            **{k: (_messages(v) if conversational else _answer(v)) for k, v in sides.items()},
        }
    if conv.label is None:
        raise ValueError("not a preference row")
    # Unpaired rows: the last assistant turn(s) are the completion, the rest the prompt.
    turns = conv.turns
    k = len(turns)
    while k > 0 and turns[k - 1].trained:
        k -= 1
    head, tail = turns[:k], turns[k:]
    if conversational:
        return {"prompt": _messages(head), "completion": _messages(tail), "label": conv.label}
    prompt_text = "\n\n".join(t.content for t in head if t.role in (SYSTEM, USER))
    return {"prompt": prompt_text, "completion": _answer(tail), "label": conv.label}


def _common(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def token_columns(chosen, rejected, max_length: int) -> tuple[dict[str, list[int]], list[str]]:
    """DPO's tokenized columns from the two sides' `TokenizedRow`s, and the row's flags."""
    first = [
        next((i for i, x in enumerate(r.labels) if x != -100), len(r.labels))
        for r in (chosen, rejected)
    ]
    p = min(_common(chosen.input_ids, rejected.input_ids), *first)
    out = {"prompt_ids": chosen.input_ids[:p]}
    for name, row in (("chosen", chosen), ("rejected", rejected)):
        out[f"{name}_ids"] = row.input_ids[p:]
        out[f"{name}_labels"] = ([-100] * p + row.labels[p:])[:max_length]
    flags = []
    if p >= max_length:
        flags.append("prompt_truncated")
    elif chosen.input_ids[:max_length] == rejected.input_ids[:max_length]:
        flags.append("pair_identical_after_truncation")
    return out, flags


def write_preference(
    ds,
    dest: dict[str, np.ndarray],
    names: list[str],
    root: Path,
    style: str = "auto",
    pipeline=None,
    cancel: threading.Event | None = None,
) -> Generator[Progress, None, dict[str, Any]]:
    """Write `preference/<split>.jsonl` for every kept row; returns the manifest part."""
    from dataclasses import replace

    from inspector.core.errors import InputError

    if ds.format not in ("preference", "unpaired_preference"):
        raise InputError(
            f"--what preference needs preference data (prompt + chosen/rejected, or a label); "
            f"this dataset is {ds.format}."
        )
    if style not in STYLES:
        raise InputError(f"--preference-style {style}: choose one of {', '.join(STYLES)}.")
    chosen_pipe = rejected_pipe = None
    if pipeline is not None and ds.format == "preference":
        from inspector.core.tokens import TokenPipeline

        chosen_pipe = TokenPipeline(
            pipeline.tokenizer, replace(pipeline.settings, side="chosen"), ds.format
        )
        rejected_pipe = TokenPipeline(
            pipeline.tokenizer, replace(pipeline.settings, side="rejected"), ds.format
        )
    used = input_style(ds) if style == "auto" else style
    writers = [make_writer("jsonl", root, "preference", n) for n in names]
    flagged: dict[str, list[dict]] = {f: [] for f in FLAGS}
    counts = dict.fromkeys(FLAGS, 0)
    total = sum(int((d >= 0).sum()) for d in dest.values())
    done = 0
    for split in ds.splits:
        where = dest[split]
        for lo in range(0, len(where), BATCH):
            check(cancel)
            window = where[lo : lo + BATCH]
            if not (window >= 0).any():
                continue
            items = [
                (row, conv)
                for row, conv, _ in ds.iter_conversations(split, lo, lo + len(window), BATCH)
                if where[row] >= 0 and conv is not None
            ]
            extra: list[dict] = [{} for _ in items]
            if chosen_pipe is not None:
                convs = [c for _, c in items]
                sides = zip(
                    chosen_pipe.encode_batch(convs), rejected_pipe.encode_batch(convs), strict=True
                )
                for k, (c, r) in enumerate(sides):
                    if isinstance(c, Exception) or isinstance(r, Exception):
                        continue
                    extra[k], flags = token_columns(c, r, pipeline.settings.max_length)
                    for f in flags:
                        counts[f] += 1
                        if len(flagged[f]) < LIST_ROWS:
                            flagged[f].append({"split": split, "row": items[k][0]})
            by_out: dict[int, list[dict]] = {}
            for (row, conv), ids in zip(items, extra, strict=True):
                by_out.setdefault(int(where[row]), []).append({**record(conv, used), **ids})
            for k, records in by_out.items():
                writers[k].write_records(records)
            done += int((window >= 0).sum())
            yield Progress("writing preference rows", done, total)
    files = {n: info.to_json() for n, w in zip(names, writers, strict=True) if (info := w.close())}
    trainer = "DPOTrainer" if ds.format == "preference" else "KTOTrainer"
    out: dict[str, Any] = {"as": "jsonl", "style": used, "for": trainer, "files": files}
    if chosen_pipe is not None:
        out["tokenized"] = {
            "columns": [
                "prompt_ids",
                "chosen_ids",
                "rejected_ids",
                "chosen_labels",
                "rejected_labels",
            ],
            "max_length": pipeline.settings.max_length,
        }
        out["flags"] = {f: {"count": counts[f], "rows": flagged[f]} for f in FLAGS}
    return out
