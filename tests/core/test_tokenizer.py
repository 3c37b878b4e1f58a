"""Loading tokenizers: the embedded Mistral default, local folders, cached Hub names, errors."""

from __future__ import annotations

import time

import pytest

from inspector.core.errors import InputError
from inspector.core.tokens.tokenizer import (
    DEFAULT_NAME,
    cache_root,
    load_tokenizer,
    tokenizer_fingerprint,
)


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer()


def test_embedded_default_is_the_fast_mistral_tokenizer(tok):
    assert tok.is_fast and len(tok) == 32000
    assert tok.name_or_path == DEFAULT_NAME
    assert (tok.bos_token, tok.eos_token) == ("<s>", "</s>")
    # Mistral 7B prepends BOS and appends nothing; offsets come with the fast tokenizer.
    enc = tok("Hello world", return_offsets_mapping=True)
    assert enc["input_ids"][0] == tok.bos_token_id and enc["input_ids"][-1] != tok.eos_token_id
    assert enc["offset_mapping"][0] == (0, 0) and enc["offset_mapping"][-1][1] == len("Hello world")


def test_converted_default_is_cached_and_reloads_identically(tok):
    cached = list(cache_root().glob("mistral-7b-v1-*/tokenizer.json"))
    assert cached, "the converted tokenizer.json should be kept for later loads"
    from inspector.core.tokens.tokenizer import _load_default

    again = _load_default()  # bypasses the in-process memo: reads the cached file
    text = "Unicode ünïcödé 🚀 and code: def f(x):\n    return x**2 </s>"
    assert again(text)["input_ids"] == tok(text)["input_ids"]
    assert tokenizer_fingerprint(again) == tokenizer_fingerprint(tok)


def test_local_folder(tok, tmp_path):
    tok.save_pretrained(tmp_path / "mine")
    mine = load_tokenizer(tmp_path / "mine")
    assert mine("a test")["input_ids"] == tok("a test")["input_ids"]


def test_hub_name_found_in_a_local_cache(tok, tmp_path):
    # The layout huggingface_hub writes: models--org--name/{refs/main, snapshots/<commit>/}.
    repo = tmp_path / "hub" / "models--acme--tiny-tok"
    commit = "0123456789abcdef0123456789abcdef01234567"
    tok.save_pretrained(repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    cached = load_tokenizer("acme/tiny-tok", cache_dir=tmp_path / "hub")
    assert len(cached) == 32000
    assert cached("cached")["input_ids"] == tok("cached")["input_ids"]


def test_uncached_hub_name_fails_at_once_with_a_clear_message(tmp_path):
    start = time.monotonic()
    with pytest.raises(InputError) as err:
        load_tokenizer("acme/not-downloaded-anywhere", cache_dir=tmp_path / "empty")
    assert time.monotonic() - start < 30  # no retry loop against a missing network
    message = str(err.value)
    assert "acme/not-downloaded-anywhere" in message and "local" in message
    assert "never downloads" in message


def test_bad_paths_are_input_errors(tmp_path):
    afile = tmp_path / "tokenizer.json"
    afile.write_text("{}")
    with pytest.raises(InputError, match="got a file"):
        load_tokenizer(afile)
    with pytest.raises(InputError, match="no such folder"):
        load_tokenizer(tmp_path / "missing" / "sub" / "dir")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no tokenizer files"):
        load_tokenizer(tmp_path / "empty")


def test_a_folder_without_tokenizer_files_says_so(real_data, tmp_path):
    """Not transformers' guess that sentencepiece or tiktoken is missing (both are installed)."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "gsm8k_test.jsonl").symlink_to(real_data / "gsm8k_test.jsonl")
    (folder / "notes.txt").write_text("not a tokenizer\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_tokenizer(folder)
    assert "holds no tokenizer files" in str(err.value) and "tokenizer.json" in str(err.value)
    assert "sentencepiece" not in str(err.value)


def test_fingerprint_follows_the_chat_template(tok):
    import copy

    other = copy.deepcopy(tok)
    before = tokenizer_fingerprint(other)
    other.chat_template = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    assert tokenizer_fingerprint(other) != before
