"""No byte leaves the machine: the Hugging Face libraries' offline and no-telemetry switches.

inspector reads local files and, for `--tokenizer` / `--embed-model` names, the local Hugging
Face cache; it never downloads. Left alone, the libraries still phone home: `datasets` counts
every `load_dataset` of a packaged builder (json, csv, parquet...) with an HTTPS request, even
for a local file, and the Hub client resolves names and sends telemetry. Those calls cost DNS
lookups and, on a firewalled machine, timeouts.

The libraries read these switches from the environment when they are first imported, so they
are set before that, in two strengths:

- `go_offline()` is for the `inspector` process itself (the command line calls it first thing,
  before any command module is imported): every switch, offline included. Nothing inspector
  does needs the network, and a Hub name in the local cache reads the same offline.
- `no_phone_home()` is for the core's own loading functions, which library users may call from
  a program that downloads things of its own: only telemetry and the download counter are
  turned off there, never the program's own access to the Hub.

Where a library was already imported before the call, its module-level copy of the switch is
set too (the environment alone would come too late for it).
"""

from __future__ import annotations

import os
import sys

#: Switches that stop telemetry, implicit tokens and `datasets`' load counter.
NO_TELEMETRY = {
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "HF_UPDATE_DOWNLOAD_COUNTS": "0",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
}
#: Switches that make every Hugging Face library read only its local cache.
OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}

#: (environment switch, module, attribute, value): what a library computed from that switch
#: when it was imported.
_IMPORTED_TELEMETRY = (
    ("HF_HUB_DISABLE_TELEMETRY", "huggingface_hub.constants", "HF_HUB_DISABLE_TELEMETRY", True),
    (
        "HF_HUB_DISABLE_IMPLICIT_TOKEN",
        "huggingface_hub.constants",
        "HF_HUB_DISABLE_IMPLICIT_TOKEN",
        True,
    ),
    ("HF_UPDATE_DOWNLOAD_COUNTS", "datasets.config", "HF_UPDATE_DOWNLOAD_COUNTS", False),
)
_IMPORTED_OFFLINE = (
    ("HF_HUB_OFFLINE", "huggingface_hub.constants", "HF_HUB_OFFLINE", True),
    ("HF_DATASETS_OFFLINE", "datasets.config", "HF_HUB_OFFLINE", True),
    ("HF_DATASETS_OFFLINE", "datasets.config", "HF_DATASETS_OFFLINE", True),
)


def _apply(env: dict[str, str], imported, force: bool) -> None:
    chosen = {name for name in env if name in os.environ} if not force else set()
    for name, value in env.items():
        if name not in chosen:
            os.environ[name] = value
    for name, module, attr, value in imported:
        mod = sys.modules.get(module)
        if name not in chosen and mod is not None and hasattr(mod, attr):
            setattr(mod, attr, value)


def no_phone_home() -> None:
    """Turn off telemetry, implicit Hub tokens and `datasets`' download counter.

    Leaves the program's own Hub access alone; a switch the user set explicitly in the
    environment is kept (only libraries already imported get theirs set here).
    """
    _apply(NO_TELEMETRY, _IMPORTED_TELEMETRY, force=False)


def go_offline() -> None:
    """Every switch for this process: offline Hub and datasets, no telemetry, no counter.

    For the `inspector` command: it promises never to download, so the values are forced
    (an `HF_HUB_OFFLINE=0` inherited from a shell does not turn the network back on).
    """
    _apply({**NO_TELEMETRY, **OFFLINE}, _IMPORTED_TELEMETRY + _IMPORTED_OFFLINE, force=True)
