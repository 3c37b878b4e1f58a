"""Packing: the seed example, BFD against a one-by-one reference and TRL, wrapped, pack layout."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.tokens.pack import assemble, pack, pack_bfd, pack_wrapped
from inspector.core.tokens.tokenize import IGNORE_INDEX, TokenPipeline, TokenSettings
from inspector.core.tokens.tokenizer import load_tokenizer

SEED_ROWS = [[1, 100, 100, 2], [1, 200, 200, 2], [1, 300, 300, 300, 300, 2]]


def test_seed_example_packs_into_two_with_the_short_rows_together():
    """Acceptance: the seed's three rows packed to 9 make 2 packs, the first holding the
    two 4-token rows."""
    packing = pack_bfd([len(r) for r in SEED_ROWS], 9)
    assert len(packing) == 2
    assert packing.pack(0) == [(0, 0, 4), (1, 0, 4)]
    assert packing.pack(1) == [(2, 0, 6)]
    first = assemble(packing, 0, lambda r: (SEED_ROWS[r], SEED_ROWS[r]), pad_id=0)
    assert first["input_ids"] == [1, 100, 100, 2, 1, 200, 200, 2, 0]  # the seed's packed row
    assert first["seq_lengths"] == [4, 4]
    assert first["position_ids"] == [0, 1, 2, 3, 0, 1, 2, 3, 0]
    assert first["labels"] == [IGNORE_INDEX, 100, 100, 2, IGNORE_INDEX, 200, 200, 2, IGNORE_INDEX]
    second = assemble(packing, 1, lambda r: (SEED_ROWS[r], SEED_ROWS[r]), pad_id=0)
    assert second["input_ids"] == [1, 300, 300, 300, 300, 2, 0, 0, 0]


def one_by_one_bfd(lengths, capacity):
    """The textbook algorithm, one row at a time over a list of open packs."""
    rooms = []
    for length in sorted((min(x, capacity) for x in lengths if x > 0), reverse=True):
        fits = [i for i, room in enumerate(rooms) if room >= length]
        if fits:
            best = min(fits, key=lambda i: rooms[i])
            rooms[best] -= length
        else:
            rooms.append(capacity - length)
    return sorted(rooms)


def test_bfd_equals_the_textbook_algorithm_on_random_lengths():
    rng = np.random.default_rng(7)
    for _ in range(200):
        capacity = int(rng.integers(4, 120))
        lengths = rng.integers(0, capacity + 30, int(rng.integers(1, 150)))
        packing = pack_bfd(lengths, capacity)
        rooms = sorted((capacity - packing.pack_tokens).tolist())
        assert rooms == one_by_one_bfd(lengths, capacity)
        assert sorted(packing.rows.tolist()) == np.flatnonzero(lengths > 0).tolist()
        assert packing.tokens_lost == int(np.maximum(lengths - capacity, 0).sum())
        # Packs are numbered by their first row and hold rows in order.
        firsts = [packing.pack(p)[0][0] for p in range(len(packing))]
        assert firsts == sorted(firsts)
        assert all(
            np.all(np.diff([r for r, _, _ in packing.pack(p)]) > 0) for p in range(len(packing))
        )


def test_wrapped_concatenates_and_cuts_without_losing_tokens():
    packing = pack_wrapped([4, 4, 6], 9)
    assert len(packing) == 2 and packing.tokens_lost == 0
    assert packing.pack(0) == [(0, 0, 4), (1, 0, 4), (2, 0, 1)]
    assert packing.pack(1) == [(2, 1, 5)]
    assert packing.pack_of_row(2) == [0, 1]
    second = assemble(packing, 1, lambda r: (SEED_ROWS[r], SEED_ROWS[r]))
    assert second["input_ids"] == [300, 300, 300, 300, 2]
    assert second["position_ids"] == [0, 1, 2, 3, 4]
    rng = np.random.default_rng(3)
    lengths = rng.integers(0, 50, 300)
    w = pack(lengths, 64, "wrapped")
    assert w.tokens == lengths.sum() and len(w) == -(-int(lengths.sum()) // 64)
    assert (w.pack_tokens[:-1] == 64).all()
    with pytest.raises(ValueError):
        pack(lengths, 64, "first_fit")


@pytest.mark.parametrize("capacity", [64, 512])  # 64 truncates rows: both keep starts
def test_bfd_uses_no_more_packs_than_trl_and_holds_the_same_tokens(real_data, capacity):
    """Acceptance: on the tokenized rasbt data, whole-split BFD vs trl.pack_dataset(bfd)."""
    datasets = pytest.importorskip("datasets")
    trl_data = pytest.importorskip("trl.data_utils")
    tok = load_tokenizer()
    ds = open_dataset(real_data / "rasbt_instruction-data.json")
    pipeline = TokenPipeline(tok, TokenSettings(template="alpaca"), ds.format)
    rows = [
        r.model_inputs()
        for r in pipeline.encode_batch([c for _, c, _ in ds.iter_conversations("train")])
    ]
    ids = [r["input_ids"] for r in rows]

    ours = pack_bfd([len(x) for x in ids], capacity)
    packed = [
        assemble(ours, p, lambda r: (rows[r]["input_ids"], rows[r]["labels"]))
        for p in range(len(ours))
    ]
    theirs = trl_data.pack_dataset(
        datasets.Dataset.from_dict({"input_ids": ids}), capacity, strategy="bfd"
    )
    assert len(ours) <= len(theirs)
    ours_tokens = Counter(t for p in packed for t in p["input_ids"])
    theirs_tokens = Counter(t for p in theirs["input_ids"] for t in p)
    assert ours_tokens == theirs_tokens
    assert all(len(p["input_ids"]) <= capacity for p in packed)
    assert all(sum(p["seq_lengths"]) == len(p["input_ids"]) for p in packed)
