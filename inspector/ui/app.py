"""The Textual app: wires the session, the views, the background analyses and the themes.

Views are Textual *modes* (each keeps its own screen stack), switched with the number keys.
Everything a view needs comes from `self.session` (dataset, triage store, decisions) and
`self.analyses` (the analyses' states; `analyses.index(name)` reads a finished one's results);
views learn about changes through two signals.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.signal import Signal

from . import triage
from .analyses.runner import Analyses
from .commands import InspectorCommands
from .dataset import DatasetLoader
from .exporting import Exporter
from .messages import AnalysisUpdated, OpenRow, ShowRows
from .quiet import QuietStart
from .safe_lines import NoControls
from .themes import DEFAULT_THEME, register_themes
from .widgets.bars import VIEWS
from .workers import WorkerRouter

#: The status line of a dataset's first open, until the first key.
FIRST_HINT = "? keys · 2 rows · d drop · a keep · e export"
#: UI-state key: the first-open hint was seen.
HINT_SEEN = "hint_seen"


def _screen(module: str, name: str):
    """A mode's screen factory that imports the view's module when the view is first shown:
    only the view the app opens on is imported before the first frame."""

    def make():
        return getattr(import_module(f"inspector.ui.screens.{module}"), name)()

    make.__qualname__ = name
    return make


class _NoWaitExecutor(ThreadPoolExecutor):
    """The app's thread pool. Closing the event loop does not wait for its threads: a clustering
    step cannot be interrupted, and quitting must not hang on it (see `leave`)."""

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=False, cancel_futures=cancel_futures)


def leave(app: InspectorApp) -> None:
    """After `app.run()`: end the process at once when only cancelled analyses are still
    running (their results are cached atomically or not at all; every decision is already
    committed). A running export is waited for: it finishes or cleans up after itself."""
    executor = getattr(app, "_thread_pool", None)
    busy = executor is not None and any(t.is_alive() for t in list(executor._threads))
    if busy and not app.exporter.running:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(app.return_code or 0)


class InspectorApp(App):
    """`inspector open`: browse, analyse and triage one dataset.

    Its parts are components it owns, each with one job: `analyses` (the background analyses,
    their results and indexes), `dataset` (completing a reopened dataset), `exporter` (the `e`
    dialog and its worker), `quiet` (work that waits for a pause in the typing), and
    `workers_router`, which handles the end of every worker and shows every failure alike.
    Every line it draws passes `no_controls` last (see `safe_lines`).
    """

    #: The filter instance (tests set `app.no_controls = NoControls(enabled=False)` to check
    #: that the renderables alone already show every control).
    no_controls = NoControls()

    CSS_PATH = "app.tcss"
    TITLE = "inspector"
    MODES = {
        "overview": _screen("overview", "OverviewScreen"),
        "rows": _screen("rows", "RowsScreen"),
        "clusters": _screen("clusters", "ClustersScreen"),
        "duplicates": _screen("duplicates", "DuplicatesScreen"),
        "contamination": _screen("contamination", "ContaminationScreen"),
        "packs": _screen("packs", "PacksScreen"),
    }
    COMMANDS = App.COMMANDS | {InspectorCommands}
    BINDINGS = [
        *[
            Binding(
                key,
                f"view('{name}')",
                f"{name.capitalize()} view",
                show=False,
                id=f"app.view.{name}",
            )
            for name, key, _ in VIEWS
        ],
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("g", "prefix", "Prefix: apply to selection", show=False, id="app.prefix"),
        Binding("U", "undo", "Undo", id="app.undo"),
        Binding("R", "redo", "Redo", show=False, id="app.redo"),
        Binding("X", "cancel_analysis", "Cancel analysis", show=False, id="app.cancel"),
        Binding("e", "export", "Export kept rows", show=False, id="app.export"),
        Binding("escape", "back", "Back", show=False, id="app.back"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def get_line_filters(self):
        filters = list(super().get_line_filters())
        if self.no_controls.enabled:
            filters.append(self.no_controls)
        return filters

    def __init__(
        self,
        session,
        *,
        theme: str | None = None,
        view: str | None = None,
        analyses: bool = True,
        user_theme=None,
        keymap: dict[str, str] | None = None,
        keymap_source=None,
    ):
        initial = view or session.load_state("view", None) or "overview"
        self.initial_view = initial if initial in self.MODES else "overview"
        # The app starts in that mode (Textual builds it at compose), instead of a default
        # screen it would then switch away from: one screen and two CSS passes fewer before
        # the first frame.
        self.DEFAULT_MODE = self.initial_view
        # Under NO_COLOR, Textual turns colours to greys (its Monochrome filter), which only
        # works on RGB colours: an ANSI theme's "default" colours would all become black on
        # black. Converting ANSI colours to RGB first keeps every bundled theme readable.
        super().__init__(ansi_color=False if "NO_COLOR" in os.environ else None)
        self.session = session
        self.animation_level = "none"  # nothing that floods a slow SSH link
        self.analysis_signal: Signal[str] = Signal(self, "analysis")
        self.decision_signal: Signal[str] = Signal(self, "decisions")
        self.prefix_signal: Signal[bool] = Signal(self, "prefix")
        self.prefix = False
        self.hint_signal: Signal[str] = Signal(self, "hint")
        #: The first open of a dataset shows where to start in the status line, until a key.
        self.hint = None if session.load_state(HINT_SEEN, False) else FIRST_HINT
        self.rows_request: tuple[dict, int | None] | None = None
        # The row the one-row view showed last: the rows view's cursor goes there on return.
        self.row_shown: int | None = None
        self.quitting = False
        # True until the background work has started (tests wait for it to turn False).
        self.starting = True
        self.workers_router = WorkerRouter(self)
        self.quiet = QuietStart(self)
        self.dataset = DatasetLoader(self)
        self.analyses = Analyses(self, enabled=analyses)
        self.exporter = Exporter(self)
        #: Binding id -> keys from the keymap file (`ui/keymap.py`), and the file's path.
        self.user_keymap = dict(keymap or {})
        self.keymap_source = keymap_source
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        names = register_themes(self, user_theme)
        # --theme wins; else the theme chosen last time (palette), else the default.
        saved = session.load_state("theme", None)
        self.theme = theme if theme in names else saved if saved in names else DEFAULT_THEME

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self._thread_pool = _NoWaitExecutor(thread_name_prefix="inspector")
        asyncio.get_running_loop().set_default_executor(self._thread_pool)
        self.go(self.initial_view)
        self.call_after_refresh(self.first_frame_out)

    def _remember_theme(self, theme) -> None:
        if self.session.load_state("theme", None) != theme.name:
            self.session.save_state("theme", theme.name)

    def first_frame_out(self) -> None:
        # `inspector open` turns the garbage collector off while it starts (cli/open_app.py).
        gc.enable()
        # The analyses (and, for a reopened dataset, loading `datasets`) start once the first
        # frame is out and the user pauses: they must not delay the frame or the first keys.
        self.quiet.when_quiet(self._start_background)
        if self.user_keymap:
            self.call_after_refresh(self._check_keymap)

    def _check_keymap(self) -> None:
        """Say which ids of the keymap file no binding has (a typo must not pass silently)."""
        from .keymap import unknown_ids

        unknown = unknown_ids(self.user_keymap, type(self))
        if unknown:
            self.notify(
                f"{self.keymap_source}: no key has the id {', '.join(unknown)} "
                "(? then i lists the ids)",
                severity="warning",
                timeout=10,
                markup=False,
            )

    def _start_background(self) -> None:
        self.starting = False
        self.analyses.start()
        self.set_interval(1.0, self._poll_decisions)

    def _poll_decisions(self) -> None:
        """Show decisions another instance on the same data wrote (cheap: one SQLite pragma)."""
        session = self.session
        if session.store.changed_elsewhere():
            session.decisions.reload()
            self.decision_signal.publish("decisions changed in another window")

    def go(self, view: str) -> None:
        """Show a top-level view and remember it for the next open."""
        self.switch_mode(view)
        self.session.save_state("view", view)

    def on_unmount(self) -> None:
        self.analyses.cancel()

    # -- messages and signals -----------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.quiet.key_pressed()
            if self.hint is not None:
                self.hint = None
                self.session.save_state(HINT_SEEN, True)
                self.hint_signal.publish("")
        await super().on_event(event)

    def on_worker_state_changed(self, event) -> None:
        self.workers_router.route(event)

    def on_analysis_updated(self, message: AnalysisUpdated) -> None:
        self.analysis_signal.publish(message.name)

    def announce_decisions(self, label: str) -> None:
        """Decisions changed: every view redraws; the user sees what happened."""
        self.decision_signal.publish(label)
        self.notify(f"{label}   (U undoes)", timeout=2)

    def on_show_rows(self, message: ShowRows) -> None:
        # The rows screen may not exist yet: it takes the request when it mounts or resumes.
        self.rows_request = (message.filter, message.focus_gid)
        self.go("rows")

    def on_open_row(self, message: OpenRow) -> None:
        from .screens.row import RowScreen

        self.push_screen(RowScreen(message.gid, message.walk))

    # -- actions ------------------------------------------------------------------------------

    def action_view(self, name: str) -> None:
        self.take_prefix()
        self.go(name)

    def action_prefix(self) -> None:
        self.prefix = not self.prefix
        self.prefix_signal.publish(self.prefix)

    def take_prefix(self) -> bool:
        """Whether `g` was pressed before this key (and forget it)."""
        was, self.prefix = self.prefix, False
        if was:
            self.prefix_signal.publish(False)
        return was

    def action_undo(self) -> None:
        self.take_prefix()
        label = triage.undo(self)
        self.decision_signal.publish(label or "")
        self.notify(f"undid: {label}" if label else "nothing to undo", timeout=2)

    def action_redo(self) -> None:
        self.take_prefix()
        label = triage.redo(self)
        self.decision_signal.publish(label or "")
        self.notify(f"redid: {label}" if label else "nothing to redo", timeout=2)

    def run_bulk(self, action) -> None:
        """Apply a `BulkAction` as one undoable step."""
        n = triage.decide(
            self, action.gids.tolist(), action.decision, action.reason, label=action.label
        )
        if n is None:
            return
        self.announce_decisions(f"{action.label} ({n:,} rows)")

    def action_cancel_analysis(self) -> None:
        name = self.analyses.cancel()
        self.notify(f"cancelling {name}" if name else "no analysis is running", timeout=2)

    def action_export(self) -> None:
        self.take_prefix()
        self.exporter.ask()

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_back(self) -> None:
        self.take_prefix()
        if len(self.screen_stack) > 1:
            self.pop_screen()

    async def action_quit(self) -> None:
        # `q` quits from every view (escape goes back); keys still queued while the app
        # shuts down must find nothing to act on (see `check_action`).
        self.quitting = True
        self.exit()

    def check_action(self, action: str, parameters) -> bool | None:
        """No action runs once quitting started: a key typed right after `q` (`q e`) would
        open a dialog on a screen being torn down."""
        if self.quitting:
            return False
        return super().check_action(action, parameters)

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        for name, key, _ in VIEWS:
            yield SystemCommand(
                f"Go to {name}",
                f"Show the {name} view (key {key})",
                lambda name=name: self.action_view(name),
            )
        yield SystemCommand("Keys", "List every key of this view (?)", self.action_help)
        yield SystemCommand(
            "Export", "Write the kept rows: filtered, tokenized, packed (e)", self.action_export
        )
