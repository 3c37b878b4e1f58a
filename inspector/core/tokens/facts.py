"""Per-row token facts over a whole split: lengths, trained tokens, truncation, mask defects.

`token_facts(ds, split, pipeline)` is the progress generator the scan, the linter, the packing
simulator and the app's histograms share. It renders and tokenizes rows in batches (the Rust
tokenizer's batch call) and keeps only numbers, one array per fact, so millions of rows fit in
memory. Results are cached under the dataset's state folder, keyed by the data's fingerprint and
every token setting.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field

import numpy as np

from inspector.core import progress
from inspector.core.cache import atomic_write_bytes, make_key
from inspector.core.data.conversation import Conversation
from inspector.core.errors import RowError, RowProblem
from inspector.core.progress import Progress
from inspector.core.tokens.rendered import CONTENT, END
from inspector.core.tokens.tokenize import TokenizedRow, TokenPipeline, count_in, token_ranges

#: Bump when the meaning of a cached fact changes.
FACTS_VERSION = 2

#: Integer columns, one value per row. A row that could not be tokenized has zeros everywhere
#: and `failed` set (its reason is in `TokenFacts.problems`).
COLUMNS = (
    "tokens",  # sequence length before truncation
    "trained",  # trained tokens before truncation
    "trained_kept",  # trained tokens within max_length: what the model learns from
    "target_turns",  # turns the masking mode trains on
    "untrained_turns",  # of those, turns whose content received no trained token
    "eot_untrained",  # of those, turns whose end-of-turn marker is missing or not trained
    "eot_cut",  # of those, turns whose end-of-turn marker truncation cut off
    "dup_bos",  # 1 when the sequence starts with two BOS tokens
    "no_marker",  # 1 when response markers are set and the text row holds none
    "failed",  # 1 when the row could not be normalized, rendered or tokenized
)


@dataclass
class TokenFacts:
    """Facts for every row of a split, as arrays indexed by row number."""

    split: str
    max_length: int
    settings: dict
    columns: dict[str, np.ndarray]
    problems: list[RowProblem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.columns["tokens"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    @property
    def truncated(self) -> np.ndarray:
        return self.columns["tokens"] > self.max_length

    @property
    def lost(self) -> np.ndarray:
        """Trained tokens truncation removed, per row."""
        return self.columns["trained"] - self.columns["trained_kept"]

    @property
    def trained_fraction(self) -> np.ndarray:
        """Trained tokens over tokens seen, per row (after truncation; 0 for empty rows)."""
        seen = np.minimum(self.columns["tokens"], self.max_length)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(seen > 0, self.columns["trained_kept"] / np.maximum(seen, 1), 0.0)

    def row(self, i: int) -> dict:
        """One row's facts as plain values (for JSON and the app)."""
        out = {name: int(col[i]) for name, col in self.columns.items()}
        out.update(
            truncated=bool(self.truncated[i]),
            trained_lost=int(self.lost[i]),
            trained_fraction=float(self.trained_fraction[i]),
        )
        return out

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        meta = {
            "split": self.split,
            "max_length": self.max_length,
            "settings": self.settings,
            "problems": [p.to_json() for p in self.problems],
        }
        np.savez(buf, meta=np.array(json.dumps(meta)), **self.columns)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TokenFacts:
        with np.load(io.BytesIO(data)) as z:
            meta = json.loads(str(z["meta"]))
            columns = {name: z[name] for name in COLUMNS}
        problems = [RowProblem(**p) for p in meta["problems"]]
        return cls(meta["split"], meta["max_length"], meta["settings"], columns, problems)


def _intersection(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """Tokens in both range lists (each sorted and non-overlapping)."""
    total = i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        total += max(0, hi - lo)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def row_facts(row: TokenizedRow) -> tuple[int, ...]:
    """The `COLUMNS` values of one tokenized row."""
    enc, rendered, limit = row.encoding, row.rendered, row.max_length
    n = len(enc)
    ranges = row.trained_ranges
    mode = row.mask
    targets = rendered.trained_turns("assistant" if mode == "all" else mode)
    untrained = eot_untrained = eot_cut = 0
    for t in targets:
        content = token_ranges(enc, rendered.spans(t, CONTENT))
        kept_here = _intersection(content, [(0, limit)]) if content else 0
        if _intersection(content, ranges) == 0:
            untrained += 1
        ends = token_ranges(enc, rendered.spans(t, END))
        if not ends and rendered.open_ends and t != len(rendered.turns) - 1:
            continue  # an answer in marked text ends where the next marker starts
        if not ends or _intersection(ends, ranges) < count_in(ends):
            eot_untrained += 1
        elif ends[-1][1] > limit and kept_here:
            eot_cut += 1
    ids = enc.ids[:2] if n >= 2 else []
    dup = int(
        len(ids) == 2
        and row.pipeline.bos_id is not None
        and ids[0] == ids[1] == row.pipeline.bos_id
    )
    return (
        n,
        count_in(ranges),
        count_in(ranges, limit),
        len(targets),
        untrained,
        eot_untrained,
        eot_cut,
        dup,
        int(rendered.open_ends and not any(t.trained for t in rendered.turns)),
        0,
    )


def facts_from_conversations(
    items: Iterable[tuple[int, Conversation | None, str | None]],
    total: int,
    pipeline: TokenPipeline,
    split: str = "train",
    batch_size: int = 1000,
    cancel: threading.Event | None = None,
) -> Generator[Progress, None, TokenFacts]:
    """Facts for `(row, conversation, problem)` items numbered 0..total-1 (any order)."""
    table = np.zeros((total, len(COLUMNS)), dtype=np.int64)
    problems: list[RowProblem] = []
    batch: list[tuple[int, Conversation | None, str | None]] = []
    done = 0

    def flush() -> None:
        rows = pipeline.encode_batch([conv for _, conv, _ in batch])
        for (index, _, problem), result in zip(batch, rows, strict=True):
            if isinstance(result, RowError):
                table[index, -1] = 1
                problems.append(RowProblem(split, index, problem or result.reason))
            else:
                table[index] = row_facts(result)
        batch.clear()

    yield Progress("tokens", 0, total)
    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            progress.check(cancel)
            done += len(batch)
            flush()
            yield Progress("tokens", done, total)
    if batch:
        done += len(batch)
        flush()
        yield Progress("tokens", done, total)
    columns = {name: table[:, k].astype(np.int32) for k, name in enumerate(COLUMNS)}
    problems.sort(key=lambda p: p.row)
    return TokenFacts(split, pipeline.settings.max_length, pipeline.key, columns, problems)


def facts_key(ds, split: str, pipeline: TokenPipeline) -> str:
    """The cache key of `token_facts(ds, split, pipeline)`: the data, the split, the pipeline's
    key (the tokenizer's own fingerprint, template, mask, lengths) and `FACTS_VERSION`."""
    return make_key(
        kind="token_facts",
        version=FACTS_VERSION,
        fingerprint=ds.fingerprint,
        split=split,
        **pipeline.key,
    )


def token_facts(
    ds,
    split: str,
    pipeline: TokenPipeline,
    batch_size: int = 1000,
    cancel: threading.Event | None = None,
    use_cache: bool = True,
) -> Generator[Progress, None, TokenFacts]:
    """Per-row token facts for a whole split of an opened dataset (cached next to the data)."""
    key = facts_key(ds, split, pipeline)
    path = ds.cache.path("tokens", key, "npz")
    if use_cache and path.is_file():
        try:
            facts = TokenFacts.from_bytes(path.read_bytes())
            yield Progress("tokens", len(facts), len(facts))
            return facts
        except (OSError, ValueError, KeyError):
            pass  # an unreadable entry: recompute it
    total = ds.num_rows(split)
    items = ds.iter_conversations(split, batch_size=batch_size)
    facts = yield from facts_from_conversations(items, total, pipeline, split, batch_size, cancel)
    if use_cache:
        try:
            atomic_write_bytes(path, facts.to_bytes())
        except OSError:
            pass  # a read-only place: the result is still returned
    return facts
