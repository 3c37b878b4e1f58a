"""Cluster titles: c-TF-IDF keywords without stop words, central rows as examples."""

from __future__ import annotations

import numpy as np

from inspector.core.semantic.topics import central_members, describe_clusters, keywords_by_class
from tests.core.topic_mix import four_source_mix


def test_keywords_are_distinctive_and_free_of_stop_words(real_data):
    texts, sources = four_source_mix(real_data)
    docs = {0: [], 1: [], 2: [], 3: []}
    order = ["hh-rlhf", "gsm8k", "humaneval", "c4"]
    for text, source in zip(texts, sources, strict=True):
        docs[order.index(source)].append(text)
    words = keywords_by_class(docs, top_n=8)
    for kws in words.values():
        assert len(kws) == 8
        assert not {"the", "and", "of", "to", "is", "you", "don"} & set(kws)
        assert all(w.isalpha() for w in kws)  # no numbers in titles
    # The code prompts are titled by code words, the word problems by arithmetic words.
    assert {"return", "def"} <= set(words[2])
    assert {"total", "half", "times"} & set(words[1])
    # A word frequent everywhere ranks lower than a word frequent in one cluster only.
    assert all(set(words[a]) != set(words[b]) for a in words for b in words if a < b)


def test_keywords_handle_empty_and_stop_word_only_clusters():
    words = keywords_by_class({0: ["the and of", "it is"], 1: [], 2: ["apples apples pears"]})
    assert (
        words[0] == []
        and words[1] == []
        and words[2][:2] in (["apples", "pears"], ["pears", "apples"])
    )
    assert keywords_by_class({}) == {}


def test_central_members_are_nearest_the_mean_direction():
    vecs = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.7, 0.7]], dtype=np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    members = np.array([0, 1, 3])
    central = central_members(vecs, members, k=2)
    assert central.tolist() == [1, 0]
    # Above the limit a sample is judged; the answer is still a member, and repeatable.
    rng = np.random.default_rng(0)
    many = rng.normal(size=(300, 3)).astype(np.float32)
    picked = central_members(many, np.arange(300), k=3, limit=50)
    assert set(picked.tolist()) <= set(range(300))
    assert picked.tolist() == central_members(many, np.arange(300), k=3, limit=50).tolist()


def test_describe_sizes_shares_examples_and_noise():
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(10, 4)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    labels = np.array([0, 0, 0, 0, 1, 1, 1, -1, -1, -2])  # -2: a row with no vector
    texts = (
        [f"alpha beta {i}" for i in range(4)]
        + [f"gamma delta {i}" for i in range(3)]
        + ["noise words here", "more noise", ""]
    )
    infos = describe_clusters(vecs, labels, lambda idx: [texts[i] for i in idx])
    assert [(c.id, c.size) for c in infos] == [(0, 4), (1, 3), (-1, 2)]
    assert [round(c.share, 2) for c in infos] == [0.4, 0.3, 0.2]
    assert set(infos[0].keywords) == {"alpha", "beta"}
    assert all(set(c.examples) <= set(np.flatnonzero(labels == c.id)) for c in infos)
    assert infos[0].example_texts == [texts[i] for i in infos[0].examples]
