"""The packing simulator: padding baseline and packing rows, checked by hand and on real lengths."""

from __future__ import annotations

import numpy as np

from inspector.core import progress
from inspector.core.data.dataset import open_dataset
from inspector.core.tokens.facts import token_facts
from inspector.core.tokens.packsim import padding_row, simulate
from inspector.core.tokens.tokenize import TokenPipeline, TokenSettings
from inspector.core.tokens.tokenizer import load_tokenizer


def test_padding_baseline_by_hand():
    # Batches of 2: [4, 10] -> 2*10 slots, [3, 12->truncated 8] -> 2*8, [5] -> 5.
    row = padding_row(np.array([4, 10, 3, 12, 5]), length=8, batch_size=2)
    assert row.slots == 2 * 8 + 2 * 8 + 5 and row.tokens == 4 + 8 + 3 + 8 + 5
    assert row.tokens_lost == 2 + 4 and row.sequences == 5
    assert abs(row.efficiency + row.padding_fraction - 1) < 1e-12


def test_simulator_table_on_the_seed_example():
    table = simulate([4, 4, 6], pack_lengths=[9], batch_size=3)
    by = {r.strategy: r for r in table}
    assert [r.strategy for r in table] == ["padding", "bfd", "wrapped"]
    assert by["padding"].slots == 18 and by["padding"].tokens == 14
    assert by["bfd"].sequences == 2 and by["bfd"].slots == 18 and by["bfd"].tokens_lost == 0
    assert by["wrapped"].sequences == 2 and by["wrapped"].split_rows == 1
    assert by["bfd"].to_json()["efficiency"] == 14 / 18


def test_packing_beats_padding_on_real_lengths(real_data, tmp_path):
    ds = open_dataset(real_data / "llamafactory_alpaca_en_demo.json", state_dir=tmp_path)
    pipeline = TokenPipeline(load_tokenizer(), TokenSettings(), ds.format)
    facts = progress.run(token_facts(ds, "train", pipeline))
    lengths = np.minimum(facts["tokens"], facts.max_length)
    table = simulate(lengths, pack_lengths=[1024, 2048, 4096])
    assert len(table) == 9
    for length in (1024, 2048, 4096):
        rows = {r.strategy: r for r in table if r.length == length}
        assert rows["bfd"].efficiency > rows["padding"].efficiency
        assert rows["bfd"].sequences < rows["padding"].sequences
        # Wrapped loses nothing and fills every pack but the last.
        assert rows["wrapped"].tokens_lost == 0 and rows["wrapped"].tokens == lengths.sum()
        assert rows["wrapped"].sequences == -(-int(lengths.sum()) // length)
        assert rows["bfd"].tokens + rows["bfd"].tokens_lost == lengths.sum()
