"""Shingling and MinHash LSH: normalization, stable hashes, no false pairs, recall vs brute
force."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from inspector.core.scan import minhash, shingles


def test_words_ignore_case_punctuation_and_compatibility_forms():
    a = shingles.word_tokens(["Hello, World!  It's ﬁne."])
    b = shingles.word_tokens(["hello world it s fine"])
    assert np.array_equal(a.values, b.values)
    assert a.counts().tolist() == [5]


def test_marks_stay_inside_words():
    # Devanagari vowel signs are marks (category M): "हिन्दी" is one word, not three.
    toks = shingles.word_tokens(["हिन्दी भाषा", "naïve café"])
    assert toks.counts().tolist() == [2, 2]


def test_empty_and_punctuation_only_rows_have_no_tokens():
    toks = shingles.word_tokens(["", "  ...!!  ", "one"])
    assert toks.counts().tolist() == [0, 0, 1]
    sets = shingles.shingle_sets(["", "one two"], 5)
    assert sets.counts().tolist() == [0, 1]  # a row shorter than n is one shingle


def test_word_spans_agree_with_bulk_hashes():
    text = "Ünïcode — ‘quotes’, numbers 12.5 and snake_case!"
    norm, spans, hashes = shingles.word_spans(text)
    assert np.array_equal(hashes, shingles.word_tokens([text]).values)
    assert [norm[a:b] for a, b in spans] == [
        "ünïcode",
        "quotes",
        "numbers",
        "12",
        "5",
        "and",
        "snake",
        "case",
    ]


def test_char_tokens_join_words_with_one_space():
    a = shingles.char_tokens(["Ab,  c"])
    b = shingles.char_tokens(["ab c"])
    assert np.array_equal(a.values, b.values) and len(a.values) == 4


def test_hashes_are_stable_across_processes():
    # Pinned values: a test set's cached shingles must match a dataset scanned later.
    toks = shingles.word_tokens(["hello world"])
    assert toks.values.tolist() == [16844978562278765124, 9638785145699261845]


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9])
def test_banding_reaches_its_recall_target(threshold):
    banding = minhash.choose_bands(threshold)
    assert banding.bands * banding.rows_per_band <= minhash.DEFAULT_NUM_PERM
    assert banding.candidate_probability(threshold) >= minhash.RECALL_AT_THRESHOLD


def _brute_force(sets: shingles.Tokens, threshold: float) -> dict[tuple[int, int], float]:
    rows = [set(sets.row(i).tolist()) for i in range(len(sets))]
    out = {}
    for i, j in itertools.combinations(range(len(rows)), 2):
        if rows[i] and rows[j]:
            sim = len(rows[i] & rows[j]) / len(rows[i] | rows[j])
            if sim >= threshold:
                out[(i, j)] = sim
    return out


def test_near_pairs_on_real_answers_match_brute_force(real_data):
    """The alpaca demo's answers plus edited copies: every pair at >= 0.8 is found, and no
    reported pair is below it (candidates are verified on the real sets)."""
    rows = json.loads((real_data / "llamafactory_alpaca_en_demo.json").read_text())
    texts = [r["output"] for r in rows[:400]]
    rng = np.random.default_rng(0)
    long = [t for t in texts if len(t.split()) >= 60]
    for n, t in enumerate(long):  # copies with 1-3 words replaced: similarities around 0.8
        words = t.split()
        for k in rng.choice(len(words), size=1 + n % 3, replace=False):
            words[k] = "zzz"
        texts.append(" ".join(words))
    sets = shingles.shingle_sets(texts, 5)
    truth = _brute_force(sets, 0.8)
    found = minhash.near_pairs(sets, 0.8)
    pairs, sims = found.expanded()
    got = {tuple(p): s for p, s in zip(pairs.tolist(), sims.tolist(), strict=True)}
    assert len(truth) > 60
    assert set(got) <= set(truth), "a reported pair is below the threshold"
    for pair, sim in got.items():
        assert sim == pytest.approx(truth[pair])
    recall = len(set(got) & set(truth)) / len(truth)
    assert recall >= 0.95


def test_identical_rows_collapse_onto_the_first():
    texts = ["the same long sentence about nothing in particular at all"] * 50 + ["other text"]
    found = minhash.near_pairs(shingles.shingle_sets(texts, 5), 0.8)
    assert found.rep_of[:50].tolist() == [0] * 50
    assert found.candidates == 0  # one representative: no LSH pair to verify
    pairs, _ = found.expanded()
    assert len(pairs) == 50 * 49 // 2
