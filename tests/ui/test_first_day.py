"""What a first day with the app needs: help that teaches, a hint on the first open, triage that
moves on, every list's keys, honest progress, a second export that offers a new folder, a
keymap file, and views that say what was computed (or not run)."""

from __future__ import annotations

import io
import shutil

import pytest
from rich.console import Console
from textual.widgets import OptionList, Static

from inspector.ui.analyses.state import DONE, RUNNING
from inspector.ui.keymap import load_keymap
from inspector.ui.messages import AnalysisUpdated
from inspector.ui.screens.help import HelpScreen
from inspector.ui.widgets.row_table import RowTable

pytestmark = pytest.mark.anyio

#: Textual's own bindings a first `?` used to list.
GENERIC = ("Focus Next", "Focus Previous", "Copy selected text", "Scroll Left", "Page Right")


def screen_text(app) -> str:
    """Every Static of the current screen, as plain text."""
    console = Console(width=200, record=True, file=io.StringIO())
    for widget in app.screen.query(Static):
        console.print(widget.content)
    return console.export_text()


@pytest.mark.parametrize("view", ["overview", "rows"])
async def test_help_teaches_the_workflow_first(make_app, settle, view):
    app = make_app(view=view)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert text.index("d drops a row, a keeps it") < text.index("Keys everywhere")
        assert "e writes the kept rows" in text
        for generic in GENERIC:
            assert generic not in text
        assert "triage.drop" not in text and "overview.down" not in text  # no ids by default
        await pilot.press("i")  # ...unless asked for, to write a keymap file
        assert "app.help" in screen_text(app)


async def test_first_open_hints_until_a_key(make_app, settle, tmp_path):
    state = tmp_path / "state"
    app = make_app(view="rows", state=state)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.hint and "? keys" in app.hint and "d drop" in app.hint
        await pilot.press("j")
        assert app.hint is None
    again = make_app(view="rows", state=state)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert again.hint is None  # shown on the first open only


async def test_d_then_d_drops_two_consecutive_rows(make_app, settle):
    app = make_app(view="rows")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "d", "d")
        decisions = app.session.decisions
        assert [decisions.of(g) for g in range(4)] == [None, "drop", "drop", None]
        assert app.screen.query_one(RowTable).cursor == 3
        # The palette's setting keeps the cursor still
        from inspector.ui.screens.base import STAY_KEY

        app.session.save_state(STAY_KEY, True)
        await pilot.press("a", "a")
        assert decisions.of(3) == "keep" and decisions.of(4) is None
        assert app.screen.query_one(RowTable).cursor == 3


async def test_lists_go_to_their_ends(make_app, settle):
    app = make_app(view="clusters", warm=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        options = app.screen.query_one("#cluster-list", OptionList)
        await pilot.press("G")
        assert options.highlighted == options.option_count - 1
        await pilot.press("home")
        assert options.highlighted == 0
        await pilot.press("j")
        assert options.highlighted == 1


async def test_progress_never_goes_back(make_app, settle, monkeypatch):
    """Every value the app reports for a running analysis is at least the one before."""
    seen: dict[str, list[float]] = {}
    app = make_app(view="overview", analyses=("summary", "scan", "tokens"))
    original = app.post_message

    def spy(message):
        if isinstance(message, AnalysisUpdated):
            state = app.analyses[message.name]
            if state.status == RUNNING:
                seen.setdefault(message.name, []).append(state.fraction)
        return original(message)

    monkeypatch.setattr(app, "post_message", spy)
    monkeypatch.setattr("inspector.ui.analyses.runner.PROGRESS_INTERVAL", 0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        # The analyses run one after another: wait for the last, not only the first.
        while any(s.status in ("queued", RUNNING) for s in app.analyses.values()):
            await pilot.pause(0.1)
        for name in ("summary", "scan", "tokens"):
            assert app.analyses[name].status == DONE, app.analyses[name].describe()
    for name in ("scan", "tokens"):
        values = seen[name]
        assert len(values) > 3, (name, values)
        assert all(b >= a for a, b in zip(values, values[1:], strict=False)), (name, values)
        assert 0 <= values[0] < 0.1 and values[-1] > 0.6, (name, values)


async def test_a_second_export_offers_a_new_folder(make_app, settle, sample_data, tmp_path):
    data = tmp_path / "sft"
    shutil.copytree(sample_data / "sft", data)
    from inspector.core.data.dataset import open_dataset
    from inspector.ui.app import InspectorApp
    from inspector.ui.session import Session

    app = InspectorApp(Session(open_dataset(data, state_dir=tmp_path / "state")), analyses=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        assert app.screen.query_one("Input").value == str(tmp_path / "sft-export")
        await pilot.press("enter")
        await settle(pilot)
        assert (tmp_path / "sft-export" / "manifest.json").is_file()
        await pilot.press("e")  # unchanged decisions, exported again: a new name is offered
        dialog_input = app.screen.query_one("Input")
        assert dialog_input.value == str(tmp_path / "sft-export-2")
        dialog_input.value = str(tmp_path / "sft-export")  # the user insists on the old one
        await pilot.press("enter")
        await pilot.pause()
        labels = [label for label, _ in app.screen.choices]
        assert labels[0].startswith("replace the earlier export")
        assert any("sft-export-2" in label for label in labels)
        first = (tmp_path / "sft-export" / "manifest.json").stat().st_mtime_ns
        await pilot.press("enter")  # replace it
        await settle(pilot)
        assert (tmp_path / "sft-export" / "manifest.json").stat().st_mtime_ns != first
        assert not (tmp_path / "sft-export-2").exists()


async def test_a_keymap_file_remaps_keys_and_help_shows_them(make_app, settle, tmp_path):
    path = tmp_path / "keys.toml"
    path.write_text('"triage.drop" = "x"\n"no.such" = "z"\n[rows]\nsearch = "ctrl+s"\n')
    keymap, source = load_keymap(path)
    assert keymap == {"triage.drop": "x", "rows.search": "ctrl+s", "no.such": "z"}
    app = make_app(view="rows", keymap=keymap, keymap_source=source)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert any("no.such" in n.message for n in app._notifications)  # a typo is said
        await pilot.press("x")
        assert app.session.decisions.of(0) == "drop"
        await pilot.press("question_mark")
        rows = {r[3]: r[1] for r in app.screen.rows}
        assert rows["triage.drop"] == "x" and "^s" in rows["rows.search"]


def test_a_broken_keymap_file_is_refused(tmp_path):
    from inspector.core.errors import InputError

    path = tmp_path / "keys.toml"
    path.write_text('"triage.drop" = 3\n')
    with pytest.raises(InputError, match="triage.drop must be a string"):
        load_keymap(path)
    path.write_text("triage.drop = \n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_keymap(path)
    assert load_keymap(None)[1] is None or load_keymap(None)[1].is_file()


async def test_the_clusters_view_names_its_encoder(make_app, settle):
    app = make_app(view="clusters", warm=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        head = screen_text(app)
        assert "tfidf-svd-128 on cpu" in head or "all-MiniLM-L6-v2 on cuda fp16" in head
        assert "--embed-model" in head


async def test_analyses_not_started_say_not_run(make_app, settle):
    app = make_app(view="clusters", analyses=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "not run" in screen_text(app) and "cancelled" not in screen_text(app)


def test_small_shares_never_read_zero():
    from inspector.ui.widgets.charts import share

    assert share(0.0004) == "<0.1%" and share(0.0) == "0.0%" and share(0.25) == "25.0%"


async def test_duplicates_show_roles_and_mark_the_words_that_differ(real_data, tmp_path, settle):
    """A real near-duplicate pair (rows 5 and 505 of the SFT notebook's data): both members
    with their roles and line breaks, only the differing words marked; `K` swaps the keeper
    and `d` then drops the other one."""
    from inspector.core.data.dataset import open_dataset
    from inspector.ui.app import InspectorApp
    from inspector.ui.session import Session

    ds = open_dataset(real_data / "rasbt_instruction-data.json", state_dir=tmp_path / "state")
    app = InspectorApp(Session(ds), view="duplicates", analyses=("scan",))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        groups = app.screen.query_one("#dup-groups", OptionList)
        ids = [groups.get_option_at_index(i).id for i in range(groups.option_count)]
        groups.highlighted = ids.index("near#0")
        await pilot.pause()
        members = app.analyses.index("scan").groups["near"][0].tolist()
        assert members == [5, 505]
        plain, roles = app.screen._text(505)
        assert plain.startswith("user\n") and "\n\nassistant\n" in plain and len(roles) == 2
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#dup-members", Static).content)
        shown = console.export_text()
        assert "505 duplicate" in shown and "content" in shown and "joyful" in shown
        from inspector.ui.worddiff import differing, words

        rep, dup = app.screen._text(5)[0], plain
        marked_words = {words(dup)[i] for i in differing(rep, dup)}
        assert marked_words == {"'happy.'", "'happy'", "'joyful.'"}
        await pilot.press("K", "d")  # keep 505 instead; drop the representative
        assert app.session.decisions.of(5) == "drop" and app.session.decisions.of(505) is None


async def test_token_legend_explains_byte_tokens(real_data, tmp_path, settle):
    """Chinese text through the Mistral vocabulary falls back to byte tokens: the legend says
    what the `·` marks are."""
    from inspector.core.data.dataset import open_dataset
    from inspector.ui.app import InspectorApp
    from inspector.ui.session import Session
    from inspector.ui.widgets.tokens import TokenView

    ds = open_dataset(real_data / "llamafactory_dpo_zh_demo.json", state_dir=tmp_path / "state")
    app = InspectorApp(Session(ds), view="rows", analyses=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "right_square_bracket")
        await settle(pilot)
        view = app.screen.query_one(TokenView)
        while not hasattr(view, "row"):
            await pilot.pause(0.1)
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(view.content)
        shown = console.export_text()
        assert "a byte token: its character shows on the last byte" in shown
        assert "·" in shown.split("\n", 3)[-1]  # and the marks are in the tokens


async def test_a_first_compiling_run_says_so_once(make_app, settle, monkeypatch, tmp_path):
    """The scan's row pass compiles numba kernels on a machine's first run: the panel says
    "compiling kernels, once" then, and not on the next run."""
    from inspector.ui.analyses import compiled

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr("inspector.ui.analyses.runner.PROGRESS_INTERVAL", 0.0)

    async def said(state_dir) -> set[str]:
        app = make_app(view="overview", state=state_dir, analyses=("scan",))
        seen: set[str] = set()
        original = app.post_message

        def spy(message):
            if isinstance(message, AnalysisUpdated) and app.analyses["scan"].status == RUNNING:
                seen.add(app.analyses["scan"].describe())
            return original(message)

        monkeypatch.setattr(app, "post_message", spy)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert app.analyses["scan"].status == DONE
        return seen

    assert not compiled.before("scan")
    first = await said(tmp_path / "one")
    assert any("scanning rows (compiling kernels, once)" in s for s in first), first
    assert compiled.before("scan")
    second = await said(tmp_path / "two")  # another dataset folder: computed, not cached
    assert second and not any("compiling" in s for s in second), second
