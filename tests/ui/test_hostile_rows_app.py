"""Rows holding escape sequences never drive the terminal from the app, in any view.

The hostile folder (`tests/hostile_data.py`: real rows with OSC 0 / OSC 52 / `ESC[2J` / CSI /
DCS / C1 CSI / BEL spliced in, a duplicated hostile row, a benchmark quoting one, a file name
holding OSC 0) is opened with every analysis; each view is visited, and every line the screen
would send to the terminal is read back: the text of its segments (what is not Textual's own
cursor control) must hold no control character. The app's last-resort line filter is switched
off for the strict test, so what passes is the renderables' own sanitizing, which shows the
controls (`␛`, `<U+009B>`) rather than dropping them; a second test checks the filter alone.
"""

from __future__ import annotations

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.ui.app import InspectorApp
from inspector.ui.safe_lines import NoControls
from inspector.ui.session import Session, Settings
from tests.hostile_data import CONTROL, benchmark, hostile_dataset

pytestmark = pytest.mark.anyio

#: (what the user does, the view it shows); the keys are the app's own bindings.
TOUR = [
    ((), "overview"),
    (("2",), "rows"),
    (("enter",), "one row: text"),
    (("right_square_bracket",), "one row: tokens"),
    (("right_square_bracket",), "one row: flags"),
    (("right_square_bracket",), "one row: related"),
    (("n",), "one row: next row"),
    (("escape", "j", "j", "j", "j", "j"), "rows, cursor moved"),
    (("3",), "clusters"),
    (("4",), "duplicates"),
    (("5",), "contamination"),
    (("6",), "packs"),
    (("ctrl+p", "d", "r", "o", "p"), "command palette with bulk actions"),
]


@pytest.fixture(scope="module")
def hostile(real_data, tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile-app")
    data = hostile_dataset(real_data, base / "data")
    return data, benchmark(base, data)


def _app(hostile, state, filter_on: bool) -> InspectorApp:
    data, bench = hostile
    ds = open_dataset(data, state_dir=state)
    app = InspectorApp(Session(ds, Settings(max_length=512, against=[bench])), view="overview")
    if not filter_on:
        app.no_controls = NoControls(enabled=False)
    return app


def _screen_text(app) -> str:
    """The text of every segment the screen sends, Textual's own control segments left out."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip if not seg.control) for strip in strips)


async def _tour(app, settle) -> dict[str, str]:
    shown = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for keys, where in TOUR:
            for key in keys:
                await pilot.press(key)
            await settle(pilot)
            shown[where] = _screen_text(app)
        await pilot.press("escape")
    return shown


def _leaks(shown: dict[str, str]) -> dict[str, list[str]]:
    return {
        where: [repr(text[max(0, m.start() - 20) : m.end() + 20]) for m in CONTROL.finditer(text)]
        for where, text in shown.items()
        if CONTROL.search(text)
    }


async def test_every_view_shows_the_controls_and_sends_none(hostile, tmp_path, settle):
    app = _app(hostile, tmp_path / "state", filter_on=False)
    shown = await _tour(app, settle)
    assert not _leaks(shown), _leaks(shown)
    # Shown, not dropped: the placeholders are on screen where the data is.
    for where in ("rows", "one row: text", "one row: tokens", "duplicates", "contamination"):
        assert "␛" in shown[where] or "<U+009B>" in shown[where], (where, shown[where])
    assert "PWNED-TITLE" in shown["one row: text"]  # the row's text itself is all there
    # Every analysis ran on the hostile rows (a failed one would hide views from the tour).
    assert all(s.ready for s in app.analyses.values()), {
        n: s.describe() for n, s in app.analyses.items()
    }


async def test_the_line_filter_alone_keeps_controls_off_the_terminal(hostile, tmp_path, settle):
    """What a widget forgets to sanitize still never reaches the terminal, and the line
    keeps its width."""
    from rich.segment import Segment
    from textual.color import Color

    line = [Segment("ok "), Segment("\x1b]0;x\x07 \x9b2J"), Segment("\x1b[H", None, [(1,)])]
    out = NoControls().apply(line, Color(0, 0, 0))
    assert [s.text for s in out] == ["ok ", "]0;x 2J", "\x1b[H"]  # control segments untouched
    assert Segment.get_line_length(out[:2]) == Segment.get_line_length(line[:2])
    app = _app(hostile, tmp_path / "state", filter_on=True)
    shown = await _tour(app, settle)
    assert not _leaks(shown), _leaks(shown)
