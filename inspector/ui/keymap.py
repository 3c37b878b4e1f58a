"""A keymap file: remap any of the app's keys by its binding id.

Every binding of the app has an id (`triage.drop`, `rows.search`, `app.view.rows`: `?` then
`i` shows them). `~/.config/inspector/keys.toml` (under `$XDG_CONFIG_HOME` when set), or the
file given with `inspector open --keys FILE`, maps ids to keys, one per line:

    "triage.drop" = "x"          # or, as TOML tables: [triage] drop = "x"
    "app.view.rows" = "r,2"      # several keys, comma-separated

The remapped keys work at once and show in the footer and in `?`. A file that is not valid
TOML, or a value that is not a string, stops the app before it starts (exit status 2, naming
the file); an id no binding has is reported in the app, so a typo is never silently ignored.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from inspector.core.errors import InputError


def default_path() -> Path:
    """`$XDG_CONFIG_HOME/inspector/keys.toml`, else `~/.config/inspector/keys.toml`."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "inspector" / "keys.toml"


def load_keymap(path: str | Path | None = None) -> tuple[dict[str, str], Path | None]:
    """`(binding id -> keys, the file read)`: the given file (it must exist), else the default
    file when there is one, else `({}, None)`. Raises `InputError` naming the file."""
    given = path is not None
    path = Path(path).expanduser() if given else default_path()
    if not given and not path.is_file():
        return {}, None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise InputError(f"keymap {path} does not exist.") from None
    except (OSError, ValueError) as err:
        raise InputError(f"keymap {path} is not valid TOML: {err}") from None
    keymap: dict[str, str] = {}
    for ident, keys in _flatten(data):
        if not isinstance(keys, str) or not keys.strip():
            raise InputError(
                f'keymap {path}: {ident} must be a string of keys, e.g. {ident} = "x" '
                f"(got {keys!r})."
            )
        keymap[ident] = ",".join(k.strip() for k in keys.split(",") if k.strip())
    return keymap, path


def _flatten(data: dict, prefix: str = ""):
    """`("triage.drop", "x")` pairs from `{"triage": {"drop": "x"}}` or `{"triage.drop": "x"}`."""
    for key, value in data.items():
        ident = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{ident}.")
        else:
            yield ident, value


def known_ids(app_class: type) -> set[str]:
    """Every binding id of the app (`app_class`), its views, dialogs and widgets."""
    from importlib import import_module

    from textual.binding import Binding

    classes = [app_class]
    for module, names in (
        ("screens.overview", ("OverviewScreen",)),
        ("screens.rows", ("RowsScreen",)),
        ("screens.row", ("RowScreen",)),
        ("screens.clusters", ("ClustersScreen",)),
        ("screens.duplicates", ("DuplicatesScreen",)),
        ("screens.contamination", ("ContaminationScreen",)),
        ("screens.packs", ("PacksScreen",)),
        ("screens.help", ("HelpScreen",)),
        ("screens.dialogs", ("AskText", "Choose")),
        ("screens.base", ("TriageScreen",)),
        ("widgets.row_table", ("RowTable",)),
        ("widgets.lists", ("ItemList",)),
    ):
        mod = import_module(f"inspector.ui.{module}")
        classes += [getattr(mod, name) for name in names]
    ids = set()
    for cls in classes:
        for klass in cls.__mro__:
            for b in klass.__dict__.get("BINDINGS", []):
                if isinstance(b, Binding) and b.id:
                    ids.add(b.id)
    return ids


def unknown_ids(keymap: dict[str, str], app_class: type) -> list[str]:
    """The ids of `keymap` that no binding of the app has (typos, or ids of an old version)."""
    known = known_ids(app_class)
    return sorted(i for i in keymap if i not in known)
