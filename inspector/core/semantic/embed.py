"""Embeddings of a dataset's rows: which text is embedded, which model, and a resumable cache.

`embed_dataset(ds)` is a progress generator returning `Embeddings`: one L2-normalized float32
row per dataset row (splits in `ds.splits` order), memory-mapped from
``<state dir>/cache/embeddings/<key>.npy``. The key hashes the data fingerprint, the model and
the text choice, so a second run on unchanged data loads the array without loading any model.
While it runs, vectors go to ``<key>.partial.npy`` and finished rows are ticked in
``<key>.done.npy``; an interrupted run picks up where it stopped.

`embed_texts(texts)` is the same computation over a plain list of strings, in memory.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inspector.core.cache import make_key
from inspector.core.data.conversation import TEXT, USER, Conversation
from inspector.core.errors import InputError, RowError
from inspector.core.progress import Progress, check
from inspector.core.rowkeys import RowKeys
from inspector.core.semantic import encoders

#: Which text of a row is embedded. The default is the prompt followed by the response.
TEXT_CHOICES = ("prompt_response", "prompt", "response", "conversation")
#: Characters embedded per row: enough for a topic, bounded so one huge row cannot stall a batch.
MAX_CHARS = 2000
#: Rows the TF-IDF vocabulary and SVD basis are fitted on (a seeded sample of larger data).
FIT_ROWS = 20_000
#: Rows read from the dataset at a time; each block is encoded longest-first.
BLOCK = 16_384
#: 2: shared preambles are left out of the prompt.
_VERSION = 2


def text_of(
    conv: Conversation | None,
    choice: str = "prompt_response",
    max_chars=MAX_CHARS,
    preambles=None,
) -> str:
    """The text of `conv` to embed under `choice` (see `TEXT_CHOICES`), cut to `max_chars`.

    ``prompt`` is the first user turn (not the system prompt, which is often shared by every row
    and would pull all rows together); ``response`` the trained-on response (the chosen one for
    preference rows); ``conversation`` every turn. A plain-text row is its own prompt and response.
    `preambles` (`inspector.core.data.preamble.Preambles`, found on the dataset's prompts) are
    left out of the prompt, for the same reason.
    """
    if conv is None:
        return ""
    if choice not in TEXT_CHOICES:
        raise ValueError(f"unknown text choice {choice!r}; expected one of {TEXT_CHOICES}")
    if choice == "conversation":
        return conv.all_text()[:max_chars]
    prompt = next((t.content for t in conv.turns if t.role in (USER, TEXT)), "")
    if preambles:
        prompt = preambles.strip(prompt)
    response = conv.response_text()
    if choice == "prompt":
        return prompt[:max_chars]
    if choice == "response":
        return response[:max_chars]
    if prompt == response or not response:  # text rows: the document is both
        return prompt[:max_chars]
    if not prompt:
        return response[:max_chars]
    # Give the prompt at most half when both are long; a short prompt leaves room to the response.
    head = prompt[: max(max_chars // 2, max_chars - len(response) - 2)]
    return (head + "\n\n" + response)[:max_chars]


@dataclass
class Embeddings:
    """The result of `embed_dataset`."""

    vectors: np.ndarray
    """(rows, dim) float32, L2-normalized; zero rows for rows with no text or no normal form."""
    keys: RowKeys
    model_name: str
    text: str
    path: Path | None = None
    key: str = ""
    """The cache key (other analyses derived from these vectors key their caches on it)."""


def resolve_model(model: str, device: str | None = None) -> str:
    """Turn ``auto`` into ``minilm`` on a GPU (cuda or mps) and ``tfidf`` on a CPU.

    MiniLM runs at ~85 rows/s on two CPU cores; the TF-IDF path is far faster and, measured on
    the acceptance mix, separates topics as well, so the CPU default is TF-IDF at every size.
    """
    if model != "auto":
        return model
    device = device or encoders.pick_device()
    return encoders.BUNDLED if device in ("cuda", "mps") else encoders.FAST


def embed_texts(texts: Sequence[str], *, model: str = "auto", cancel=None, seed: int = 0):
    """Progress generator: embed a list of strings in memory; returns `(vectors, model_name)`."""
    check(cancel)
    n = len(texts)
    device = encoders.pick_device()
    enc = encoders.load_encoder(resolve_model(model, device), device, seed=seed)
    texts = [t[:MAX_CHARS] for t in texts]
    out = np.zeros((n, enc.dim), dtype=np.float32)
    done = np.zeros(n, dtype=np.uint8)
    if enc.needs_fit:
        yield Progress("fit embedding", 0, n)
        sample = texts if n <= FIT_ROWS else _sample(texts, n)
        vecs = enc.fit_encode(sample)
        if n <= FIT_ROWS:
            out[:], done[:] = vecs, 1
    yield from _encode_blocks(enc, n, lambda a, b: texts[a:b], out, done, cancel)
    return out, enc.name


def embeddings_key(ds, *, model: str = "auto", text: str = "prompt_response") -> str:
    """The cache key of `embed_dataset(ds, model=model, text=text)`: the data, the model's
    identity (`auto` resolved on this machine's device), the text choice and `_VERSION`."""
    return make_key(
        kind="embeddings",
        v=_VERSION,
        data=ds.fingerprint,
        model=encoders.model_identity(resolve_model(model)),
        text=text,
        max_chars=MAX_CHARS,
    )


def embed_dataset(ds, *, model: str = "auto", text: str = "prompt_response", cancel=None):
    """Progress generator: embed every row of `ds` (see the module docstring); returns `Embeddings`.

    Rows that fail to normalize, and rows whose chosen text is empty, get a zero vector.
    """
    if text not in TEXT_CHOICES:
        raise InputError(f"unknown --embed-text {text!r}; choose one of {', '.join(TEXT_CHOICES)}")
    keys = RowKeys(ds.splits, [ds.num_rows(s) for s in ds.splits])
    n = len(keys)
    device = encoders.pick_device()
    spec = resolve_model(model, device)
    if n == 0:
        return Embeddings(np.zeros((0, 0), dtype=np.float32), keys, spec, text)
    key = embeddings_key(ds, model=spec, text=text)
    final = ds.cache.path("embeddings", key, "npy")
    meta = ds.cache.get_json("embeddings", key)
    if meta and final.exists():
        vectors = _cached_vectors(final, n)
        if vectors is not None and isinstance(meta, dict) and "model_name" in meta:
            return Embeddings(vectors, keys, meta["model_name"], text, final, key)
        ds.cache.discard("embeddings", key)  # damaged: computed again below

    enc = encoders.load_encoder(spec, device)
    shared = _preambles(ds, keys) if text in ("prompt_response", "prompt") else None
    partial = ds.cache.path("embeddings", key, "partial.npy")
    done_path = ds.cache.path("embeddings", key, "done.npy")
    if enc.needs_fit:
        yield Progress("fit embedding", 0, n)
        state_path = ds.cache.path("embeddings", key, "tfidf.npz")
        enc, vecs = _fitted(enc, ds, keys, text, state_path, cancel, shared)
        out, done = _open_partial(partial, done_path, n, enc.dim)
        if vecs is not None:  # the sample was every row: their vectors are already made
            out[:], done[:] = vecs, 1
    else:
        out, done = _open_partial(partial, done_path, n, enc.dim)

    def read(a: int, b: int) -> list[str]:
        return _read_texts(ds, keys, a, b, text, shared)

    yield from _encode_blocks(enc, n, read, out, done, cancel)
    out.flush()
    del out, done
    os.replace(partial, final)
    done_path.unlink(missing_ok=True)
    ds.cache.put_json("embeddings", key, {"model_name": enc.name, "rows": n, "text": text})
    return Embeddings(np.load(final, mmap_mode="r"), keys, enc.name, text, final, key)


def encode_window(enc, ds, start: int, stop: int, text: str) -> np.ndarray:
    """The vectors of global rows [start, stop) (`start` a multiple of `BLOCK`, at most one
    block), made exactly as `embed_dataset` makes them: an engine that encodes blocks
    elsewhere calls this, so its vectors are the local ones."""
    keys = RowKeys(ds.splits, [ds.num_rows(s) for s in ds.splits])
    n = stop - start
    out = np.zeros((n, enc.dim), dtype=np.float32)
    done = np.zeros(n, dtype=np.uint8)

    def read(a: int, b: int) -> list[str]:
        return _read_texts(ds, keys, start + a, start + b, text)

    for _ in _encode_blocks(enc, n, read, out, done, None):
        pass
    return out


def fit_encoder(enc, ds, text: str, state_path: Path, cancel=None):
    """`enc` fitted as `embed_dataset` fits it (a seeded sample; the basis saved at
    `state_path` for workers to load with `TfidfSvdEncoder.from_state`)."""
    keys = RowKeys(ds.splits, [ds.num_rows(s) for s in ds.splits])
    return _fitted(enc, ds, keys, text, state_path, cancel)[0]


def _encode_blocks(enc, n: int, read: Callable[[int, int], list[str]], out, done, cancel):
    """Fill `out` block by block, longest texts first, ticking `done` after every write."""
    step = max(enc.batch_size * 8, 256) if hasattr(enc, "batch_size") else 4096
    finished = int(done.sum())
    yield Progress("embed", finished, n)
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        todo = np.flatnonzero(done[start:stop] == 0)
        if todo.size == 0:
            continue
        check(cancel)
        texts = read(start, stop)
        empty = [i for i in todo if not texts[i].strip()]
        out[start + np.asarray(empty, dtype=np.int64)] = 0.0
        done[start + np.asarray(empty, dtype=np.int64)] = 1
        finished += len(empty)
        # Longest first, so each batch pads to a similar length (and memory peaks early).
        order = sorted((i for i in todo if texts[i].strip()), key=lambda i: -len(texts[i]))
        for a in range(0, len(order), step):
            check(cancel)
            piece = np.asarray(order[a : a + step], dtype=np.int64)
            out[start + piece] = enc.encode([texts[i] for i in piece])
            _flush(out)
            done[start + piece] = 1
            _flush(done)
            finished += piece.size
            yield Progress("embed", finished, n)


def _preambles(ds, keys: RowKeys):
    """Text shared verbatim by many first user turns, found on a spread sample of them."""
    from inspector.core.data.preamble import find_preambles, sample_positions

    texts = texts_at(ds, keys, sample_positions(len(keys)), "prompt")
    return find_preambles(texts)


def _read_texts(ds, keys: RowKeys, a: int, b: int, choice: str, preambles=None) -> list[str]:
    """Texts of global rows [a, b), which may span splits; rows that fail to normalize give ''."""
    texts: list[str] = []
    for s, split in enumerate(keys.splits):
        lo, hi = int(keys.offsets[s]), int(keys.offsets[s + 1])
        if hi <= a or lo >= b:
            continue
        start, stop = max(a, lo) - lo, min(b, hi) - lo
        for _row, conv, _problem in ds.iter_conversations(split, start=start, stop=stop):
            texts.append(text_of(conv, choice, preambles=preambles))
    return texts


def texts_at(ds, keys: RowKeys, indices: Sequence[int], choice: str, preambles=None) -> list[str]:
    """Texts of the given global row positions (random access, for samples and examples)."""
    out = []
    for i in indices:
        split, row = keys[int(i)]
        try:
            out.append(text_of(ds.conversation(split, row), choice, preambles=preambles))
        except RowError:
            out.append("")
    return out


def _sample(items: Sequence, n: int) -> list:
    """A seeded sample of `FIT_ROWS` items, in their original order."""
    return [items[int(i)] for i in _sample_positions(n)]


def _sample_positions(n: int) -> np.ndarray:
    return np.sort(np.random.default_rng(0).choice(n, FIT_ROWS, replace=False))


def _fitted(enc, ds, keys: RowKeys, choice: str, state_path: Path, cancel, preambles=None):
    """Fit `enc` on a seeded sample of rows, or reload the basis an interrupted run saved.

    Returns `(encoder, vectors)`; `vectors` holds every row's vector when the sample was the
    whole dataset (so the words are counted once), else None.
    """
    if state_path.exists():
        try:
            with np.load(state_path, allow_pickle=False) as state:
                return encoders.TfidfSvdEncoder.from_state(state), None
        except (OSError, ValueError, EOFError, KeyError):
            state_path.unlink(missing_ok=True)  # damaged: fitted again below
    n = len(keys)
    check(cancel)
    if n <= FIT_ROWS:
        sample = _read_texts(ds, keys, 0, n, choice, preambles)
    else:
        sample = texts_at(ds, keys, _sample_positions(n), choice, preambles)
    vecs = enc.fit_encode(sample)
    state_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = state_path.with_name(state_path.name + ".tmp.npz")
    np.savez(tmp, **enc.state())
    os.replace(tmp, state_path)
    return enc, (vecs if n <= FIT_ROWS else None)


def _cached_vectors(path: Path, n: int):
    """The cached vectors, or None for an entry that is damaged or of another shape (never
    loaded as a pickle: a file that is not a plain float32 array is simply recomputed)."""
    try:
        vectors = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if vectors.ndim != 2 or vectors.shape[0] != n or vectors.dtype != np.float32:
        return None
    return vectors


def _open_partial(partial: Path, done_path: Path, n: int, dim: int):
    """Reopen an interrupted run's arrays when they match, else start fresh ones."""
    partial.parent.mkdir(parents=True, exist_ok=True)
    try:
        out = np.load(partial, mmap_mode="r+")
        done = np.load(done_path, mmap_mode="r+")
        if out.shape == (n, dim) and out.dtype == np.float32 and done.shape == (n,):
            return out, done
    except (FileNotFoundError, ValueError, OSError):
        pass
    out = np.lib.format.open_memmap(partial, mode="w+", dtype=np.float32, shape=(n, dim))
    done = np.lib.format.open_memmap(done_path, mode="w+", dtype=np.uint8, shape=(n,))
    return out, done


def _flush(arr) -> None:
    if isinstance(arr, np.memmap):
        arr.flush()
