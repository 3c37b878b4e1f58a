"""Themes as TOML files: the bundled ones in `themes/`, and any file the user points to.

A theme file holds the fields of `textual.theme.Theme` (`name`, `primary`, `background`,
`dark`, `ansi`, ...) and an optional `[variables]` table. The bundled files live in the
repository's `themes/` folder; the wheel carries them as `inspector/_themes` (see
pyproject.toml), so both a checkout and an installed package find them.
"""

from __future__ import annotations

import sys
from dataclasses import fields
from pathlib import Path

from textual.theme import Theme

from inspector.core.errors import InputError

DEFAULT_THEME = "inspector-dark"
_FIELDS = {f.name: f.type for f in fields(Theme)}


def theme_dirs() -> list[Path]:
    """Folders holding the bundled themes: the installed copy first, then a checkout's."""
    package = Path(__file__).resolve().parents[1]  # .../inspector
    candidates = [package / "_themes", package.parent / "themes"]
    return [d for d in candidates if d.is_dir()]


def _toml(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    with open(path, "rb") as f:
        return tomllib.load(f)


def load_theme(path: str | Path, check: bool = True) -> Theme:
    """A `Theme` from a TOML file; `InputError` naming the file and the problem otherwise.

    `check` builds its colours now, so a bad colour fails here rather than at first paint
    (skipped for the bundled themes, which a test checks: it costs the app's startup time)."""
    path = Path(path)
    try:
        data = _toml(path)
    except FileNotFoundError:
        raise InputError(f"Theme file {path} does not exist.") from None
    except (OSError, ValueError) as err:
        raise InputError(f"Theme file {path} is not valid TOML: {err}") from None
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise InputError(
            f"Theme file {path} has unknown keys {', '.join(unknown)}; "
            f"known keys: {', '.join(sorted(_FIELDS))}."
        )
    if not isinstance(data.get("name"), str) or not isinstance(data.get("primary"), str):
        raise InputError(f"Theme file {path} needs at least `name` and `primary` (strings).")
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise InputError(f"Theme file {path}: [variables] must map names to colour strings.")
    try:
        theme = Theme(**data)
        if check:
            theme.to_color_system().generate()
    except Exception as err:
        raise InputError(f"Theme file {path} has a bad value: {err}") from None
    return theme


def bundled_themes() -> list[Theme]:
    """The themes shipped with inspector (the first folder found wins for a name)."""
    found: dict[str, Theme] = {}
    for folder in theme_dirs():
        for path in sorted(folder.glob("*.toml")):
            theme = load_theme(path, check=False)
            found.setdefault(theme.name, theme)
    return list(found.values())


def register_themes(app, user_theme: Theme | None = None) -> set[str]:
    """Register the bundled themes (and a user's) with `app`; returns the names available."""
    for theme in bundled_themes():
        app.register_theme(theme)
    if user_theme is not None:
        app.register_theme(user_theme)
    return set(app.available_themes)
