"""Options and error handling shared by every command that reads a dataset."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from inspector.core.data import FORMATS, parse_column_map
from inspector.core.errors import InputError


def dataset_options(func):
    """Add PATH, --format, --map, --state, --dataset-info, --name and --explode to a command
    (the last three reach `open_from_options` through the click context)."""

    @click.argument("path", type=click.Path(path_type=Path))
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="Force the dataset format instead of detecting it from the columns.",
    )
    @click.option(
        "--map",
        "column_map",
        default=None,
        metavar="NAME=COLUMN,...",
        help="Map the format's column names to yours, e.g. instruction=question,output=answer.",
    )
    @click.option(
        "--state",
        "state_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Folder for decisions and caches (default: .inspector/ beside the data).",
    )
    @click.option(
        "--dataset-info",
        "dataset_info",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="LLaMA-Factory's dataset_info.json: read the entry --name says exactly as "
        "LLaMA-Factory maps it (a dataset_info.json in the data folder is used by itself).",
    )
    @click.option(
        "--name",
        "registry_name",
        default=None,
        metavar="NAME",
        help="The entry of the LLaMA-Factory registry to read (see --dataset-info).",
    )
    @click.option(
        "--explode",
        "explode",
        default=None,
        metavar="COLUMN",
        help="Read a list column as one row per item (self-instruct's instances); each row "
        "keeps source_row and source_item, so decisions and exports trace back to the record.",
    )
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        meta = click.get_current_context().meta
        meta[REGISTRY_KEY] = (kwargs.pop("dataset_info", None), kwargs.pop("registry_name", None))
        meta[EXPLODE_KEY] = kwargs.pop("explode", None)
        return func(*args, **kwargs)

    return wrapper


#: Where `dataset_options` keeps `--dataset-info` and `--name` in `click.Context.meta`, so that
#: commands need not name them: `open_from_options` finds them there.
REGISTRY_KEY = "inspector.dataset_registry"


#: Where `dataset_options` keeps `--explode`.
EXPLODE_KEY = "inspector.explode"


def explode_option() -> str | None:
    """The `--explode` value of the running command."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(EXPLODE_KEY) if ctx is not None else None


def registry_options() -> tuple[Path | None, str | None]:
    """The `--dataset-info` and `--name` values of the running command."""
    ctx = click.get_current_context(silent=True)
    return (ctx.meta.get(REGISTRY_KEY) if ctx is not None else None) or (None, None)


def resolve_options(path: Path, fmt: str | None, column_map: str | None):
    """`(path, format, column map)` after a LLaMA-Factory registry entry, if any, had its say."""
    from inspector.core.data.llamafactory import resolve_request

    info, name = registry_options()
    path, fmt, mapping, _entry = resolve_request(
        path, fmt, parse_column_map(column_map), info, name
    )
    return path, fmt, mapping


def open_from_options(path: Path, fmt: str | None, column_map: str | None, state_dir=None):
    """Open a dataset from the shared options (raises `InputError`)."""
    from inspector.core.data import open_dataset

    path, fmt, mapping = resolve_options(path, fmt, column_map)
    return open_dataset(
        path, format=fmt, column_map=mapping, state_dir=state_dir, explode=explode_option()
    )


def handle_input_errors(func):
    """Turn `InputError` into a clear paragraph on stderr and exit status 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)

    return wrapper
