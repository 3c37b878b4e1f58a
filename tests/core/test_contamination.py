"""Contamination against real benchmark files: n-gram overlap, near matches, field picking."""

from __future__ import annotations

import json

import pytest

from inspector.core.errors import InputError
from inspector.core.scan import contamination, shingles


def alpaca_texts(path) -> list[str]:
    rows = json.loads(path.read_text())
    return ["\n\n".join(v for v in (r["instruction"], r["input"], r["output"]) if v) for r in rows]


def test_text_fields_are_picked_automatically(real_data):
    gsm = contamination.load_test_set(real_data / "gsm8k_test.jsonl")
    assert gsm.fields == ["question", "answer"] and len(gsm) == 1319
    human_eval = contamination.load_test_set(real_data / "HumanEval.jsonl.gz")
    assert "task_id" not in human_eval.fields and "prompt" in human_eval.fields
    mt_bench = contamination.load_test_set(real_data / "mt_bench_question.jsonl")
    assert "turns" in mt_bench.fields and "category" not in mt_bench.fields
    only = contamination.load_test_set(real_data / "gsm8k_test.jsonl", ["question"])
    assert (
        only.texts[0] == json.loads((real_data / "gsm8k_test.jsonl").open().readline())["question"]
    )
    with pytest.raises(InputError, match="no column 'problem'"):
        contamination.load_test_set(real_data / "gsm8k_test.jsonl", ["problem"])


def test_gsm8k_does_not_contaminate_the_alpaca_demo(real_data):
    """No 13-gram of any GSM8K question or answer occurs in the alpaca demo, and no row is a
    near match: there is not even boilerplate in common (the answers' "<<48/2=24>>" arithmetic
    and "#### 72" endings never appear in alpaca rows). The planted copy below proves the
    check would see a real one."""
    test = contamination.load_test_set(real_data / "gsm8k_test.jsonl")
    texts = alpaca_texts(real_data / "llamafactory_alpaca_en_demo.json")
    index = contamination.NgramIndex(test)
    assert contamination.ngram_hits(texts, index) == []
    sets = shingles.shingle_sets(texts, contamination.NEAR_NGRAM)
    assert contamination.near_hits(sets, texts.__getitem__, test) == []

    question = json.loads((real_data / "gsm8k_test.jsonl").open().readline())["question"]
    planted = texts[:50] + [f"Solve this problem step by step. {question} Show your work."]
    hits = contamination.ngram_hits(planted, index)
    assert [(h.row, h.item, h.kind) for h in hits] == [(50, 0, "ngram")]
    # The evidence is the whole question (words only at its ends: the final "?" is not a word).
    assert hits[0].ngram == shingles.normalize_text(question).rstrip("?")
    assert hits[0].item_text.startswith(question)


def test_boilerplate_overlap_is_shown_with_its_span(real_data):
    """HumanEval against the DPO demo: one 13-gram hit, a counting sequence "1+2+...+15" that
    also occurs in a HumanEval test. It is boilerplate, and the hit shows exactly that span."""
    test = contamination.load_test_set(real_data / "HumanEval.jsonl.gz")
    rows = json.loads((real_data / "llamafactory_dpo_en_demo.json").read_text())
    texts = []
    for r in rows:
        parts = [t["value"] for t in r["conversations"]]
        parts += [r["chosen"]["value"], r["rejected"]["value"]]
        texts.append("\n\n".join(parts))
    hits = contamination.ngram_hits(texts, contamination.NgramIndex(test))
    assert [h.row for h in hits] == [113]
    assert hits[0].ngram.startswith("1+2+3+4+5+6+7+8+9+10+11+12+13")


def test_short_items_must_appear_whole():
    test = contamination.TestSet(
        "t", "t", ["q"], ["What is the capital city of France today?", "Yes", "x " * 30]
    )
    index = contamination.NgramIndex(test)
    assert index.short_lengths == [8]
    texts = [
        "Quiz: what is the capital city of France today? Paris.",
        "Yes, I agree.",  # a one-word item matches nothing
        "What is the capital of France?",  # not the whole item
    ]
    hits = contamination.ngram_hits(texts, index)
    assert [(h.row, h.item) for h in hits] == [(0, 0)]
    assert hits[0].ngram == "what is the capital city of france today"


def test_near_match_of_an_edited_item(real_data):
    """An item copied with one word changed is a near match with Jaccard >= 0.8 (below 1);
    a copy of the matched row is reported too."""
    test = contamination.load_test_set(real_data / "gsm8k_test.jsonl", ["question"])
    item = test.texts[7]
    words = item.split()
    words[-2] = "banana"
    edited = " ".join(words)
    texts = ["An unrelated row about cooking rice and beans for dinner tonight.", edited, edited]
    sets = shingles.shingle_sets(texts, contamination.NEAR_NGRAM)
    hits = contamination.near_hits(sets, texts.__getitem__, test)
    assert [(h.row, h.item, h.kind) for h in hits] == [(1, 7, "near"), (2, 7, "near")]
    assert all(0.8 <= h.similarity < 1.0 for h in hits)
