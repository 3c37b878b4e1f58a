"""A faster, token-identical encoder for SentencePiece-style BPE tokenizers: split words first.

Tokenizers converted from SentencePiece (Llama 2, Mistral, Gemma...) replace spaces with ``▁``
and then run BPE over the whole text as one "word" (``Metaspace(split=False)``), because a few
pieces such as ``▁▁▁▁`` join several spaces. BPE over a long word is slow: its merge queue grows
with the text and its word cache never hits.

When no merge of the vocabulary joins a piece that ends in something other than ``▁`` with a
piece that starts with ``▁``, no token can ever cross the point just before a run of ``▁``. BPE
merges the best-ranked adjacent pair again and again; a pair across such a point has no rank, so
the two sides evolve independently and tokenizing them apart gives exactly the same tokens and
offsets. `word_split_encoder` checks that condition on the merges themselves and, when it holds,
returns a copy of the backend that splits there before BPE (short words, cache hits). Otherwise it
returns the backend unchanged. Tests compare both on every string of the real data.
"""

from __future__ import annotations

import json
import weakref
from typing import Any

SPACE = "\u2581"  # "▁", SentencePiece's visible space

_ENCODERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def split_is_exact(spec: dict[str, Any]) -> bool:
    """True when splitting before every run of ``▁`` provably leaves the tokens unchanged.

    `spec` is the backend's serialized form (``json.loads(backend.to_str())``).
    """
    model = spec.get("model") or {}
    if model.get("type") != "BPE" or model.get("dropout") or model.get("ignore_merges"):
        # Dropout is random; `ignore_merges` looks whole words up in the vocabulary first, so
        # the word boundaries themselves would change the result.
        return False
    if model.get("continuing_subword_prefix") or model.get("end_of_word_suffix"):
        return False
    pre = spec.get("pre_tokenizer")
    if pre is not None and not (pre.get("type") == "Metaspace" and not pre.get("split", True)):
        return False  # already split some other way: nothing to gain, nothing assumed
    for merge in model.get("merges") or []:
        left, right = merge if isinstance(merge, list) else merge.split(" ", 1)
        if right.startswith(SPACE) and not left.endswith(SPACE):
            return False
    return True


def word_split_encoder(tokenizer: Any) -> Any:
    """The Rust tokenizer to encode with: a word-splitting copy of the Hugging Face `tokenizer`'s
    backend when that is exact, else the backend itself.

    The copy never truncates or pads (callers cut sequences themselves). Built once per tokenizer.
    """
    try:
        return _ENCODERS[tokenizer]
    except (KeyError, TypeError):
        pass
    from tokenizers import Regex, Tokenizer, pre_tokenizers

    backend = tokenizer.backend_tokenizer
    raw = backend.to_str()
    encoder = backend
    if split_is_exact(json.loads(raw)):
        encoder = Tokenizer.from_str(raw)
        # Split *before* each run of ▁ (the run starts the next word, as in SentencePiece).
        words = pre_tokenizers.Split(Regex(f"{SPACE}+"), "merged_with_next")
        pre = encoder.pre_tokenizer
        encoder.pre_tokenizer = words if pre is None else pre_tokenizers.Sequence([pre, words])
        encoder.no_truncation()
        encoder.no_padding()
    try:
        _ENCODERS[tokenizer] = encoder
    except TypeError:
        pass
    return encoder
