"""Loading the tokenizer: the embedded Mistral 7B default, a local folder, or a cached Hub name.

No code path here touches the network. The embedded default is the SentencePiece model shipped
inside `mistral-common`; converting it to a fast tokenizer (needed for offset mappings) takes
seconds, so the converted `tokenizer.json` is kept in a per-user cache folder and later loads
read that instead. A Hub name is only looked up in the local Hugging Face cache
(`local_files_only=True`); a name that is not there fails at once with an `InputError`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import weakref
from functools import lru_cache
from pathlib import Path
from typing import Any

from inspector.core.errors import InputError

#: The name the embedded default goes by in output, manifests and cache keys.
DEFAULT_NAME = "mistral-7b-v1 (embedded, mistral-common)"
_DEFAULT_MODEL = "tokenizer.model.v1"


def cache_root() -> Path:
    """The per-user folder holding converted tokenizers (honours XDG_CACHE_HOME)."""
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "inspector" / "tokenizers"


def default_model_file() -> Path:
    """The Mistral 7B SentencePiece model shipped inside the `mistral-common` package."""
    try:
        import mistral_common
    except ImportError as err:  # pragma: no cover - a required dependency
        raise InputError(
            "The embedded tokenizer needs the `mistral-common` package: pip install mistral-common"
        ) from err
    path = Path(mistral_common.__file__).parent / "data" / _DEFAULT_MODEL
    if not path.is_file():
        raise InputError(f"mistral-common is installed but {path} is missing; reinstall it.")
    return path


def load_tokenizer(spec: str | os.PathLike | None = None, cache_dir: str | None = None) -> Any:
    """Return a fast (offset-capable) Hugging Face tokenizer.

    `spec` is None for the embedded Mistral 7B tokenizer, a folder holding a tokenizer, or a
    Hub name already in the local Hugging Face cache (`cache_dir`, default the usual
    ``HF_HUB_CACHE``). Raises `InputError` with a user-facing message when the tokenizer cannot
    be loaded; never waits on the network. Loads are memoized per process.
    """
    key = None if spec is None else str(spec)
    return _load_cached(key, None if cache_dir is None else str(cache_dir))


@lru_cache(maxsize=8)
def _load_cached(spec: str | None, cache_dir: str | None) -> Any:
    if spec is None:
        tok = _load_default()
    else:
        tok = _load_named(spec, cache_dir)
    if not getattr(tok, "is_fast", False):
        raise InputError(
            f"The tokenizer {spec!r} is a slow (Python) tokenizer; inspector needs a fast one for "
            "its offset mapping. Provide a folder with a tokenizer.json."
        )
    return tok


def _load_default() -> Any:
    from transformers import LlamaTokenizer, PreTrainedTokenizerFast

    model = default_model_file()
    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:16]
    folder = cache_root() / f"mistral-7b-v1-{digest}"
    if (folder / "tokenizer.json").is_file():
        try:
            # Reading tokenizer.json directly is ~3x faster than AutoTokenizer on the folder;
            # the file keeps the BOS-adding post-processor, so behaviour is the same.
            tok = PreTrainedTokenizerFast(
                tokenizer_file=str(folder / "tokenizer.json"),
                bos_token="<s>",
                eos_token="</s>",
                unk_token="<unk>",
            )
            if len(tok) == 32000:
                tok.name_or_path = DEFAULT_NAME
                return tok
        except Exception:  # noqa: BLE001 - a damaged cache entry of any kind: rebuild it below
            pass
    with tempfile.TemporaryDirectory() as tmp:
        # transformers 5 converts a SentencePiece model to a fast tokenizer only through
        # from_pretrained on a folder holding `tokenizer.model`.
        (Path(tmp) / "tokenizer.model").symlink_to(model)
        # Mistral 7B's own configuration: a BOS is prepended, no EOS appended.
        tok = LlamaTokenizer.from_pretrained(tmp, add_bos_token=True, add_eos_token=False)
    if len(tok) != 32000:
        raise InputError(
            f"Converting {model} gave a vocabulary of {len(tok)} tokens instead of 32000; "
            "check the installed transformers, sentencepiece and protobuf versions."
        )
    _save_atomically(tok, folder)
    tok.name_or_path = DEFAULT_NAME
    return tok


def _save_atomically(tok: Any, folder: Path) -> None:
    """Save a converted tokenizer; a failure only costs the next load its speed."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
        tok.save_pretrained(tmp)
        try:
            os.replace(tmp, folder)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # another process won the race
    except OSError:
        pass


#: Files a tokenizer folder holds at least one of (fast, sentencepiece, BPE, WordPiece, Tekken).
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "tokenizer.model",
    "vocab.json",
    "vocab.txt",
    "tekken.json",
)


def _is_tokenizer_file(p: Path) -> bool:
    return p.is_file() and (p.name in TOKENIZER_FILES or p.suffix in (".model", ".tiktoken"))


def _load_named(spec: str, cache_dir: str | None) -> Any:
    from transformers import AutoTokenizer

    path = Path(spec).expanduser()
    if path.exists():
        if not path.is_dir():
            raise InputError(
                f"--tokenizer {spec}: expected a folder holding a tokenizer, got a file."
            )
        if not any(_is_tokenizer_file(p) for p in path.iterdir()):
            # transformers would go on to guess and blame a missing sentencepiece/tiktoken.
            raise InputError(
                f"--tokenizer {spec}: this folder holds no tokenizer files (looked for "
                + ", ".join(TOKENIZER_FILES)
                + ", *.model, *.tiktoken). Pass the folder of a saved tokenizer or model."
            )
        try:
            return AutoTokenizer.from_pretrained(path, local_files_only=True)
        except InputError:
            raise
        except Exception as err:  # noqa: BLE001 - a folder of the wrong shape fails anyhow
            why = str(err) if isinstance(err, (OSError, ValueError)) else repr(err)
            raise InputError(
                f"--tokenizer {spec}: could not load a tokenizer from this folder ({why})."
            ) from err
    if spec.count("/") > 1 or spec.startswith((".", "/", "~")):
        raise InputError(f"--tokenizer {spec}: no such folder.")
    try:
        return AutoTokenizer.from_pretrained(spec, local_files_only=True, cache_dir=cache_dir)
    except (OSError, ValueError) as first:
        err = first
    try:
        # A tokenizer-only repository (no config.json) loads from its snapshot folder.
        from huggingface_hub import snapshot_download

        folder = snapshot_download(spec, local_files_only=True, cache_dir=cache_dir)
        return AutoTokenizer.from_pretrained(folder, local_files_only=True)
    except Exception:  # noqa: BLE001 - any failure here means: not usable from the cache
        pass
    raise InputError(
        f"--tokenizer {spec}: not a local folder, and not a Hub name found in the local Hugging "
        "Face cache. inspector never downloads; fetch it first on a machine with access "
        f"(e.g. `huggingface-cli download {spec}`) or pass a folder."
    ) from err


_FINGERPRINTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def tokenizer_fingerprint(tok: Any) -> str:
    """A short hash of the tokenizer's vocabulary, rules and chat template, for cache keys."""
    try:
        backend = _FINGERPRINTS[tok]
    except (KeyError, TypeError):
        # Serializing the vocabulary costs milliseconds: do it once per tokenizer object.
        backend = hashlib.sha256(tok.backend_tokenizer.to_str().encode()).hexdigest()
        try:
            _FINGERPRINTS[tok] = backend
        except TypeError:
            pass
    # The chat template is hashed each time: callers may set it after loading.
    h = hashlib.sha256(backend.encode())
    h.update(str(tok.chat_template or "").encode())
    return h.hexdigest()[:16]


def tokenizer_name(tok: Any) -> str:
    """The name to show for a tokenizer (the embedded one reads as `DEFAULT_NAME`)."""
    return str(getattr(tok, "name_or_path", "") or "tokenizer")
