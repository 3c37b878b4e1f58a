"""The app's calls into the tokens core for one row or one pack, imported only when used.

The session's `TokenPipeline` is built once per app and settings (loading a tokenizer takes a
second or more) and shared by the tokens analysis, the one-row view and the export.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()


def token_pipeline(session):
    """The session's `TokenPipeline` (the tokenizer loaded once per settings; thread-safe).

    The tokenizer loader reads a tokenizer folder again when one of its files changed, and
    the pipeline is rebuilt with it: an edited folder is never served from memory."""
    from inspector.core.tokens import TokenPipeline, TokenSettings, load_tokenizer

    s = session.settings
    with _lock:
        tok = load_tokenizer(s.tokenizer)
        pipe = session.pipeline
        if pipe is None or pipe.tokenizer is not tok:
            settings = TokenSettings(template=s.template, mask=s.mask, max_length=s.max_length)
            pipe = session.pipeline = TokenPipeline(tok, settings, fmt=session.ds.format)
        return pipe


def tokenize_row(session, conv):
    """The row's `TokenizedRow` (tokens, labels, roles, truncation)."""
    return token_pipeline(session).encode(conv)


def pack_rows(lengths, max_length: int, strategy: str = "bfd"):
    """A `Packing` of the given sequence lengths (rows = positions in `lengths`)."""
    from inspector.core.tokens.pack import pack

    return pack(lengths, max_length, strategy)


def packing_table(lengths, max_length: int) -> list:
    """The packing simulator's rows at `max_length`: padding per batch, bfd, wrapped."""
    from inspector.core.tokens import simulate

    return simulate(lengths, [max_length])
