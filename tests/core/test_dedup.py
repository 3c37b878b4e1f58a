"""Duplicate groups on real data: exact, same prompt, near (rows and prompts), semantic, sweep."""

from __future__ import annotations

import json

import numpy as np

from inspector.core.data.dataset import open_dataset
from inspector.core.progress import run
from inspector.core.scan import dedup, shingles
from inspector.core.scan.run import ScanSettings, scan


def _groups(result_groups) -> list[list[int]]:
    return [g.members.tolist() for g in result_groups]


def test_llamafactory_exact_duplicates_match_plain_equality(real_data):
    """14 duplicate records in 13 groups by plain equality of the JSON records; our normalized
    comparison (NFKC, case folded, whitespace collapsed) finds exactly the same groups: this
    file has no pair that differs only in case or spacing."""
    rows = json.loads((real_data / "llamafactory_alpaca_en_demo.json").read_text())
    plain: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        plain.setdefault(json.dumps(r, sort_keys=True), []).append(i)
    expected = sorted(g for g in plain.values() if len(g) > 1)
    assert len(expected) == 13 and sum(len(g) - 1 for g in expected) == 14

    ds = open_dataset(real_data / "llamafactory_alpaca_en_demo.json")
    result = run(scan(ds, ScanSettings(), use_cache=False))
    exact = [[m["row"] for m in g] for g in result.duplicates["exact"]]
    assert sorted(exact) == expected
    # Near duplicates (Jaccard >= 0.8) include every exact group.
    near = [set(m["row"] for m in g) for g in result.duplicates["near"]]
    assert all(any(set(g) <= n for n in near) for g in expected)


def test_normalization_joins_case_and_spacing_variants():
    texts = ["Name a  planet.", "name a planet.", "Name a planet!", ""]
    hashes = np.array([dedup.text_hash(t) for t in texts])
    groups = _groups(dedup.exact_groups(hashes, np.array([True, True, True, False])))
    assert groups == [[0, 1]]  # punctuation is kept; the empty row takes no part


def test_rasbt_dwarf_planet_and_readme_near_pairs(real_data):
    """The README of rasbt's find-near-duplicates.py lists, for the instruction field, the
    exact pair "Name a dwarf planet in our solar system." and two near pairs; for the output
    field the exact pair "One dwarf planet in our solar system is Pluto.". We report them as
    prompt duplicates: exact, and near at character 3-gram Jaccard >= 0.75 (the README's own
    tool uses TF-IDF cosine >= 0.9, a different scale)."""
    rows = json.loads((real_data / "rasbt_instruction-examples_with-dups.json").read_text())
    ds = open_dataset(real_data / "rasbt_instruction-examples_with-dups.json")
    result = run(scan(ds, ScanSettings(prompt_threshold=0.75), use_cache=False))

    exact = [[m["row"] for m in g] for g in result.duplicates["exact"]]
    assert [73, 74] in exact
    assert rows[73]["instruction"] == "Name a dwarf planet in our solar system."
    assert rows[73]["output"] == "One dwarf planet in our solar system is Pluto."
    assert [73, 74] in [[m["row"] for m in g] for g in result.duplicates["prompt"]]

    near_prompt = [{m["row"] for m in g} for g in result.duplicates["near_prompt"]]
    readme_pairs = {
        (42, 105): (
            "Edit the following sentence to make it more formal.",
            "Edit the sentence to make it more formal.",
        ),
        (103, 109): (
            "Change the sentences from active voice to passive voice.",
            "Change the sentence from passive to active voice.",
        ),
    }
    for (a, b), (ta, tb) in readme_pairs.items():
        assert (rows[a]["instruction"], rows[b]["instruction"]) == (ta, tb)
        assert any({a, b} <= g for g in near_prompt), (a, b)
    # Every member's similarity to its representative is reported, and is real.
    for g in result.duplicates["near_prompt"]:
        assert all(0.0 < m["similarity"] <= 1.0 for m in g)


def test_sweep_counts_fall_as_the_threshold_rises(real_data):
    rows = json.loads((real_data / "rasbt_instruction-data.json").read_text())
    texts = [r["instruction"] + "\n" + r["input"] + "\n" + r["output"] for r in rows]
    near = run(dedup.near_groups(shingles.shingle_sets(texts, 5), 0.8, (0.5, 0.7, 0.8, 0.9, 1.0)))
    removed = [p.rows_removed for p in near.sweep]
    assert removed == sorted(removed, reverse=True)
    at_08 = next(p for p in near.sweep if p.threshold == 0.8)
    assert at_08.rows_removed == sum(len(g) - 1 for g in near.groups)
    assert all(s >= 0.8 for s in near.similarity[near.similarity >= 0.8])


def test_semantic_groups_from_tfidf_vectors(real_data):
    """Semantic groups need only L2-normalized vectors; TF-IDF of the rasbt instructions is a
    real, cheap stand-in for sentence embeddings: the copied row is found and nothing else is
    linked below the threshold."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    rows = json.loads((real_data / "rasbt_instruction-examples_with-dups.json").read_text())
    vectors = TfidfVectorizer().fit_transform([r["instruction"] for r in rows]).toarray()
    groups = run(dedup.semantic_groups(vectors.astype(np.float32), 0.95))
    assert [73, 74] in _groups(groups)
    for g in groups:
        assert (g.similarity > 0.95 - 1e-6).all() or len(g) > 2
    pairs, sims = run(dedup.semantic_pairs(vectors, 0.95, block=16))  # blocks must not matter
    assert set(map(tuple, pairs.tolist())) == {
        tuple(p) for p in run(dedup.semantic_pairs(vectors, 0.95))[0].tolist()
    }
    assert (sims > 0.95).all()
