"""Options shared by the commands that tokenize (`tokens`, `export`, `scan`, `open`).

`token_options` adds the options; `pipeline_from_options` turns their values into a
`TokenPipeline` for an opened dataset (raising `InputError` on a bad tokenizer or template).

The rarer options (`--response-template`, `--instruction-template`, `--mistral-system`,
`--reasoning`) do not reach the command's own parameters: the wrapper keeps them in the click
context, where `pipeline_from_options` finds them, so every command that tokenizes honours them
without naming them.
"""

from __future__ import annotations

import functools

import click

from inspector.core.tokens import DEFAULT_MAX_LENGTH, MASK_MODES, SIDES, TEMPLATE_NAMES

#: Where the wrapper keeps the rarer token options in `click.Context.meta`.
EXTRAS = "inspector.token_extras"
#: The `mistral` template's system-prompt joining rules (`builtin_templates.MISTRAL_SYSTEM`).
MISTRAL_SYSTEM_RULES = ("space", "blank-line", "last-user")
#: The largest --max-length / --pack-length: token ids and positions are stored as int32.
MAX_TOKENS = 2**31 - 1
#: `--reasoning` choices (`core.tokens.rendered.REASONING_MODES`, kept here so that `--help`
#: imports nothing from the tokens stage's modules).
REASONING_CHOICES = ("train", "mask")


def token_options(
    func=None,
    *,
    max_length: int | None = DEFAULT_MAX_LENGTH,
    side: bool = True,
    max_length_help: str = "Truncate rows to this many tokens (keeping the start).",
):
    """Add --tokenizer, --template, --mask, --max-length and (unless `side=False`) --side.

    Used bare (`@token_options`) or with settings (`@token_options(max_length=None)` where
    tokenizing is optional, as in `inspector scan`).
    """
    if func is None:
        return functools.partial(
            token_options, max_length=max_length, side=side, max_length_help=max_length_help
        )

    @click.option(
        "--tokenizer",
        "tokenizer",
        default=None,
        metavar="FOLDER|NAME",
        help="A local tokenizer folder, or a Hub name already in the local cache "
        "(default: the embedded Mistral 7B tokenizer). Never downloads.",
    )
    @click.option(
        "--template",
        type=click.Choice(TEMPLATE_NAMES),
        default=None,
        help="Prompt template (default: the tokenizer's chat template if it has one, else "
        "alpaca for Alpaca data and mistral for conversations).",
    )
    @click.option(
        "--mask",
        type=click.Choice(MASK_MODES),
        default="completion",
        show_default=True,
        help="Which tokens are trained: the last answer, every assistant turn, or everything.",
    )
    @click.option(
        "--max-length",
        type=click.IntRange(min=1, max=MAX_TOKENS),
        default=max_length,
        show_default=max_length is not None,
        help=max_length_help,
    )
    @click.option(
        "--response-template",
        "response_templates",
        multiple=True,
        metavar="STR",
        help="For pre-formatted text rows: train what follows this marker (e.g. '### Response:', "
        "'[/INST]', '<|assistant|>', 'bot:'), matched on characters. Repeatable.",
    )
    @click.option(
        "--instruction-template",
        "instruction_templates",
        multiple=True,
        metavar="STR",
        help="With --response-template: a marker that starts a user message and ends the "
        "trained answer before it (e.g. '[INST]', 'human:'); with one, every answer is trained, "
        "without, only the text after the last response marker. Repeatable.",
    )
    @click.option(
        "--mistral-system",
        type=click.Choice(MISTRAL_SYSTEM_RULES),
        default="space",
        show_default=True,
        help="How the mistral template joins a system prompt: before the first user message "
        "with a space (the seed's template), with a blank line (blank-line), or with a blank "
        "line before the last user message (last-user, Mistral's later templates).",
    )
    @click.option(
        "--reasoning",
        type=click.Choice(REASONING_CHOICES),
        default="train",
        show_default=True,
        help="Train an answer's reasoning trace (<think>…</think>, reasoning parts) with the "
        "answer, or mask it (-100) and train the answer alone.",
    )
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        ctx.meta[EXTRAS] = {
            "response_templates": tuple(kwargs.pop("response_templates", ()) or ()),
            "instruction_templates": tuple(kwargs.pop("instruction_templates", ()) or ()),
            "mistral_system": kwargs.pop("mistral_system", "space") or "space",
            "reasoning": kwargs.pop("reasoning", "train") or "train",
        }
        return func(*args, **kwargs)

    if not side:
        return wrapper
    return click.option(
        "--side",
        type=click.Choice(SIDES),
        default="chosen",
        show_default=True,
        help="For preference rows: the continuation that follows the prompt.",
    )(wrapper)


def pipeline_from_options(ds, tokenizer, template, mask, max_length, side):
    """A `TokenPipeline` for dataset `ds` from the shared option values."""
    from inspector.core.tokens import TokenPipeline, TokenSettings, load_tokenizer

    tok = load_tokenizer(tokenizer)
    ctx = click.get_current_context(silent=True)
    extras = (ctx.meta.get(EXTRAS) if ctx is not None else None) or {}
    settings = TokenSettings(
        template=template, mask=mask, max_length=max_length, side=side, **extras
    )
    return TokenPipeline(tok, settings, fmt=ds.format)
