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


def _first_sentence(text: str) -> str:
    for i, c in enumerate(text):
        if c in ".?!" and (i + 1 == len(text) or text[i + 1] == " "):
            return text[: i + 1]
    return text


def _short_items(real_data) -> tuple[list[str], list[str]]:
    """MT-Bench turns of 4-12 words, and GSM8K questions' first sentences of 4-12 words."""
    from inspector.core.data import units

    mt = []
    for line in (real_data / "mt_bench_question.jsonl").open():
        mt += [t for t in json.loads(line)["turns"] if 4 <= units.word_count(t) <= 12]
    gsm = []
    for line in (real_data / "gsm8k_test.jsonl").open():
        first = _first_sentence(json.loads(line)["question"])
        if 4 <= units.word_count(first) <= 12 and first not in gsm:
            gsm.append(first)
    return mt, gsm


def test_short_benchmark_items_copied_into_prompts_are_found(real_data, tmp_path):
    """Short items (4-12 words) of MT-Bench and GSM8K questions' first sentences, copied into
    the prompts of real Alpaca rows: >= 95% found, each with its own item and the matched run
    as evidence; items under 5 words are planted as the whole prompt (the only case the rule
    counts). The unplanted rows raise at most 5 hits (measured: 0)."""
    from inspector.core.data import units
    from inspector.core.data.dataset import open_dataset
    from inspector.core.progress import run
    from inspector.core.scan.run import ScanSettings, scan

    mt, gsm = _short_items(real_data)
    assert len(mt) >= 35 and len(gsm) >= 300
    gsm_file = tmp_path / "gsm8k_first_sentences.jsonl"
    gsm_file.write_text("".join(json.dumps({"question": q}) + "\n" for q in gsm))
    rows = json.loads((real_data / "llamafactory_alpaca_en_demo.json").read_text())
    planted = {}
    for k, item in enumerate(mt + gsm):
        base = rows[k % len(rows)]
        if units.word_count(item) < contamination.MIN_SHORT_ITEM_WORDS:
            row = {"instruction": item, "input": "", "output": base["output"]}
        elif k % 2:
            row = {**base, "instruction": f"{base['instruction']} {item}"}
        else:
            row = {**base, "input": f"Context: {item} Answer below."}
        planted[len(rows) + len(planted)] = (item, row)
    data = tmp_path / "train.json"
    data.write_text(json.dumps(rows + [r for _, r in planted.values()]))
    ds = open_dataset(data)
    settings = ScanSettings(against=(str(real_data / "mt_bench_question.jsonl"), str(gsm_file)))
    result = run(scan(ds, settings, use_cache=False))
    found = {}
    for h in result.contamination:
        found.setdefault(h["row"], []).append(h)
    good = 0
    for row, (item, _) in planted.items():
        hits = found.get(row, [])
        norm = shingles.normalize_text(item)
        # The evidence is the matched run: the item's words, as they stand in the row.
        if any(
            h["ngram"] and h["ngram"] in norm and len(h["ngram"]) >= len(norm) - 2 for h in hits
        ):
            good += 1
    assert good / len(planted) >= 0.95, (good, len(planted))
    false = [r for r in found if r not in planted]
    assert len(false) <= 5, [found[r] for r in false]


def test_short_items_raise_no_false_alarm_on_unrelated_data(real_data):
    """The false-positive rate the README states: the Alpaca demo (999 rows) against MT-Bench
    (160 turns, most of them short) and against GSM8K, prompts included."""
    rows = json.loads((real_data / "llamafactory_alpaca_en_demo.json").read_text())
    texts = alpaca_texts(real_data / "llamafactory_alpaca_en_demo.json")
    prompts = [[f"{r['instruction']}\n\n{r['input']}".strip(), r["instruction"]] for r in rows]
    for name in ("mt_bench_question.jsonl", "gsm8k_test.jsonl"):
        index = contamination.NgramIndex(contamination.load_test_set(real_data / name))
        assert contamination.ngram_hits(texts, index, prompts=prompts) == []
