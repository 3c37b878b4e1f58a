"""Per-row token facts over whole splits: agree with row-by-row tokenization, cache, cancel."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from inspector.core import progress
from inspector.core.data.dataset import open_dataset
from inspector.core.progress import Cancelled
from inspector.core.tokens.facts import TokenFacts, token_facts
from inspector.core.tokens.tokenize import TokenPipeline, TokenSettings
from inspector.core.tokens.tokenizer import load_tokenizer


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer()


def test_facts_match_each_rows_own_tokenization(tok, real_data, tmp_path):
    ds = open_dataset(real_data / "llamafactory_glaive_toolcall_en_demo.json", state_dir=tmp_path)
    pipeline = TokenPipeline(tok, TokenSettings(max_length=1024, mask="assistant"), ds.format)
    reports = []
    facts = progress.drain(token_facts(ds, "train", pipeline, batch_size=64), reports.append)
    assert len(facts) == ds.num_rows("train") == 300
    assert reports[-1].done == reports[-1].total == 300 and len(reports) > 3
    for i in range(0, 300, 7):
        row = pipeline.encode(ds.conversation("train", i))
        assert facts["tokens"][i] == row.total_tokens
        assert facts["trained"][i] == row.trained_tokens_before_truncation
        assert facts["trained_kept"][i] == row.trained_tokens
        assert facts.truncated[i] == row.truncated and facts.lost[i] == row.trained_tokens_lost
    assert facts.truncated.sum() > 0  # some tool-call rows exceed 1024 tokens
    assert 0 < facts.trained_fraction.mean() < 1
    assert facts.row(0)["tokens"] == facts["tokens"][0]


def test_facts_are_cached_next_to_the_data(tok, real_data, tmp_path):
    ds = open_dataset(real_data / "rasbt_instruction-data.json", state_dir=tmp_path)
    pipeline = TokenPipeline(tok, TokenSettings(template="alpaca"), ds.format)
    first = progress.run(token_facts(ds, "train", pipeline))
    cached = list((tmp_path / "cache" / "tokens").glob("*.npz"))
    assert len(cached) == 1
    steps = []
    second = progress.drain(token_facts(ds, "train", pipeline), steps.append)
    assert len(steps) == 1  # served from the cache, no tokenizing
    for name in first.columns:
        assert np.array_equal(first[name], second[name])
    # Other settings are a different cache entry.
    other = TokenPipeline(tok, TokenSettings(template="alpaca", max_length=64), ds.format)
    progress.run(token_facts(ds, "train", other))
    assert len(list((tmp_path / "cache" / "tokens").glob("*.npz"))) == 2


def test_cancel_stops_the_computation(tok, real_data, tmp_path):
    ds = open_dataset(real_data / "rasbt_instruction-data.json", state_dir=tmp_path)
    pipeline = TokenPipeline(tok, TokenSettings(), ds.format)
    cancel = threading.Event()
    gen = token_facts(ds, "train", pipeline, batch_size=100, cancel=cancel, use_cache=False)
    next(gen)
    cancel.set()
    with pytest.raises(Cancelled):
        progress.run(gen)


def test_rows_that_fail_are_reported_not_dropped(tok, tmp_path):
    data = tmp_path / "train.jsonl"
    rows = [
        {
            "messages": [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello"},
            ]
        },
        {"messages": "not a list"},
        {
            "messages": [
                {"role": "user", "content": "Bye"},
                {"role": "assistant", "content": "Ciao"},
            ]
        },
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ds = open_dataset(data, state_dir=tmp_path / "state")
    pipeline = TokenPipeline(tok, TokenSettings(), ds.format)
    facts = progress.run(token_facts(ds, "train", pipeline))
    assert list(facts["failed"]) == [0, 1, 0]
    assert [p.row for p in facts.problems] == [1] and "list" in facts.problems[0].reason
    again = TokenFacts.from_bytes(facts.to_bytes())
    assert again.problems == facts.problems and again.settings == facts.settings
