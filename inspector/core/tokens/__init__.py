"""Tokens: what the trainer sees.

`tokenizer` loads a tokenizer (the embedded Mistral default, a local folder, a cached Hub name),
never running code from a model folder; `templates` (with `builtin_templates`, `chat_template`
and the shared `rendered` pieces) renders a conversation to text with a span per turn;
`tokenize` turns that into `input_ids` and `labels` under a masking mode (`presplit` makes
SentencePiece-style tokenizers fast without changing a single id); `facts` gives per-row token
counts for the scan and the app; `lint` checks templates against the data; `pack` and `packsim`
pack sequences best-fit decreasing; `bytetokens` shows byte-fallback tokens readably.
"""

from inspector.core.faces import lazy_face

#: Public name -> the module of this package that defines it (imported on first use).
_EXPORTS = {
    "DEFAULT_MAX_LENGTH": "tokenize",
    "IGNORE_INDEX": "tokenize",
    "MASK_MODES": "tokenize",
    "Rendered": "rendered",
    "SIDES": "tokenize",
    "TEMPLATE_NAMES": "templates",
    "TokenPipeline": "tokenize",
    "TokenSettings": "tokenize",
    "assemble": "pack",
    "byte_chars": "bytetokens",
    "check_tokenizer_spec": "tokenizer",
    "facts_from_conversations": "facts",
    "facts_key": "facts",
    "get_template": "templates",
    "load_tokenizer": "tokenizer",
    "pack_bfd": "pack",
    "simulate": "packsim",
    "token_facts": "facts",
    "trained_turns": "rendered",
    "visible": "bytetokens",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS)
