"""The word-splitting encoder gives exactly the tokens and offsets of the stock backend."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from tokenizers import Regex, Tokenizer, models, pre_tokenizers

from inspector.core.tokens.presplit import SPACE, split_is_exact, word_split_encoder
from inspector.core.tokens.tokenizer import load_tokenizer


def strings_in(value, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            strings_in(v, out)
    elif isinstance(value, list):
        for v in value:
            strings_in(v, out)


def real_strings(folder: Path, per_file: int = 300_000) -> list[str]:
    """String values of every JSON / JSONL file of the real data (code, chat, emoji...), the
    first `per_file` characters' worth of each file (the test stays quick)."""
    out: list[str] = []
    for path in sorted(folder.iterdir()):
        name = path.name
        opener = gzip.open if name.endswith(".gz") else open
        found: list[str] = []
        if ".json" not in name:
            continue
        with opener(path, "rt", encoding="utf-8") as f:
            if ".jsonl" in name:
                for line in f:
                    if line.strip():
                        strings_in(json.loads(line), found)
            else:
                strings_in(json.load(f), found)
        total = 0
        for text in found:
            out.append(text)
            total += len(text)
            if total > per_file:
                break
    return out


EDGE_CASES = [
    "",
    " ",
    "   leading and trailing   ",
    "def f():\n    return  1\n\tx = 2",
    "emoji 😀😀 and byte fallback \u0000 \u2028",
    "text with </s> and <s> specials inside",
    f"literal {SPACE}{SPACE}spaces{SPACE}",
    "x" * 5000,
    "many     spaces     between",
]


def test_the_embedded_tokenizer_is_split_exactly():
    tok = load_tokenizer()
    encoder = word_split_encoder(tok)
    assert encoder is not tok.backend_tokenizer, "the Mistral merges never cross a ▁ boundary"
    assert word_split_encoder(tok) is encoder  # built once per tokenizer


def test_tokens_and_offsets_equal_the_stock_backend_on_real_data(real_data):
    tok = load_tokenizer()
    stock, fast = tok.backend_tokenizer, word_split_encoder(tok)
    texts = real_strings(real_data) + EDGE_CASES
    assert len(texts) > 10_000
    # Special tokens only add a BOS around the words: the edge cases cover them.
    for flag, batch in ((False, texts), (True, EDGE_CASES)):
        ours = fast.encode_batch(batch, add_special_tokens=flag)
        theirs = stock.encode_batch(batch, add_special_tokens=flag)
        for text, a, b in zip(batch, ours, theirs, strict=True):
            assert a.ids == b.ids, text[:200]
            assert a.offsets == b.offsets, text[:200]


def tiny_bpe(merges: list[tuple[str, str]]) -> Tokenizer:
    """A real BPE tokenizer over a handful of pieces, SentencePiece style (Metaspace, no split)."""
    pieces = {"a", "b", SPACE}
    for left, right in merges:
        pieces.update((left, right, left + right))
    vocab = {p: i for i, p in enumerate(sorted(pieces))}
    tok = Tokenizer(models.BPE(vocab, merges))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="first", split=False)
    return tok


class Wrapped:
    """Stands for a Hugging Face tokenizer: all `word_split_encoder` reads is the backend."""

    def __init__(self, backend: Tokenizer):
        self.backend_tokenizer = backend


def test_a_merge_across_a_space_keeps_the_stock_backend():
    # "a" + "▁b" joins across the point before a ▁: splitting there would change the tokens.
    crossing = tiny_bpe([(SPACE, "b"), ("a", f"{SPACE}b")])
    assert not split_is_exact(json.loads(crossing.to_str()))
    wrapped = Wrapped(crossing)
    assert word_split_encoder(wrapped) is crossing
    # ...and the check matters: a forced split gives other tokens.
    forced = Tokenizer.from_str(crossing.to_str())
    forced.pre_tokenizer = pre_tokenizers.Sequence(
        [crossing.pre_tokenizer, pre_tokenizers.Split(Regex(f"{SPACE}+"), "merged_with_next")]
    )
    assert crossing.encode("a b").tokens == [SPACE, f"a{SPACE}b"]
    assert forced.encode("a b").tokens == [SPACE, "a", f"{SPACE}b"]


def test_a_safe_merge_set_is_split_and_stays_identical():
    safe = tiny_bpe([(SPACE, SPACE), (SPACE, "b"), ("a", "b"), (f"{SPACE}{SPACE}", "a")])
    assert split_is_exact(json.loads(safe.to_str()))
    fast = word_split_encoder(Wrapped(safe))
    assert fast is not safe
    for text in ["a b", "ab  ab", "  a", "b   ", "a b a b ab"]:
        assert fast.encode(text).ids == safe.encode(text).ids, text
        assert fast.encode(text).offsets == safe.encode(text).offsets, text


@pytest.mark.parametrize("kind", ["dropout", "ignore_merges", "split"])
def test_other_shapes_are_left_alone(kind):
    spec = json.loads(tiny_bpe([(SPACE, "b")]).to_str())
    if kind == "split":
        spec["pre_tokenizer"]["split"] = True
    else:
        spec["model"][kind] = 0.1 if kind == "dropout" else True
    assert not split_is_exact(spec)
