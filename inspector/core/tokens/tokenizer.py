"""Loading the tokenizer: the embedded Mistral 7B default, a local folder, or a cached Hub name.

No code path here touches the network. The embedded default is the SentencePiece model shipped
inside `mistral-common`; converting it to a fast tokenizer (needed for offset mappings) takes
seconds, so the converted `tokenizer.json` is kept in a per-user cache folder and later loads
read that instead. A Hub name is only looked up in the local Hugging Face cache
(`local_files_only=True`); a name that is not there fails at once with an `InputError`.

No code that comes with a tokenizer ever runs: every load passes `trust_remote_code=False`
(transformers would otherwise ask "run the custom code? [y/N]" on standard input, where a piped
`y` is enough), and a folder whose configuration names custom code (`auto_map`) is refused
before transformers reads it, with a note on saving a plain `tokenizer.json` instead.
"""

from __future__ import annotations

import hashlib
import json
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
    be loaded; never waits on the network. Loads are memoized per process, a folder's for as
    long as its files are unchanged (an edited tokenizer folder is read again).
    """
    key = None if spec is None else str(spec)
    return _load_cached(key, None if cache_dir is None else str(cache_dir), folder_stamp(key))


def folder_stamp(spec: str | None) -> tuple:
    """`(name, size, mtime_ns)` of each file of a tokenizer folder (empty for anything else):
    a write to any of them gives another stamp."""
    if spec is None:
        return ()
    path = Path(spec).expanduser()
    try:
        if not path.is_dir():
            return ()
        files = [(p.name, p.stat()) for p in path.iterdir() if p.is_file()]
    except OSError:
        return ()
    return tuple(sorted((name, st.st_size, st.st_mtime_ns) for name, st in files))


@lru_cache(maxsize=8)
def _load_cached(spec: str | None, cache_dir: str | None, stamp: tuple = ()) -> Any:
    from inspector.core.offline import no_phone_home

    no_phone_home()
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
        tok = LlamaTokenizer.from_pretrained(
            tmp, add_bos_token=True, add_eos_token=False, trust_remote_code=False
        )
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


#: Configuration files where a tokenizer can name its own Python code (`auto_map`).
CODE_CONFIGS = ("tokenizer_config.json", "config.json")


def custom_code(folder: Path) -> str | None:
    """What in `folder` asks for a tokenizer class of its own Python code, or None.

    Reads only the JSON configurations (a file that is not JSON is left for the load to
    report). An `auto_map` naming `AutoTokenizer` (or the older list form) means the
    tokenizer is that code: loading it any other way would tokenize differently from what
    the folder says.
    """
    for name in CODE_CONFIGS:
        try:
            config = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        auto_map = config.get("auto_map") if isinstance(config, dict) else None
        if isinstance(auto_map, dict):
            ref = auto_map.get("AutoTokenizer")
        else:
            ref = auto_map if isinstance(auto_map, (list, tuple)) else None
        if isinstance(ref, (list, tuple)):
            ref = next((r for r in reversed(ref) if r), None)
        if ref:
            return f"{name} maps AutoTokenizer to {ref}"
    return None


def refuse_custom_code(spec: str, folder: Path) -> None:
    """Raise `InputError` when the tokenizer in `folder` needs its own code (see `custom_code`)."""
    why = custom_code(folder)
    if why is None:
        return
    raise InputError(
        f"--tokenizer {spec}: this tokenizer needs custom Python code from its folder ({why}), "
        "and inspector never runs code that comes with a model or tokenizer. Give it a plain "
        "fast tokenizer instead: on a machine where you trust that code, load it with "
        "`AutoTokenizer.from_pretrained(FOLDER, trust_remote_code=True)`, save its rules with "
        '`tok.backend_tokenizer.save("plain/tokenizer.json")` (add a tokenizer_config.json '
        "without auto_map for the special tokens and chat template), and pass --tokenizer "
        "plain."
    )


def check_tokenizer_spec(spec: str | os.PathLike | None) -> None:
    """Refuse at once, reading only small JSON files, a `--tokenizer` folder that needs custom
    code (the app calls it before its first frame; a full load happens later, in a worker)."""
    if spec is None:
        return
    path = Path(spec).expanduser()
    if path.is_dir():
        refuse_custom_code(str(spec), path)


def _from_pretrained(spec: str, folder, **kwargs) -> Any:
    """`AutoTokenizer.from_pretrained` that never runs the folder's code and never asks to."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(
            folder, local_files_only=True, trust_remote_code=False, **kwargs
        )
    except ValueError as err:
        # Configurations `custom_code` does not read (a model config's own auto_map, an
        # upstream repository): transformers refuses with trust_remote_code=False; say it so.
        if "trust_remote_code" in str(err):
            raise InputError(
                f"--tokenizer {spec}: this tokenizer needs custom Python code, and inspector "
                "never runs code that comes with a model or tokenizer. Save a plain fast "
                'tokenizer (`tok.backend_tokenizer.save("plain/tokenizer.json")`) on a machine '
                "where you trust that code, and pass --tokenizer plain."
            ) from None
        raise


def _load_named(spec: str, cache_dir: str | None) -> Any:
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
        refuse_custom_code(spec, path)
        try:
            return _from_pretrained(spec, path)
        except InputError:
            raise
        except Exception as err:  # noqa: BLE001 - a folder of the wrong shape fails anyhow
            why = str(err) if isinstance(err, (OSError, ValueError)) else repr(err)
            raise InputError(
                f"--tokenizer {spec}: could not load a tokenizer from this folder ({why})."
            ) from err
    if spec.count("/") > 1 or spec.startswith((".", "/", "~")):
        raise InputError(f"--tokenizer {spec}: no such folder.")
    # A Hub name: only its snapshot in the local cache is read, and checked like a folder.
    from huggingface_hub import snapshot_download

    try:
        folder = Path(snapshot_download(spec, local_files_only=True, cache_dir=cache_dir))
    except Exception as err:  # noqa: BLE001 - any failure here means: not usable from the cache
        raise InputError(
            f"--tokenizer {spec}: not a local folder, and not a Hub name found in the local "
            "Hugging Face cache. inspector never downloads; fetch it first on a machine with "
            f"access (e.g. `huggingface-cli download {spec}`) or pass a folder."
        ) from err
    refuse_custom_code(spec, folder)
    try:
        return _from_pretrained(spec, folder)
    except (OSError, ValueError, TypeError) as err:
        raise InputError(
            f"--tokenizer {spec}: the cached copy of this Hub name holds no tokenizer that "
            f"loads ({err})."
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
