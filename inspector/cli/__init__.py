"""The `inspector` command: a thin layer of click commands over `inspector.core`.

Each command lives in its own module, imported when the command is used (`LazyGroup`).
Whole-input errors (`inspector.core.errors.InputError`) become one paragraph on stderr and exit
status 2. Importing this package turns the Hugging Face libraries' network off for the process
(`inspector.core.offline.go_offline`): the command never downloads and never phones home.
"""

from __future__ import annotations

# First of all, before any command imports datasets, transformers or huggingface_hub: they read
# their offline and telemetry switches once, when imported (see inspector.core.offline).
from inspector.core.offline import go_offline

go_offline()

from importlib import import_module  # noqa: E402 - after the switches, on purpose

import click  # noqa: E402

from inspector import __version__  # noqa: E402

#: Command name -> the module under `inspector.cli` that defines it as `command`.
COMMANDS = {
    "info": "info",
    "tokens": "tokens",
    "scan": "scan",
    "export": "export",
    "open": "open_app",
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs (or help lists it):
    `inspector open` must not pay for the imports of `scan` or `export` before its first frame."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands or name not in COMMANDS:
            return super().get_command(ctx, name)
        module = import_module(f"inspector.cli.{COMMANDS[name]}")
        self.add_command(module.command, name)
        return module.command


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="inspector")
def main() -> None:
    """See and fix what an LLM will be fine-tuned on.

    Open a dataset in the terminal app with `inspector open PATH`, or run the same analyses
    headless with `info`, `tokens`, `scan` and `export`.
    """
    from inspector.core.processes import allow_workers, install_stop_handlers

    allow_workers()  # the `inspector` script is import-safe: flag workers may start it
    # SIGTERM, SIGHUP (a dropped SSH session) and Ctrl-C end every worker process first, then
    # unwind (an export removes its partial folder); `common.handle_input_errors` says so.
    install_stop_handlers()
