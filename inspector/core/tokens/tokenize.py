"""Render, tokenize and mask: a conversation becomes `input_ids`, `labels` and per-token roles.

Label convention (the one Hugging Face causal-LM models expect): `labels` has the same length
as `input_ids` and is *not* shifted; ``labels[i]`` is ``input_ids[i]`` when token ``i`` is a
training target and ``-100`` (`IGNORE_INDEX`) when it is not. The model shifts internally
(the logits at position ``i`` are scored against ``labels[i + 1]``), so ``labels[0]`` is never
a target. The end-of-turn marker written after a trained turn (EOS, ``<|im_end|>``,
``<|eot_id|>``...) is trained with it, so the model learns to stop.

Masking modes: `completion` trains the last trained turn only (the final answer), `assistant`
every turn the source marks as trained (assistant turns, `text` documents), `all` every token.
An answer's reasoning trace is trained with it unless `reasoning="mask"` (`--reasoning mask`).
Character spans from the template become token ranges through the fast tokenizer's
char-to-token mapping: a token is trained when any of its characters is.

Truncation keeps the start: the model sees the first `max_length` tokens. A `TokenizedRow`
keeps the whole sequence so a view can show where the cut falls; `model_inputs()` gives what
a trainer receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from inspector.core.data.conversation import Conversation, Turn
from inspector.core.errors import InputError, RowError
from inspector.core.tokens.markers import Markers, trim_before_markers
from inspector.core.tokens.presplit import word_split_encoder
from inspector.core.tokens.rendered import REASONING_MODES, TEMPLATE_ROLE, Rendered, without
from inspector.core.tokens.templates import get_template
from inspector.core.tokens.tokenizer import tokenizer_fingerprint, tokenizer_name

IGNORE_INDEX = -100
MASK_MODES = ("completion", "assistant", "all")
SIDES = ("chosen", "rejected")
DEFAULT_MAX_LENGTH = 2048


@dataclass(frozen=True, slots=True)
class TokenSettings:
    """Everything besides the tokenizer that changes what a row tokenizes to."""

    template: str | None = None
    """A name from `templates.TEMPLATE_NAMES`; None picks the default for the data's format."""
    mask: str = "completion"
    max_length: int = DEFAULT_MAX_LENGTH
    side: str = "chosen"
    """For preference rows: which continuation follows the prompt."""
    add_special_tokens: bool | None = None
    """Let the tokenizer add its BOS/EOS; None does what the template implies (chat templates
    write their own, plain-text templates rely on the tokenizer's)."""
    response_templates: tuple[str, ...] = ()
    """Markers after which pre-formatted text rows are trained (`markers`); empty: none."""
    instruction_templates: tuple[str, ...] = ()
    """Markers that end a trained answer in pre-formatted text rows."""
    mistral_system: str = "space"
    """How the `mistral` template joins a system prompt (`builtin_templates.MISTRAL_SYSTEM`)."""
    reasoning: str = "train"
    """`train` or `mask` an answer's reasoning trace (`rendered.REASONING_MODES`)."""

    @property
    def markers(self) -> Markers:
        return Markers(tuple(self.response_templates), tuple(self.instruction_templates))


def conversation_turns(conv: Conversation, side: str = "chosen") -> list[Turn]:
    """The turns a model sees for a row: the conversation, or prompt + one preference side."""
    if conv.chosen is None:
        return conv.turns
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, not {side!r}")
    return conv.turns + ((conv.chosen if side == "chosen" else conv.rejected) or [])


def token_ranges(enc: Any, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merged `[first, last + 1)` token ranges of the tokens overlapping character `spans`."""
    out: list[list[int]] = []
    n = len(enc)
    for start, end in spans:
        a = None
        for pos in range(start, end):  # usually the first character already maps to a token
            a = enc.char_to_token(pos)
            if a is not None:
                break
        if a is None:
            continue
        b = None
        for pos in range(end - 1, start - 1, -1):
            b = enc.char_to_token(pos)
            if b is not None:
                break
        # Several tokens can share one character (byte fallback of an emoji): take them all.
        while b + 1 < n:
            chars = enc.token_to_chars(b + 1)
            if not chars or chars[1] <= chars[0] or chars[0] >= end:
                break
            b += 1
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b + 1)
        else:
            out.append([a, b + 1])
    return [(a, b) for a, b in out]


def count_in(ranges: list[tuple[int, int]], stop: int | None = None) -> int:
    """Tokens inside `ranges`, optionally only those before index `stop`."""
    if stop is None:
        return sum(b - a for a, b in ranges)
    return sum(max(0, min(b, stop) - a) for a, b in ranges)


class TokenPipeline:
    """A tokenizer, a template and settings: turns `Conversation`s into tokens and labels."""

    def __init__(
        self, tokenizer: Any, settings: TokenSettings = TokenSettings(), fmt: str | None = None
    ):
        if settings.mask not in MASK_MODES:
            raise InputError(f"Unknown mask mode {settings.mask!r}; choose one of {MASK_MODES}.")
        if settings.reasoning not in REASONING_MODES:
            raise InputError(
                f"Unknown reasoning mode {settings.reasoning!r}; choose one of {REASONING_MODES}."
            )
        if settings.max_length < 1:
            raise InputError(f"--max-length must be positive, got {settings.max_length}.")
        self.tokenizer = tokenizer
        self.settings = settings
        self.template = get_template(
            settings.template, tokenizer, fmt, settings.mistral_system, settings.markers
        )
        self.bos_id = tokenizer.bos_token_id
        self.special_ids = frozenset(tokenizer.all_special_ids)
        self._backend = word_split_encoder(tokenizer)

    @property
    def key(self) -> dict[str, Any]:
        """Settings that change results, for cache keys and manifests."""
        s = self.settings
        return {
            "tokenizer": tokenizer_fingerprint(self.tokenizer),
            "template": self.template.name,
            "mask": s.mask,
            "max_length": s.max_length,
            "side": s.side,
            "add_special_tokens": s.add_special_tokens,
            **({"markers": s.markers.to_json()} if s.markers else {}),
            **({"mistral_system": s.mistral_system} if self.template.name == "mistral" else {}),
            **({"reasoning": s.reasoning} if s.reasoning != "train" else {}),
        }

    def describe(self) -> dict[str, Any]:
        """Human-readable settings for output and export manifests."""
        return {**self.key, "tokenizer_name": tokenizer_name(self.tokenizer)}

    def render(self, conv: Conversation) -> Rendered:
        """Render one row with the pipeline's template (raises `RowError`)."""
        turns = conversation_turns(conv, self.settings.side)
        if not turns:
            raise RowError("the row has no turns to render")
        return self.template.render(turns, conv.tools)

    def _add_special(self, rendered: Rendered) -> bool:
        flag = self.settings.add_special_tokens
        return rendered.add_special_tokens if flag is None else flag

    def encode_rendered(self, rendered: list[Rendered]) -> list[Any]:
        """Tokenize rendered rows in batches (the Rust tokenizer, all cores): `Encoding`s."""
        out: list[Any] = [None] * len(rendered)
        for flag in (True, False):
            idx = [i for i, r in enumerate(rendered) if self._add_special(r) == flag]
            if idx:
                encs = self._backend.encode_batch(
                    [rendered[i].text for i in idx], add_special_tokens=flag
                )
                for i, enc in zip(idx, encs, strict=True):
                    out[i] = enc
        return out

    def encode(self, conv: Conversation) -> TokenizedRow:
        """Tokenize one row with every detail a view needs (raises `RowError`)."""
        rendered = self.render(conv)
        return TokenizedRow(self, rendered, self.encode_rendered([rendered])[0])

    def encode_batch(self, convs: list[Conversation | None]) -> list[TokenizedRow | RowError]:
        """Tokenize many rows at once; a row that cannot be rendered comes back as a `RowError`."""
        rendered: list[Rendered | RowError] = []
        for conv in convs:
            try:
                if conv is None:
                    raise RowError("the row could not be normalized")
                rendered.append(self.render(conv))
            except RowError as err:
                rendered.append(err)
        good = [r for r in rendered if isinstance(r, Rendered)]
        encs = iter(self.encode_rendered(good))
        return [
            TokenizedRow(self, r, next(encs)) if isinstance(r, Rendered) else r for r in rendered
        ]


class TokenizedRow:
    """One tokenized row: the full sequence (before truncation) with labels and roles."""

    def __init__(self, pipeline: TokenPipeline, rendered: Rendered, encoding: Any):
        self.pipeline = pipeline
        self.rendered = rendered
        self.encoding = encoding
        self.max_length = pipeline.settings.max_length
        self.mask = pipeline.settings.mask

    @cached_property
    def input_ids(self) -> list[int]:
        return list(self.encoding.ids)

    @property
    def total_tokens(self) -> int:
        return len(self.encoding)

    @cached_property
    def trained_ranges(self) -> list[tuple[int, int]]:
        """Token index ranges that are training targets (before truncation)."""
        reasoning = self.pipeline.settings.reasoning
        if self.mask == "all":
            every = [(0, self.total_tokens)] if self.total_tokens else []
            if reasoning == "mask":
                every = without(every, token_ranges(self.encoding, self.rendered.reasoning_spans()))
            return every
        ranges = token_ranges(self.encoding, self.rendered.trained_spans(self.mask, reasoning))
        if self.rendered.open_ends:  # text cut at markers: a marker's tokens are never trained
            ranges = trim_before_markers(self.encoding, ranges, self.rendered)
        return ranges

    @cached_property
    def labels(self) -> list[int]:
        ids = self.input_ids
        labels = [IGNORE_INDEX] * len(ids)
        for a, b in self.trained_ranges:
            labels[a:b] = ids[a:b]
        return labels

    @property
    def truncated(self) -> bool:
        return self.total_tokens > self.max_length

    @property
    def trained_tokens_before_truncation(self) -> int:
        return count_in(self.trained_ranges)

    @property
    def trained_tokens(self) -> int:
        """Trained tokens the model actually sees (after truncation)."""
        return count_in(self.trained_ranges, self.max_length)

    @property
    def trained_tokens_lost(self) -> int:
        return self.trained_tokens_before_truncation - self.trained_tokens

    @cached_property
    def tokens(self) -> list[str]:
        """Token strings as the tokenizer spells them (``▁The``, ``<0x0A>``, ``</s>``)."""
        return list(self.encoding.tokens)

    @cached_property
    def offsets(self) -> list[tuple[int, int]]:
        return list(self.encoding.offsets)

    @cached_property
    def special(self) -> list[bool]:
        specials = self.pipeline.special_ids
        return [i in specials for i in self.input_ids]

    @cached_property
    def _piece_of_token(self) -> list[Any]:
        """The template piece holding each token's last character (None: template text, added
        tokens). The last character decides because a SentencePiece token such as ``▁Hello``
        starts with the space that ends the markup before it."""
        import bisect

        pieces = sorted((p for p in self.rendered.pieces if p.end > p.start), key=lambda p: p.start)
        starts = [p.start for p in pieces]
        out = []
        for s, e in self.offsets:
            piece = None
            if e > s:
                k = bisect.bisect_right(starts, e - 1) - 1
                if k >= 0 and pieces[k].end > e - 1:
                    piece = pieces[k]
            out.append(piece)
        return out

    @cached_property
    def roles(self) -> list[str]:
        """Per token: the role of the turn it belongs to, or ``template`` for template text."""
        turns = self.rendered.turns
        return [
            turns[p.turn].role if p is not None and p.turn >= 0 else TEMPLATE_ROLE
            for p in self._piece_of_token
        ]

    @cached_property
    def parts(self) -> list[str]:
        """Per token: ``markup``, ``content``, ``reasoning`` or ``end`` (end-of-turn marker)."""
        return [p.part if p is not None else "markup" for p in self._piece_of_token]

    def model_inputs(self) -> dict[str, list[int]]:
        """What a trainer receives: truncated `input_ids`, `attention_mask` and `labels`."""
        n = min(self.total_tokens, self.max_length)
        return {
            "input_ids": self.input_ids[:n],
            "attention_mask": [1] * n,
            "labels": self.labels[:n],
        }

    def to_json(self) -> dict[str, Any]:
        """The truncated row as the CLI's `--json` prints it, plus the facts around the cut."""
        n = min(self.total_tokens, self.max_length)
        return {
            "tokens": self.tokens[:n],
            "input_ids": self.input_ids[:n],
            "labels": self.labels[:n],
            "roles": self.roles[:n],
            "truncated": self.truncated,
            "trained_tokens": self.trained_tokens,
            "total_tokens": self.total_tokens,
            "trained_tokens_before_truncation": self.trained_tokens_before_truncation,
            "trained_tokens_lost": self.trained_tokens_lost,
            "max_length": self.max_length,
            "template": self.rendered.template,
            "mask": self.mask,
        }
