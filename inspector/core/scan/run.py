"""`scan`: every analysis of "what is wrong" over a dataset, as one cached progress generator.

One pass over the normalized rows runs the quality rules, hashes each row (whole and prompt)
for exact duplicates, builds shingle sets for near duplicates, and checks n-gram overlap with
each `--against` test set; then the dataset-wide steps run: duplicate groups, near matches with
the test sets, split leakage, and (when asked) semantic duplicates from embeddings.

Rows are numbered 0..N-1 across splits in `ds.splits` order while scanning; the result
speaks in `(split, row)` only. The result is cached under the dataset's state folder, keyed by
the data's fingerprint, the settings, the test files' contents and the token facts, so a second
scan of unchanged data is a file read.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Generator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from inspector.core.data.conversation import Conversation
from inspector.core.errors import InputError
from inspector.core.flags import CODES, FlagRun
from inspector.core.progress import Progress, check
from inspector.core.scan import dedup, shingles
from inspector.core.scan.result import ScanResult, group_json
from inspector.core.scan.rows import (
    RowData,
    concat,
    facts_digest,
    facts_for,
    instruction_text,
    near_text,
    prompt_texts,
    row_text,
)

#: Bump when the result's content or shape changes, so old cache entries are not reused.
SCAN_VERSION = 2
#: Rows shingled and checked against test sets at a time.
BATCH = 2000
#: Near duplicates of the prompt alone compare character 3-grams: prompts are short, and word
#: 5-grams of a ten-word instruction barely overlap after a one-word edit.
PROMPT_NGRAM = 3


@dataclass(frozen=True)
class ScanSettings:
    """Everything that changes a scan's result (and so its cache key)."""

    max_length: int | None = None
    near_threshold: float = dedup.NEAR_THRESHOLD
    near_ngram: int = dedup.NEAR_NGRAM
    prompt_threshold: float = dedup.NEAR_THRESHOLD
    sweep: tuple[float, ...] = dedup.SWEEP
    against: tuple[str, ...] = ()
    against_fields: tuple[str, ...] = ()
    contamination_ngram: int = 13
    semantic: bool = False
    semantic_threshold: float = dedup.SEMANTIC_THRESHOLD
    embed_model: str = "auto"

    def key_parts(self) -> dict:
        parts = asdict(self)
        # Test files are keyed by content, not just by name.
        parts["against"] = [[p, _file_digest(Path(p))] for p in self.against]
        return json.loads(json.dumps(parts))  # tuples become lists, as in the cached JSON


def _file_digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return "missing"
    return h.hexdigest()


def scan_key(
    ds, settings: ScanSettings | None = None, token_facts: Mapping[str, Sequence] | None = None
) -> str:
    """The cache key of `scan(ds, settings, token_facts=...)`: the data, the settings (test
    files by content), the token facts and `SCAN_VERSION`. Callers caching anything derived
    from a scan key it with this, so a new scan version invalidates theirs too."""
    from inspector.core.cache import make_key

    return make_key(
        version=SCAN_VERSION,
        data=ds.fingerprint,
        settings=(settings or ScanSettings()).key_parts(),
        facts=facts_digest(token_facts),
    )


def scan(
    ds,
    settings: ScanSettings | None = None,
    *,
    token_facts: Mapping[str, Sequence] | None = None,
    use_cache: bool = True,
    cancel: threading.Event | None = None,
) -> Generator[Progress, None, ScanResult]:
    """Scan a dataset (an `InspectorDataset`); a progress generator returning a `ScanResult`.

    `token_facts[split][row]` is a `RowTokens` (or a `(total, trained)` pair) for that row,
    from the tokens layer; with it the `too_long` and `no_trained_tokens` flags are produced.
    """
    from inspector.core.scan import contamination

    settings = settings or ScanSettings()
    key = scan_key(ds, settings, token_facts)
    if use_cache:
        cached = ds.cache.get_json("scan", key)
        if cached is not None:
            yield Progress("loading cached scan", 1, 1)
            return ScanResult.from_json(cached)

    tests = [
        contamination.load_test_set(p, list(settings.against_fields) or None)
        for p in settings.against
    ]
    indexes = [contamination.NgramIndex(t, settings.contamination_ngram) for t in tests]
    shared = _preambles(ds)
    rows = RowData()
    flags = FlagRun(settings.max_length, expected_rows=ds.total_rows)
    problems, hits = [], []
    total = ds.total_rows
    # Per row of the batch: near text, instruction, all text, prompts.
    pending: list[tuple[str, str, str, list[str]]] = []

    def flush():
        first = len(rows.valid) - len(pending)
        hits.extend(shingle_batch(rows, pending, settings, indexes, first, shared))
        pending.clear()

    try:
        for s, split in enumerate(ds.splits):
            for row, conv, problem in ds.iter_conversations(split):
                facts = facts_for(token_facts, split, row) if conv is not None else None
                take_row(rows, flags, problems, (s, split), row, conv, problem, facts, pending)
                if len(pending) >= BATCH:
                    flush()
                    check(cancel)
                    yield Progress("scanning rows", len(rows.valid), total)
        if pending:
            flush()
        yield Progress("scanning rows", total, total)

        result = yield from _dataset_steps(ds, settings, rows, flags, tests, hits, cancel)
    finally:
        flags.close()  # stops flag workers on cancel or error (no-op once finished)
    result.problems = problems
    result.preambles = [p for p in shared.to_json() if p["rows"]]
    if use_cache:
        ds.cache.put_json("scan", key, result.to_json())
    return result


def take_row(rows, flags, problems, split, row, conv, problem, facts, pending) -> None:
    """What one row contributes to the row pass, appended to `rows` (a `RowData`), `flags` (a
    `FlagRun`, rows numbered by their place in `rows`) and `problems`; its texts go to
    `pending` for `shingle_batch`. `split` is `(index, name)`. The local scan calls this for
    every row, a distributed engine for every row of its blocks."""
    index = len(rows.valid)
    rows.split_of.append(split[0])
    rows.row_of.append(row)
    rows.valid.append(conv is not None)
    if conv is None:
        problems.append({"split": split[1], "row": row, "reason": problem})
        conv = Conversation("text", [])
    else:
        flags.add(index, conv, facts)
    prompt = conv.prompt_text()
    rows.row_hash.append(dedup.text_hash(row_text(conv)))
    rows.prompt_hash.append(dedup.text_hash(prompt))
    rows.has_prompt.append(conv.chosen is None and bool(prompt.strip()))
    rows.answer_hash.append(dedup.text_hash(conv.response_text()))
    pending.append((near_text(conv), instruction_text(conv), conv.all_text(), prompt_texts(conv)))


def shingle_batch(rows, pending, settings, indexes, first: int, shared=None) -> list:
    """Shingle a batch of pending texts into `rows` and check them against the test sets'
    n-gram `indexes`; returns the contamination hits (rows numbered from `first`).

    `shared` (`data.preamble.Preambles`): text many rows' instructions share, left out of the
    prompt shingles so that near-duplicate prompts compare what is asked (and counted)."""
    from inspector.core.scan import contamination

    rows.near_parts.append(shingles.shingle_bags([p[0] for p in pending], settings.near_ngram))
    asked = [p[1] for p in pending]
    if shared is not None:
        asked = [shared.strip(t, count=True) for t in asked]
    rows.prompt_parts.append(shingles.shingle_bags(asked, PROMPT_NGRAM, "char"))
    hits = []
    for index in indexes:
        hits.extend(
            contamination.ngram_hits(
                [p[2] for p in pending], index, first, prompts=[p[3] for p in pending]
            )
        )
    return hits


def _preambles(ds):
    """Text shared verbatim by many rows' instructions, found on a spread sample of them."""
    from inspector.core.data.preamble import find_preambles, sample_positions
    from inspector.core.errors import RowError

    sizes = [ds.num_rows(s) for s in ds.splits]
    ends = np.cumsum(sizes)
    texts = []
    for g in sample_positions(int(ends[-1]) if sizes else 0).tolist():
        s = int(np.searchsorted(ends, g, side="right"))
        row = g - (int(ends[s - 1]) if s else 0)
        try:
            texts.append(instruction_text(ds.conversation(ds.splits[s], row)))
        except RowError:
            continue
    return find_preambles(texts)


def collect_token_facts(ds, pipeline, cancel: threading.Event | None = None):
    """The tokens layer's facts for every split (`{split: TokenFacts}`), ready for
    `scan(token_facts=...)`; a progress generator. `pipeline` is an
    `inspector.core.tokens.tokenize.TokenPipeline` whose `max_length` the scan's should match."""
    from inspector.core.tokens.facts import token_facts

    out = {}
    for split in ds.splits:
        out[split] = yield from token_facts(ds, split, pipeline, cancel=cancel)
    return out


def _dataset_steps(ds, settings, rows, flags, tests, hits, cancel, near_pairs=None):
    """Everything that needs all rows: groups, near matches, leakage, semantic duplicates.

    `near_pairs` replaces `minhash.near_pairs` in every near search (a cluster's version)."""
    from inspector.core.scan import contamination

    splits = ds.splits
    split_of = np.array(rows.split_of, dtype=np.int64)
    row_of = np.array(rows.row_of, dtype=np.int64)
    valid = np.array(rows.valid, dtype=bool)

    def ref(i: int) -> dict:
        return {"split": splits[split_of[i]], "row": int(row_of[i])}

    duplicates, conflicting = {}, []
    duplicates["exact"] = dedup.exact_groups(np.array(rows.row_hash), valid)
    duplicates["prompt"] = dedup.exact_groups(np.array(rows.prompt_hash), np.array(rows.has_prompt))
    answers = np.array(rows.answer_hash)
    conflicting = [g for g in duplicates["prompt"] if len(set(answers[g.members].tolist())) > 1]
    yield Progress("duplicates", 1, 4)
    near_sets = concat(rows.near_parts)
    near = yield from dedup.near_groups(
        near_sets, settings.near_threshold, settings.sweep, cancel=cancel, pairs=near_pairs
    )
    duplicates["near"] = near.groups
    prompt_sets = concat(rows.prompt_parts)
    has_prompt = np.array(rows.has_prompt)
    prompt_near = yield from dedup.near_groups(
        _only(prompt_sets, has_prompt), settings.prompt_threshold, (), cancel=cancel,
        pairs=near_pairs,
    )  # fmt: skip
    duplicates["near_prompt"] = prompt_near.groups
    yield Progress("duplicates", 3, 4)

    def text_of(i: int) -> str:
        return ds.conversation(splits[split_of[i]], int(row_of[i])).all_text()

    for test in tests:
        check(cancel)
        hits.extend(
            contamination.near_hits(near_sets, text_of, test, cancel=cancel, pairs=near_pairs)
        )
    if settings.semantic:
        duplicates["semantic"] = yield from _semantic(
            ds, settings, splits, split_of, row_of, cancel
        )
    yield Progress("duplicates", 4, 4)

    leakage = []
    if len(splits) > 1:
        reported = set()
        for kind in ("exact", "near"):
            for g in duplicates[kind]:
                members = tuple(g.members.tolist())
                # A near group made only of exact copies is already listed as exact.
                if len(set(split_of[g.members].tolist())) > 1 and members not in reported:
                    reported.add(members)
                    leakage.append({"kind": kind, "rows": [ref(i) for i in g.members]})
    found = flags.finish()
    pairs, share = flags.length_bias.share()
    return ScanResult(
        path=str(ds.path),
        format=ds.format,
        fingerprint=ds.fingerprint,
        splits={s: ds.num_rows(s) for s in splits},
        settings=settings.key_parts(),
        findings=[{**ref(i), **f.to_json()} for i in sorted(found) for f in found[i]],
        duplicates={
            k: [group_json(g, ref, similarity=k not in ("exact", "prompt")) for g in v]
            for k, v in duplicates.items()
        },
        conflicting_prompts=[group_json(g, ref) for g in conflicting],
        sweep=[p.to_json() for p in near.sweep],
        contamination=[{**ref(h.row), **h.to_json()} for h in _dedupe_hits(hits)],
        leakage=leakage,
        length_bias={"pairs": pairs, "chosen_longer_share": round(share, 4)},
        codes={c: {"severity": s, "description": d} for c, (s, d) in CODES.items()},
    )


def _only(sets: shingles.Tokens, keep: np.ndarray) -> shingles.Tokens:
    """The same rows with the shingles of rows not kept removed (they then match nothing)."""
    counts = np.where(keep, sets.counts(), 0)
    mask = np.repeat(keep, sets.counts())
    return shingles.Tokens(sets.values[mask], np.concatenate(([0], np.cumsum(counts))))


def _dedupe_hits(hits):
    """One hit per (row, test set, item): an n-gram hit is kept over a near match."""
    rank = {"ngram": 0, "prompt": 1, "near": 2}
    seen, out = set(), []
    for h in sorted(hits, key=lambda h: (h.row, h.against, h.item, rank.get(h.kind, 3))):
        if (h.row, h.against, h.item) not in seen:
            seen.add((h.row, h.against, h.item))
            out.append(h)
    return out


def _semantic(ds, settings, splits, split_of, row_of, cancel):
    """Semantic duplicate groups from the clusters slice's embeddings."""
    try:
        from inspector.core.semantic.embed import embed_dataset
    except ImportError as err:
        raise InputError(
            "semantic duplicates need inspector.core.semantic.embed (the embeddings layer), which "
            f"this installation does not have ({err})."
        ) from None
    emb = yield from embed_dataset(ds, model=settings.embed_model, cancel=cancel)
    where = {(splits[s], int(r)): i for i, (s, r) in enumerate(zip(split_of, row_of, strict=True))}
    order = np.array([where[(s, int(r))] for s, r in emb.keys], dtype=np.int64)
    groups = yield from dedup.semantic_groups(emb.vectors, settings.semantic_threshold, cancel)
    out = []
    for g in groups:
        members = order[g.members]
        # Similarities are to the group's first vector; recompute them to the earliest row.
        rank = np.argsort(members, kind="stable")
        vecs = np.asarray(emb.vectors, dtype=np.float32)[g.members[rank]]
        out.append(dedup.Group(members[rank], (vecs @ vecs[0]).astype(np.float64)))
    return sorted(out, key=lambda g: g.members[0])
