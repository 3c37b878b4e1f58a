"""Options, error handling and safe output shared by every command that reads a dataset.

Data reaches the terminal only through `marked` (inside Rich markup), `plain` (a Rich `Text`:
table cells, lines printed without markup) or `safe_text` itself, and JSON only through
`emit_json`, so no escape sequence a row holds is ever printed raw (`inspector.core.safe_text`).
"""

from __future__ import annotations

import functools
import io
import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from inspector.core.data import FORMATS, parse_column_map
from inspector.core.errors import InputError
from inspector.core.safe_text import dumps, safe_line, safe_text


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
    """Turn `InputError` into a clear paragraph on stderr and exit status 2 (no traceback),
    and an interruption (SIGTERM, SIGHUP, Ctrl-C) into one line and the shell's status for
    it (128 + the signal's number), once its worker processes and partial output are gone."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as err:
            click.echo(f"error: {safe_text(err)}", err=True)
            sys.exit(2)
        except KeyboardInterrupt as err:
            signum = getattr(err, "signum", signal.SIGINT)
            name = signal.Signals(signum).name
            _say(f"interrupted ({name}): stopped, worker processes ended, nothing half-written.")
            sys.exit(128 + signum)

    return wrapper


def marked(value) -> str:
    """`value` ready to sit inside a Rich markup string: controls shown, brackets escaped."""
    from rich.markup import escape

    return escape(safe_line(value))


def plain(value, style: str = ""):
    """`value` as a Rich `Text` (never read as markup) on one line, controls shown."""
    from rich.text import Text

    return Text(safe_line(value), style=style)


def emit_json(obj, indent: int | None = None) -> None:
    """Print `obj` as JSON on standard output, no raw control character in it (`dumps`)."""
    click.echo(dumps(obj, indent=indent))


def _fd_of(stream) -> int | None:
    """The descriptor under a stream, when it has one (not under click's CliRunner)."""
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


@contextmanager
def json_stdout(active: bool):
    """While `active`, whatever else writes to standard output goes to standard error instead,
    so the JSON printed after the block is the only thing on stdout.

    Libraries print (a progress line, a warning sent to stdout, transformers' questions):
    Python-level writes are caught by swapping `sys.stdout`, writes of compiled code to
    descriptor 1 by pointing that descriptor at stderr for the block's duration.
    """
    if not active:
        yield
        return
    real = sys.stdout
    fd = _fd_of(real)
    saved = None
    err_fd = _fd_of(sys.stderr)
    real.flush()
    if fd is not None and err_fd is not None:
        saved = os.dup(fd)
        os.dup2(err_fd, fd)
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stdout = real
        if saved is not None:
            os.dup2(saved, fd)
            os.close(saved)


def _say(line: str) -> None:
    """One line on stderr, even when stderr is gone (a dropped SSH session)."""
    try:
        click.echo(line, err=True)
    except OSError:
        pass


def prepare(ds, store: str = "none") -> None:
    """Check the state folder before long work (see `inspector.core.state`) and print what
    the user must know: a fallback folder for caches, a read-only decisions store."""
    from inspector.core.state import prepare_state

    for note in prepare_state(ds, store=store):
        click.echo(f"note: {note}", err=True)


def report_cache_problems(ds) -> None:
    """Say which results could not be cached (they were still printed or written)."""
    for line in ds.cache.problems:
        click.echo(f"note: {line}", err=True)
