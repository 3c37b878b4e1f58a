"""Script-aware text units, and near duplicates found in Chinese as well as in English."""

from __future__ import annotations

import numpy as np
import pytest

from inspector.core.data import units
from inspector.core.data.dataset import open_dataset
from inspector.core.progress import run
from inspector.core.scan import dedup, minhash, shingles
from inspector.core.scan.rows import near_text

MIXED = [
    "Hello, World! 你好世界，今天天气很好。GPT模型abc",
    "สวัสดีครับ ผมชื่อสมชาย",
    "こんにちは、カタカナとひらがな。",
    "हिन्दी भाषा में लिखा",
    "한국어 문장입니다",
    "emoji 😀 ok 𠀀𠀁x café naïve",
]


@pytest.mark.parametrize("text", MIXED)
def test_kernel_and_regex_cut_the_same_units(text):
    norm, spans, hashes = shingles.word_spans(text)
    assert [norm[a:b] for a, b in spans] == units.split(norm)
    assert len(hashes) == len(spans)


def test_unspaced_scripts_are_cut_into_characters():
    assert units.split("你好世界") == ["你", "好", "世", "界"]
    # A Thai vowel or tone mark stays on its consonant.
    assert units.split("ชื่อ") == ["ชื่", "อ"]
    assert units.split("GPT模型abc") == ["GPT", "模", "型", "abc"]
    # Spaced scripts, Hangul included, keep whole words, marks and all.
    assert units.split("हिन्दी 한국어 naïve") == ["हिन्दी", "한국어", "naïve"]
    # Lengths on an English yardstick: two Chinese characters make about a word.
    assert units.word_count("今天天气很好") == 3.0
    assert units.word_count("The weather is nice today") == 5.0


def _planted(texts: list[str], rng, copies: int) -> tuple[list[str], list[tuple[int, int]]]:
    """`copies` long texts copied with a few characters changed, inserted or deleted."""
    long = [i for i, t in enumerate(texts) if len(t) >= 200]
    picks = rng.choice(long, size=min(copies, len(long)), replace=False)
    out, pairs = list(texts), []
    for i in picks.tolist():
        chars = list(texts[i])
        for _ in range(int(rng.integers(1, 4))):
            k = int(rng.integers(0, len(chars)))
            op = rng.integers(0, 3)
            if op == 0:
                chars[k] = "变"
            elif op == 1:
                chars.insert(k, "新")
            else:
                del chars[k]
        pairs.append((i, len(out)))
        out.append("".join(chars))
    return out, pairs


def _recall(path, copies: int = 60, seed: int = 0) -> tuple[float, int, np.ndarray]:
    """Of the planted pairs whose true Jaccard reaches the threshold, the share found in one
    group; how many there are; the true Jaccard of every pair reported."""
    ds = open_dataset(path)
    texts = [near_text(c) for _, c, _ in ds.iter_conversations(ds.splits[0]) if c is not None]
    texts, planted = _planted(texts, np.random.default_rng(seed), copies)
    sets = shingles.shingle_bags(texts, dedup.NEAR_NGRAM)
    found = run(dedup.near_groups(sets, dedup.NEAR_THRESHOLD, ()))
    together = {}
    for g in found.groups:
        for m in g.members.tolist():
            together[m] = int(g.members[0])
    pairs = np.array(planted, dtype=np.int64)
    due = pairs[minhash.jaccard(sets, pairs) >= dedup.NEAR_THRESHOLD].tolist()
    hit = sum(1 for a, b in due if a in together and together.get(b) == together[a])
    # No reported pair is below the threshold by its true Jaccard.
    true = minhash.jaccard(sets, found.pairs) if len(found.pairs) else np.ones(0)
    return hit / max(len(due), 1), len(due), true


@pytest.mark.parametrize(
    "name", ["llamafactory_dpo_zh_demo.json", "llamafactory_glaive_toolcall_zh_demo.json"]
)
def test_chinese_near_duplicates_are_found(real_data, name):
    recall, due, true = _recall(real_data / name)
    # Before units were script-aware, few of these pairs even reached the threshold.
    assert due >= 50
    assert recall >= 0.95, recall
    assert (true >= dedup.NEAR_THRESHOLD).all()


def test_english_near_duplicates_keep_their_recall(real_data):
    recall, due, true = _recall(real_data / "llamafactory_alpaca_en_demo.json")
    assert due >= 20
    assert recall >= 0.95, recall
    assert (true >= dedup.NEAR_THRESHOLD).all()
