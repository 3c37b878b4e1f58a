"""Themes: the bundled files load and register, a user file loads, the wheel carries them,
NO_COLOR is respected and the 16-colour theme uses only ANSI colours."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from inspector.core.errors import InputError
from inspector.ui.themes import DEFAULT_THEME, bundled_themes, load_theme

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = {"inspector-dark", "inspector-light", "inspector-contrast"}


def test_bundled_themes_load():
    themes = {t.name: t for t in bundled_themes()}
    assert BUNDLED <= set(themes)
    for theme in themes.values():  # every colour parses (the app skips this check at startup)
        theme.to_color_system().generate()
    assert themes["inspector-dark"].dark and not themes["inspector-light"].dark
    contrast = themes["inspector-contrast"]
    assert contrast.ansi
    colours = [
        contrast.primary,
        contrast.secondary,
        contrast.accent,
        contrast.warning,
        contrast.error,
        contrast.success,
        contrast.foreground,
        contrast.background,
        *contrast.variables.values(),
    ]
    assert all(c.startswith("ansi_") for c in colours)  # the terminal's own 16 colours


def test_user_theme_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "mine"\nprimary = "#ff8800"\ndark = false\n'
        '[variables]\n"footer-key-foreground" = "#112233"\n'
    )
    theme = load_theme(path)
    assert theme.name == "mine" and theme.dark is False
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nprimary = "not-a-colour"\n')
    with pytest.raises(InputError, match="bad.toml has a bad value"):
        load_theme(bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('name = "u"\nprimary = "#000000"\nbackgorund = "#ffffff"\n')
    with pytest.raises(InputError, match="unknown keys backgorund"):
        load_theme(unknown)
    with pytest.raises(InputError, match="does not exist"):
        load_theme(tmp_path / "missing.toml")


@pytest.mark.anyio
async def test_app_registers_and_switches_themes(make_app, tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\nprimary = "#ff8800"\n')
    app = make_app(view="rows", theme="inspector-contrast", user_theme=load_theme(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "inspector-contrast"
        assert BUNDLED | {"mine"} <= set(app.available_themes)
        app.theme = "mine"
        await pilot.pause()
        assert app.theme == "mine"
    assert make_app(view="rows").theme == DEFAULT_THEME


@pytest.mark.anyio
async def test_no_color_is_respected(make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(view="rows")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.no_color
        svg = app.export_screenshot()
    # Monochrome: no hue anywhere on screen, only greys (and the SVG's default text colour,
    # used where the terminal's own foreground applies).
    import re

    fills = set(re.findall(r"fill: #([0-9a-f]{6})", svg)) - {"c5c8c6"}
    assert fills
    for fill in fills:
        r, g, b = fill[:2], fill[2:4], fill[4:]
        assert r == g == b, f"colour #{fill} on a NO_COLOR screen"


def test_wheel_carries_the_themes_and_the_loader_finds_them(tmp_path):
    """Build the wheel, unpack it alone on sys.path, and list the themes from there."""
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    if build.returncode != 0:
        pytest.skip(f"cannot build a wheel here (needs hatchling): {build.stderr[-300:]}")
    wheel = next((tmp_path / "dist").glob("inspector-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        assert {f"inspector/_themes/{n}.toml" for n in BUNDLED} <= set(names)
        z.extractall(tmp_path / "site")
    code = (
        "import inspector.ui.themes as t, sys; "
        "print(t.theme_dirs()[0]); print(sorted(x.name for x in t.bundled_themes()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": ""},
    )
    assert out.returncode == 0, out.stderr
    folder, names = out.stdout.splitlines()
    assert folder == str(tmp_path / "site" / "inspector" / "_themes")
    assert BUNDLED <= set(eval(names))


@pytest.mark.anyio
async def test_the_theme_chosen_is_kept_for_the_next_open(make_app, settle, tmp_path):
    state = tmp_path / "theme-state"
    app = make_app(view="rows", state=state, analyses=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == DEFAULT_THEME
        app.theme = "inspector-light"  # what the palette's theme switcher does
        await settle(pilot)
    reopened = make_app(view="rows", state=state, analyses=False)
    assert reopened.theme == "inspector-light"
    forced = make_app(view="rows", state=state, analyses=False, theme="inspector-contrast")
    assert forced.theme == "inspector-contrast"  # --theme wins over the saved one
