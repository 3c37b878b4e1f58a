"""The app's calls into the other cores for one row or one pack, imported only when used.

Each function raises `Unavailable` with a sentence naming what is missing when the core it
needs is not installed, so a view can say "not available yet" and go on working.
"""

from __future__ import annotations

import importlib
import threading


class Unavailable(Exception):
    """The core a view needs is not installed (yet)."""


def _module(name: str, issue: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name and name.startswith(err.name):
            raise Unavailable(f"not available yet: {name} is not installed ({issue})") from None
        raise


_pipelines: dict[tuple, object] = {}
_lock = threading.Lock()


def token_pipeline(session):
    """The session's `TokenPipeline` (tokenizer loaded once per settings; thread-safe)."""
    tokenize = _module("inspector.core.tokens.tokenize", "issue 3, branch tokens")
    tokenizer_mod = _module("inspector.core.tokens.tokenizer", "issue 3, branch tokens")
    s = session.settings
    key = (s.tokenizer, s.template, s.mask, s.max_length, session.ds.format)
    with _lock:
        if key not in _pipelines:
            tok = tokenizer_mod.load_tokenizer(s.tokenizer)
            settings = tokenize.TokenSettings(
                template=s.template, mask=s.mask, max_length=s.max_length
            )
            _pipelines[key] = tokenize.TokenPipeline(tok, settings, fmt=session.ds.format)
        return _pipelines[key]


def tokenize_row(session, conv):
    """The row's `TokenizedRow` (tokens, labels, roles, truncation)."""
    return token_pipeline(session).encode(conv)


def pack_rows(lengths, max_length: int, strategy: str = "bfd"):
    """A `Packing` of the given sequence lengths (rows = positions in `lengths`)."""
    pack = _module("inspector.core.tokens.pack", "issue 3, branch tokens")
    return pack.pack(lengths, max_length, strategy)


def packing_table(lengths, max_length: int) -> list:
    """The packing simulator's rows at `max_length`: padding per batch, bfd, wrapped."""
    packsim = _module("inspector.core.tokens.packsim", "issue 3, branch tokens")
    return packsim.simulate(lengths, [max_length])
