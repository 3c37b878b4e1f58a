"""NO_COLOR with any bundled theme: the text of every cell stands apart from its background."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.text import Text

from inspector.ui.themes import bundled_themes

pytestmark = pytest.mark.anyio


def is_drawing(ch: str) -> bool:
    """Box-drawing and block characters: frames and bars, which may be faint by design."""
    return 0x2500 <= ord(ch) <= 0x259F or 0x2800 <= ord(ch) <= 0x28FF


def cells(app, width: int) -> list[tuple[str, tuple, tuple]]:
    """`(text, foreground, background)` RGB for each styled run of the screen as painted
    (the app's colour filters applied), read back from its ANSI rendering."""
    out = io.StringIO()
    # no_color=False: this console must write the colours the app chose, NO_COLOR or not.
    console = Console(
        file=out, force_terminal=True, color_system="truecolor", no_color=False, width=width
    )
    console.print(
        app.screen._compositor.render_update(
            full=True, screen_stack=app._background_screens, simplify=True
        )
    )
    runs = []
    for line in out.getvalue().splitlines():
        text = Text.from_ansi(line)
        for span in text.spans:
            chunk = text.plain[span.start : span.end]
            style = span.style
            if not chunk.strip() or isinstance(style, str):
                continue
            fg, bg = style.color, style.bgcolor
            assert fg is not None and bg is not None, f"uncoloured run {chunk!r}"
            if style.reverse:
                fg, bg = bg, fg
            runs.append((chunk, tuple(fg.get_truecolor()), tuple(bg.get_truecolor())))
    return runs


@pytest.mark.parametrize("theme", sorted(t.name for t in bundled_themes()))
@pytest.mark.parametrize("view", ["rows", "overview"])
async def test_no_color_keeps_every_theme_readable(make_app, monkeypatch, settle, theme, view):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app("chat", view=view, theme=theme)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert app.no_color and app.theme == theme
        runs = cells(app, 100)
        assert len(runs) > 10
        for chunk, fg, bg in runs:
            # Greys only (NO_COLOR), and the text stands apart from its background.
            assert fg[0] == fg[1] == fg[2] and bg[0] == bg[1] == bg[2], (chunk, fg, bg)
            assert fg != bg, f"{chunk!r}: grey {fg[0]} on grey {bg[0]}"
            if any(not is_drawing(ch) for ch in chunk.strip()):
                # Text (not borders, bars, scrollbars) needs more than "not equal".
                assert abs(fg[0] - bg[0]) >= 48, f"{chunk!r}: grey {fg[0]} on grey {bg[0]}"
