"""`inspector open`: the terminal app on one dataset."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import click

from inspector.cli.common import (
    dataset_options,
    explode_option,
    handle_input_errors,
    resolve_options,
)
from inspector.cli.token_options import token_options
from inspector.core.errors import InputError

VIEWS = ("overview", "rows", "clusters", "duplicates", "contamination", "packs")


@click.command("open")
@dataset_options
@token_options(side=False, max_length_help="Truncation length and pack length.")
@click.option(
    "--against",
    "against",
    multiple=True,
    type=click.Path(path_type=Path, exists=True, dir_okay=True),
    help="Benchmark file(s) to check for contamination (repeatable).",
)
@click.option(
    "--embed-model",
    default="auto",
    show_default=True,
    metavar="auto|tfidf|minilm|FOLDER",
    help="Encoder of the clusters map: auto (minilm on a GPU, tfidf on a CPU), tfidf, minilm "
    "(the bundled all-MiniLM-L6-v2), or a local sentence-transformers folder.",
)
@click.option(
    "--theme",
    default=None,
    metavar="NAME|FILE",
    help="inspector-dark (default), inspector-light, inspector-contrast (16 colours), "
    "any Textual theme name, or a .toml theme file.",
)
@click.option(
    "--keys",
    "keys",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE",
    help="Keymap file remapping keys by id (default: ~/.config/inspector/keys.toml when it "
    "exists). In the app, ? then i shows the ids.",
)
@click.option(
    "--view",
    type=click.Choice(VIEWS),
    default=None,
    help="View to open on (default: the one used last, else the overview).",
)
@click.option(
    "--no-analyses",
    is_flag=True,
    help="Do not start the background analyses (they can be run from the palette).",
)
@handle_input_errors
def command(
    path,
    fmt,
    column_map,
    state_dir,
    tokenizer,
    template,
    mask,
    max_length,
    against,
    embed_model,
    theme,
    keys,
    view,
    no_analyses,
):
    """Open a dataset in the terminal app: browse, analyse and triage its rows.

    The app paints at once, then computes flags, duplicates, token facts and clusters in the
    background (cached next to the data). Every keep/drop decision is saved the moment it is
    made in .inspector/ beside the data (or --state DIR), so a dropped SSH connection loses
    nothing; reopening restores decisions, filters and the cursor. Press ? for the keys.
    """
    # Starting allocates a few hundred thousand long-lived objects (mostly Textual's classes)
    # and the cyclic collector would scan them over and over: it stays off until the app's
    # first frame is out (`InspectorApp.first_frame_out` turns it back on), or until this
    # command ends some other way.
    from inspector.core.tokens import check_tokenizer_spec

    # A tokenizer folder that needs its own code: exit 2 now, not as an error panel later.
    check_tokenizer_spec(tokenizer)
    gc.disable()
    try:
        settings = {
            "tokenizer": tokenizer,
            "template": template,
            "mask": mask,
            "max_length": max_length,
            "against": list(against),
            "embed_model": embed_model,
        }
        app = _app(path, fmt, column_map, state_dir, theme, keys, view, no_analyses, settings)
        app.run()
    finally:
        gc.enable()
    from inspector.ui.app import leave

    leave(app)  # no waiting for an analysis the user quit in the middle of
    if app.return_code:
        sys.exit(app.return_code)


def _app(path, fmt, column_map, state_dir, theme, keys, view, no_analyses, settings):
    """The app on the dataset, ready to run (`InputError` for unusable input or options)."""
    from inspector.ui.keymap import load_keymap
    from inspector.ui.session import Session, Settings

    user_theme, theme_name = _theme(theme)
    keymap, keymap_source = load_keymap(keys)
    ds = _open(path, fmt, column_map, state_dir)
    from inspector.core.state import prepare_state

    notes = prepare_state(ds, store="write")
    from inspector.ui.app import InspectorApp

    app = InspectorApp(
        Session(ds, Settings(**settings)),
        theme=theme_name,
        view=view,
        analyses=not no_analyses,
        user_theme=user_theme,
        keymap=keymap,
        keymap_source=keymap_source,
    )
    if theme_name and theme_name not in app.available_themes:
        raise InputError(
            f"Unknown theme {theme_name!r}; available: "
            f"{', '.join(sorted(app.available_themes))}, or a .toml theme file."
        )
    for note in notes:  # shown once the first screen is up (a read-only store, a fallback)
        app.notify(note, title="state", severity="warning", timeout=30, markup=False)
    _stop_with(app)
    return app


def _stop_with(app) -> None:
    """SIGTERM / SIGHUP / Ctrl-C while the app runs: worker processes are ended at once (by
    the handler), then the app is asked to exit as from `q`, restoring the terminal."""
    import asyncio

    from inspector.core.processes import install_stop_handlers

    def stop(signum: int) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            from inspector.core.processes import Interrupted

            raise Interrupted(signum) from None
        loop.call_soon(app.exit, None, 128 + signum)

    install_stop_handlers(stop)


def _open(path, fmt, column_map, state_dir):
    """The dataset, from its open index when nothing changed since it was recorded (rows from
    Arrow with pyarrow alone: the app paints before `datasets` is even imported; it completes
    the dataset in the background), else opened normally and recorded for the next open."""
    from inspector.core.data import open_dataset, open_quickly

    path, fmt, columns = resolve_options(path, fmt, column_map)  # a registry entry decides
    explode = explode_option()
    if explode:  # exploded rows are built in memory: nothing for the open index to map
        return open_dataset(
            path, format=fmt, column_map=columns, state_dir=state_dir, explode=explode
        )
    return open_quickly(path, format=fmt, column_map=columns, state_dir=state_dir)


def _theme(spec: str | None):
    """`(user Theme or None, theme name or None)` from --theme."""
    if spec is None:
        return None, None
    if spec.endswith(".toml") or Path(spec).is_file():
        from inspector.ui.themes import load_theme

        theme = load_theme(spec)
        return theme, theme.name
    return None, spec
