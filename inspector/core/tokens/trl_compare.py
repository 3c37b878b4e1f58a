"""Side by side with TRL: does `SFTTrainer` see the same tokens and labels as inspector shows?

`compare_with_trl(ds, split, pipeline, rows=N)` takes the first N rows, tokenizes them with the
pipeline, and hands the same rows to TRL's own dataset preparation (a real `SFTTrainer` built
around a one-layer random model, so nothing is downloaded and nothing trains), with the same
tokenizer, template, mask and max length:

- `tokenizer` template: conversational rows, `messages` with ``assistant_only_loss`` for
  ``--mask assistant``, `prompt`/`completion` messages for ``--mask completion``;
- built-in templates (TRL has none): the text inspector renders, split into `prompt` and
  `completion` where the trained part starts (``--mask all``: one `text`);
- `text` rows: their text.

Rows are handed over as Python objects (an `IterableDataset`), so what Arrow would do to them
on the way (null-filling keys a message lacks, refusing tool arguments whose types differ
between rows) does not blur the comparison. Then every row is compared on `input_ids` and on
trained positions (labels[0] is never a target, the model shifts, so position 0 does not
count), and each difference is named (`DIFFERENCES`). TRL is an optional extra
(``pip install 'inspector[trl]'``).
"""

from __future__ import annotations

import copy
import json
import logging
import tempfile
import threading
import warnings
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from inspector.core import progress
from inspector.core.data.conversation import TEXT
from inspector.core.errors import InputError, RowError
from inspector.core.progress import Progress
from inspector.core.tokens.chat_template import _parse_tools, to_messages
from inspector.core.tokens.templates import given_tools
from inspector.core.tokens.tokenize import IGNORE_INDEX, conversation_turns

#: Difference kind -> what it means (the convention that differs, or why).
DIFFERENCES: dict[str, str] = {
    "dropped_by_trl": "TRL drops the row: nothing trained is left after truncation",
    "bos_doubled": "TRL's sequence starts with two BOS: the rendered text already holds one "
    "and TRL tokenizes it with the tokenizer's special tokens",
    "eos_appended": "TRL appends EOS to a completion that does not end with it (the "
    "template ends turns with another marker)",
    "prompt_boundary": "TRL tokenizes prompt and prompt + completion separately and starts the "
    "completion where they diverge: a token that merges across the boundary shifts the ids",
    "whitespace_after_header": "the two train different whitespace tokens around the answer "
    "(for instance the newline after the assistant header)",
    "assistant_header": "TRL also trains the assistant header: the template's "
    "add_generation_prompt branch writes none, so TRL's prompt ends before it",
    "text_after_end_of_turn": "TRL also trains the template text after the end-of-turn token "
    "(its completion runs to the end of the rendering)",
    "earlier_turns": "TRL's prompt-completion trains one completion: every turn after the first "
    "trained one, user turns included, or inspector trains earlier answers TRL masks",
    "markers": "TRL trains the whole text of a row: its completion-only collator, the only "
    "marker masking it had, was removed",
    "other": "the labels differ in another way (see the examples)",
}

#: Rows compared by default.
DEFAULT_ROWS = 200


@dataclass
class RowDiff:
    """One row where TRL and inspector differ, with both sides decoded around the difference."""

    row: int
    kind: str
    inspector: str
    trl: str
    first_position: int

    def to_json(self) -> dict:
        return {
            "row": self.row,
            "kind": self.kind,
            "first_position": self.first_position,
            "inspector": self.inspector,
            "trl": self.trl,
        }


@dataclass
class CompareReport:
    """How many rows agree, the differences by kind and the first differing rows."""

    split: str
    setup: dict
    rows: int = 0
    ids_agree: int = 0
    trained_agree: int = 0
    differences: dict[str, int] = field(default_factory=dict)
    examples: list[RowDiff] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    trl_messages: list[str] = field(default_factory=list)
    trl_version: str = ""

    @property
    def agree(self) -> int:
        """Rows equal on both input_ids and trained positions."""
        return self.rows - sum(self.differences.values())

    def to_json(self) -> dict:
        return {
            "split": self.split,
            "setup": self.setup,
            "trl_version": self.trl_version,
            "rows": self.rows,
            "input_ids_agree": self.ids_agree,
            "trained_positions_agree": self.trained_agree,
            "rows_agree": self.agree,
            "differences": [
                {"kind": k, "rows": n, "meaning": "; ".join(DIFFERENCES[p] for p in k.split("+"))}
                for k, n in sorted(self.differences.items(), key=lambda kv: -kv[1])
            ],
            "examples": [e.to_json() for e in self.examples],
            "skipped": self.skipped,
            "trl_messages": self.trl_messages,
        }


def _require_trl():
    try:
        import trl
    except ImportError as err:
        raise InputError(
            "--compare trl needs TRL: pip install 'inspector[trl]' (or pip install trl)"
        ) from err
    return trl


def _example(pipeline, conv) -> tuple[dict, str]:
    """The row as TRL takes it, and the setup it is read under (`messages`, `prompt` or `text`)."""
    turns = conversation_turns(conv, pipeline.settings.side)
    mask = pipeline.settings.mask
    if turns and all(t.role == TEXT for t in turns):
        return {"text": "\n\n".join(t.content for t in turns)}, "text"
    if pipeline.template.name == "tokenizer":
        messages = [{k: v for k, v in m.items() if v is not None} for m in to_messages(turns)]
        tools = _parse_tools(given_tools(conv.tools))
        extra = {"tools": json.dumps(tools)} if tools else {}
        if mask == "completion":
            marked = [i for i, t in enumerate(turns) if t.trained]
            k = marked[-1] if marked else len(turns)
            return {"prompt": messages[:k], "completion": messages[k:], **extra}, "prompt"
        return {"messages": messages, **extra}, "messages"
    rendered = pipeline.render(conv)
    if mask == "all":
        return {"text": rendered.text}, "text"
    spans = rendered.trained_spans(mask)
    cut = spans[0][0] if spans else len(rendered.text)
    return {"prompt": rendered.text[:cut], "completion": rendered.text[cut:]}, "prompt"


def _trained(labels) -> set[int]:
    return {i for i, lab in enumerate(labels) if i > 0 and lab != IGNORE_INDEX}


def _classify(ours_ids, ours_labels, trl_ids, trl_labels, tok, text_row: bool) -> str:
    bos, eos = tok.bos_token_id, tok.eos_token_id
    if ours_ids != trl_ids:
        if trl_ids[:2] == [bos, bos] and ours_ids[:2] != [bos, bos]:
            return "bos_doubled"
        if trl_ids[:-1] == ours_ids and trl_ids[-1:] == [eos]:
            return "eos_appended"
        return "prompt_boundary"
    ours, theirs = _trained(ours_labels), _trained(trl_labels)
    if text_row:
        return "markers"
    kinds = set()
    lo, hi = (min(ours), max(ours)) if ours else (len(trl_ids), -1)
    for i in sorted(ours ^ theirs):
        if not tok.decode([trl_ids[i]]).strip():
            kinds.add("whitespace_after_header")
        elif i in theirs and i < lo:
            kinds.add("assistant_header")
        elif i in theirs and i > hi:
            kinds.add("text_after_end_of_turn")
        elif lo < i < hi or i in ours:
            kinds.add("earlier_turns")
        else:
            kinds.add("other")
    return "+".join(sorted(kinds))


def _side_by_side(tok, ids, labels, at: int, width: int = 12) -> str:
    """Tokens around position `at`, trained ones in ``[…]``."""
    lo, hi = max(0, at - width), min(len(ids), at + width)
    out = []
    before = ""
    for i in range(lo, hi):
        # Decoding the window so far keeps the spaces a lone token's decoding drops.
        upto = tok.decode(ids[lo : i + 1])
        piece, before = upto[len(before) :], upto
        out.append(f"[{piece}]" if i > 0 and labels[i] != IGNORE_INDEX else piece)
    return ("…" if lo else "") + "".join(out) + ("…" if hi < len(ids) else "")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip()
        if message and message not in self.messages:
            self.messages.append(message)


def _rows(items):
    yield from items


def _trl_prepare(pipeline, examples: list[dict], setup: str, messages: _Collect):
    """TRL's own SFT preparation of `examples` (a list of dicts with `inspector_row`)."""
    import datasets
    import transformers
    from trl import SFTConfig, SFTTrainer

    # TRL's trainers set a missing pad token on the tokenizer they are given: a copy keeps
    # the shared (cached) tokenizer as the user's folder defines it.
    tok = copy.deepcopy(pipeline.tokenizer)
    config = transformers.LlamaConfig(
        vocab_size=len(tok),
        hidden_size=8,
        intermediate_size=16,
        num_hidden_layers=1,
        num_attention_heads=1,
        num_key_value_heads=1,
    )
    model = transformers.LlamaForCausalLM(config)
    # Handed over as Python objects: an Arrow table would give every message the union of all
    # rows' keys (null-filled) and refuse tool arguments whose types differ between rows.
    data = datasets.IterableDataset.from_generator(_rows, gen_kwargs={"items": examples})
    bars = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    loggers = [logging.getLogger(n) for n in ("trl", "transformers")]
    saved = [(lg.level, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.addHandler(messages)
        lg.propagate = False  # TRL's warnings go to the report, not the terminal
    try:
        with tempfile.TemporaryDirectory() as out, warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            args = SFTConfig(
                output_dir=out,
                max_length=pipeline.settings.max_length,
                assistant_only_loss=setup == "messages" and pipeline.settings.mask == "assistant",
                packing=False,
                report_to=[],
                use_cpu=True,
                save_strategy="no",
                dataset_num_proc=None,
                max_steps=1,  # an IterableDataset has no length; nothing is trained anyway
            )
            trainer = SFTTrainer(model=model, args=args, train_dataset=data, processing_class=tok)
            prepared = list(trainer.train_dataset)
            for w in seen:  # TRL's own warnings are evidence; library deprecations are not
                if not issubclass(w.category, (FutureWarning, DeprecationWarning)):
                    messages.messages.append(str(w.message))
            return prepared
    finally:
        for lg, (level, propagate) in zip(loggers, saved, strict=True):
            lg.removeHandler(messages)
            lg.setLevel(level)
            lg.propagate = propagate
        if bars:
            datasets.enable_progress_bars()


def compare_with_trl(
    ds,
    split: str,
    pipeline,
    rows: int = DEFAULT_ROWS,
    examples: int = 3,
    cancel: threading.Event | None = None,
) -> Generator[Progress, None, CompareReport]:
    """Compare the first `rows` rows of `split` with TRL's SFT preparation (see module doc)."""
    trl = _require_trl()
    tok = pipeline.tokenizer
    stop = min(rows, ds.num_rows(split))
    yield Progress("inspector", 0, stop)
    ours: dict[int, Any] = {}
    by_setup: dict[str, list[dict]] = {}
    report = CompareReport(split, pipeline.describe(), trl_version=trl.__version__)
    for row, conv, problem in ds.iter_conversations(split, 0, stop):
        progress.check(cancel)
        if conv is None:
            report.skipped.append({"row": row, "reason": problem})
            continue
        try:
            encoded = pipeline.encode(conv)
            example, setup = _example(pipeline, conv)
        except RowError as err:
            report.skipped.append({"row": row, "reason": err.reason})
            continue
        ours[row] = (encoded.model_inputs(), encoded.rendered.open_ends or setup == "text")
        by_setup.setdefault(setup, []).append({**example, "inspector_row": row})
    yield Progress("inspector", stop, stop)
    theirs: dict[int, dict] = {}
    collect = _Collect()
    for k, (setup, items) in enumerate(by_setup.items()):
        yield Progress("trl", k, len(by_setup))
        # Columns must agree inside one dataset: tools only where some row has them.
        if any("tools" in x for x in items):
            items = [{**x, "tools": x.get("tools")} for x in items]
        try:
            prepared = _trl_prepare(pipeline, items, setup, collect)
        except (ValueError, RuntimeError, TypeError, KeyError) as err:
            raise InputError(f"TRL refused these rows ({setup} setup): {err}") from err
        for r in prepared:
            theirs[r["inspector_row"]] = r
    report.trl_messages = collect.messages[:10]
    yield Progress("trl", len(by_setup), len(by_setup))
    for row, (mine, text_row) in ours.items():
        report.rows += 1
        ids, labels = mine["input_ids"], mine["labels"]
        other = theirs.get(row)
        if other is None:
            report.differences["dropped_by_trl"] = report.differences.get("dropped_by_trl", 0) + 1
            continue
        t_ids, t_labels = list(other["input_ids"]), list(other["labels"])
        same_ids = t_ids == ids
        same_trained = same_ids and _trained(t_labels) == _trained(labels)
        report.ids_agree += same_ids
        report.trained_agree += same_trained
        if same_trained:
            continue
        kind = _classify(ids, labels, t_ids, t_labels, tok, text_row)
        report.differences[kind] = report.differences.get(kind, 0) + 1
        if len(report.examples) < examples:
            if same_ids:
                at = min(_trained(labels) ^ _trained(t_labels))
            else:
                at = next(
                    (i for i, (a, b) in enumerate(zip(ids, t_ids, strict=False)) if a != b),
                    min(len(ids), len(t_ids)) - 1,
                )
            report.examples.append(
                RowDiff(
                    row,
                    kind,
                    _side_by_side(tok, ids, labels, at),
                    _side_by_side(tok, t_ids, t_labels, at),
                    at,
                )
            )
    return report
