"""Embeddings: which text is embedded, the TF-IDF path, the cache, resuming, and no network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from inspector.core.data.conversation import ASSISTANT, SYSTEM, TEXT, USER, Conversation, Turn
from inspector.core.data.dataset import open_dataset
from inspector.core.errors import InputError
from inspector.core.progress import Cancelled, run
from inspector.core.semantic import embed, encoders
from inspector.core.semantic.embed import RowKeys, embed_dataset, embed_texts, text_of
from tests.conftest import ROOT
from tests.core.topic_mix import four_source_mix


def _chat(*turns, chosen=None):
    conv = Conversation("messages", [Turn(role, text) for role, text in turns])
    if chosen is not None:
        conv.format, conv.chosen, conv.rejected = "preference", [Turn(ASSISTANT, chosen)], []
    return conv


def test_text_choices():
    conv = _chat(
        (SYSTEM, "You are helpful."),
        (USER, "What is 2+2?"),
        (ASSISTANT, "4"),
        (USER, "And 3+3?"),
        (ASSISTANT, "6"),
    )
    assert text_of(conv, "prompt") == "What is 2+2?"  # first user turn, not the system prompt
    assert text_of(conv, "response") == "6"
    assert text_of(conv, "prompt_response") == "What is 2+2?\n\n6"
    assert text_of(conv, "conversation") == "You are helpful.\n\nWhat is 2+2?\n\n4\n\nAnd 3+3?\n\n6"
    pref = _chat((USER, "Pick one"), chosen="this one")
    assert text_of(pref, "prompt_response") == "Pick one\n\nthis one"
    doc = Conversation("text", [Turn(TEXT, "a plain document", trained=True)])
    assert {text_of(doc, c) for c in embed.TEXT_CHOICES} == {"a plain document"}
    assert text_of(None) == ""
    with pytest.raises(ValueError):
        text_of(conv, "everything")


def test_long_rows_are_cut_keeping_both_prompt_and_response():
    conv = _chat((USER, "p" * 5000), (ASSISTANT, "r" * 5000))
    text = text_of(conv, "prompt_response")
    assert len(text) == embed.MAX_CHARS
    assert text.count("p") == embed.MAX_CHARS // 2 and "r" * 900 in text
    short = text_of(_chat((USER, "p" * 5000), (ASSISTANT, "ok")), "prompt_response")
    assert short.endswith("\n\nok") and len(short) == embed.MAX_CHARS


def test_row_keys_behave_like_the_list():
    keys = RowKeys(["train", "test"], [3, 2])
    expected = [("train", 0), ("train", 1), ("train", 2), ("test", 0), ("test", 1)]
    assert list(keys) == expected and keys == expected and len(keys) == 5
    assert keys[3] == ("test", 0) and keys[-1] == ("test", 1) and keys[1:3] == expected[1:3]
    assert keys.index(("test", 1)) == 4
    with pytest.raises(IndexError):
        keys[5]


def test_tfidf_vectors_are_unit_or_zero_and_reload_exactly(real_data):
    texts, sources = four_source_mix(real_data)
    texts, sources = texts[300:500] + ["", "zzzqqq xxyyzz"], sources[300:500]  # GSM8K, HumanEval
    enc = encoders.TfidfSvdEncoder()
    vecs = enc.fit_encode(texts)
    assert vecs.dtype == np.float32 and vecs.shape == (202, 128)
    norms = np.linalg.norm(vecs, axis=1)
    assert np.allclose(norms[:200], 1, atol=1e-5) and norms[200] == 0 and norms[201] == 0
    again = encoders.TfidfSvdEncoder.from_state(enc.state()).encode(texts)
    assert np.allclose(again, vecs, atol=1e-5)
    # Each row's nearest other row comes from its own source (maths word problem vs code).
    sims = vecs[:200] @ vecs[:200].T
    np.fill_diagonal(sims, -1)
    nearest = sims.argmax(axis=1)
    same = np.mean([sources[i] == sources[j] for i, j in enumerate(nearest)])
    assert same >= 0.98


def test_auto_is_tfidf_on_cpu_and_minilm_on_a_gpu():
    assert embed.resolve_model("auto", "cpu") == "tfidf"
    assert embed.resolve_model("auto", "cuda") == embed.resolve_model("auto", "mps") == "minilm"
    assert embed.resolve_model("/some/folder", "cpu") == "/some/folder"
    assert encoders.pick_device() in ("cpu", "cuda", "mps")


def _messages_dataset(tmp_path, n=40):
    """A messages JSONL of real questions, with row 5 broken (an unknown role)."""
    path = tmp_path / "data" / "chat.jsonl"
    path.parent.mkdir()
    topics = ["apples and pears in the orchard", "python lists and loops", "rain and the weather"]
    with open(path, "w") as f:
        for i in range(n):
            role = "wizard" if i == 5 else "user"
            msgs = [
                {"role": role, "content": f"Tell me about {topics[i % 3]} #{i}"},
                {"role": "assistant", "content": f"Here is a note on {topics[i % 3]}."},
            ]
            f.write(json.dumps({"messages": msgs}) + "\n")
    return path


def test_embed_dataset_shape_order_zero_rows_and_cache(tmp_path, monkeypatch):
    ds = open_dataset(_messages_dataset(tmp_path))
    emb = run(embed_dataset(ds))
    assert emb.model_name == "tfidf-svd-128" and emb.keys == [("train", i) for i in range(40)]
    assert isinstance(emb.vectors, np.memmap) and emb.vectors.dtype == np.float32
    norms = np.linalg.norm(emb.vectors, axis=1)
    assert norms[5] == 0  # the row that fails to normalize
    assert np.allclose(np.delete(norms, 5), 1, atol=1e-5)
    same_topic = emb.vectors[0] @ emb.vectors[3]
    other_topic = emb.vectors[0] @ emb.vectors[1]
    assert same_topic > other_topic
    assert emb.path.parent == ds.state_dir / "cache" / "embeddings"

    def no_model(*args, **kwargs):
        raise AssertionError("a model was loaded although the cache should answer")

    monkeypatch.setattr(encoders, "load_encoder", no_model)
    again = run(embed_dataset(open_dataset(ds.path)))
    assert np.array_equal(np.asarray(again.vectors), np.asarray(emb.vectors))
    # A different text choice is a different cache entry, so it needs the model.
    with pytest.raises(AssertionError, match="model was loaded"):
        run(embed_dataset(open_dataset(ds.path), text="response"))


def test_an_interrupted_embedding_resumes_where_it_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(embed, "BLOCK", 10)  # 4 blocks of 10 rows
    monkeypatch.setattr(embed, "FIT_ROWS", 20)  # fitted on a sample, encoded block by block
    encoded = []
    real_encode = encoders.TfidfSvdEncoder.encode

    def counting(self, texts):
        encoded.extend(texts)
        return real_encode(self, texts)

    monkeypatch.setattr(encoders.TfidfSvdEncoder, "encode", counting)
    ds = open_dataset(_messages_dataset(tmp_path))
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        for p in embed_dataset(ds, cancel=cancel):
            if p.step == "embed" and p.done >= 10:
                cancel.set()  # "Ctrl-C" after the first block
    first = len(encoded)
    assert first == 9  # rows 0-9 but row 5, which has no text
    folder = ds.state_dir / "cache" / "embeddings"
    assert list(folder.glob("*.partial.npy")) and list(folder.glob("*.tfidf.npz"))
    emb = run(embed_dataset(ds))
    assert len(encoded) == 39  # the second run encoded only the 30 rows left
    assert not list(folder.glob("*.partial.npy")) and not list(folder.glob("*.done.npy"))
    fresh = run(embed_dataset(open_dataset(ds.path, state_dir=tmp_path / "fresh")))
    assert np.allclose(np.asarray(emb.vectors), np.asarray(fresh.vectors), atol=1e-5)


def test_cancel_raises(tmp_path):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        run(embed_texts(["a b c"] * 10, cancel=cancel))


def test_unknown_model_or_text_choice_is_a_clear_error(tmp_path):
    ds = open_dataset(_messages_dataset(tmp_path))
    with pytest.raises(InputError, match="--embed-text"):
        run(embed_dataset(ds, text="all"))
    with pytest.raises(InputError, match="does not exist"):
        encoders.load_encoder(str(tmp_path / "no-such-model"), "cpu")


OFFLINE = r"""
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("network blocked by the test")
socket.create_connection = refuse
socket.socket.connect = refuse
from inspector.core.semantic import encoders
from inspector.core.errors import InputError
from inspector.core.semantic.embed import embed_texts
from inspector.core.progress import run
vecs, name = run(embed_texts(["how do I bake bread", "def add(a, b): return a + b"],
                             model="minilm"))
assert name == "all-MiniLM-L6-v2" and vecs.shape == (2, 384), (name, vecs.shape)
try:
    encoders.load_encoder("sentence-transformers/all-mpnet-base-v2", "cpu")
except InputError as err:
    assert "never downloads" in str(err)
else:
    raise AssertionError("a model missing from the empty cache loaded")
print("ok")
"""


@pytest.mark.slow
def test_works_offline_with_an_empty_hub_cache(tmp_path):
    """Network unreachable, HF_HUB_OFFLINE unset, an empty HF_HOME: MiniLM still loads and a
    model that is not there fails at once with a clear message (no hang, no download)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_HOME=str(tmp_path / "hf"), PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-c", OFFLINE], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("ok")
    assert not any((tmp_path / "hf").rglob("*.safetensors"))


def test_text_choices_on_real_preference_rows(real_data):
    """hh-rlhf transcripts: the prompt is the first Human turn, the response the chosen reply."""
    texts, _ = four_source_mix(real_data)
    ds = open_dataset(real_data / "hh-rlhf_harmless-base_test.jsonl.gz")
    split = ds.splits[0]
    for row in range(20):
        conv = ds.conversation(split, row)
        assert text_of(conv, "prompt") == texts[row]
        assert text_of(conv, "response") == conv.chosen[-1].content
        both = text_of(conv, "prompt_response")
        assert both.startswith(texts[row][:500]) and len(both) <= embed.MAX_CHARS
