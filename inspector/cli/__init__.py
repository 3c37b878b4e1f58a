"""The `inspector` command: a thin layer of click commands over `inspector.core`.

Each command lives in its own module and is registered here. Whole-input errors
(`inspector.core.errors.InputError`) become one paragraph on stderr and exit status 2.
"""

from __future__ import annotations

import click

from inspector import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="inspector")
def main() -> None:
    """See and fix what an LLM will be fine-tuned on.

    Open a dataset in the terminal app with `inspector open PATH`, or run the same analyses
    headless with `info`, `tokens`, `scan` and `export`.
    """


def _register() -> None:
    # Imported here so that each command module can import `main`-level helpers freely.
    from inspector.cli import info

    for module in (info,):
        main.add_command(module.command)

    for name in ("tokens", "scan", "export", "open_app"):
        try:
            module = __import__(f"inspector.cli.{name}", fromlist=["command"])
        except ModuleNotFoundError as err:
            if err.name != f"inspector.cli.{name}":
                raise
            continue
        main.add_command(module.command)


_register()
