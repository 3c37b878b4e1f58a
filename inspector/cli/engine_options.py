"""Options choosing where `scan` and `export` run: `--engine`, `--ray-address`, `--concurrency`.

The Ray engine is imported only when `--engine ray` is given, so the local commands stay as
fast to start as before and work without the extra installed.
"""

from __future__ import annotations

import functools

import click

ENGINES = ("local", "ray")


def engine_options(func):
    """Add --engine, --ray-address and --concurrency to a command."""

    @click.option(
        "--engine",
        type=click.Choice(ENGINES),
        default="local",
        show_default=True,
        help="Run on this machine, or on a Ray cluster (pip install 'inspector[ray]'); the "
        "results are the same (docs/scale.md).",
    )
    @click.option(
        "--ray-address",
        default="auto",
        show_default=True,
        metavar="auto|local|HOST:PORT",
        help="With --engine ray: auto joins the cluster this machine belongs to (ray start) "
        "or starts a local one; local always starts one; HOST:PORT joins that cluster.",
    )
    @click.option(
        "--concurrency",
        type=click.IntRange(min=1),
        default=None,
        help="With --engine ray: tasks running at once (default: every CPU of the cluster).",
    )
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


def token_spec(ds, tokenizer, template, mask, max_length, side):
    """What the cluster's workers build their token pipeline from (the token options)."""
    from inspector.core.distributed import TokenSpec
    from inspector.core.tokens import TokenSettings

    settings = TokenSettings(template=template, mask=mask, max_length=max_length, side=side)
    return TokenSpec(tokenizer, settings, ds.format)
