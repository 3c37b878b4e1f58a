"""What every view shares: the bars around it, and the triage keys over "the current rows".

A view says what its current item is through `target()` (a row, a cluster, a duplicate
group...) and, for the `g` prefix, what the selection or the whole list is. The keys follow
VisiData: `d` drop, `a` keep ("accept"), both then moving to the next item; `c` clear; `D`/`A`
with a reason; `s`/`u`/`t` select / unselect / toggle; and `g` before any of them to apply it
to the selection (or, for selection keys, to every row listed).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList

from inspector.core.reasons import drop_reason
from inspector.core.safe_text import safe_line

from .. import triage
from ..bulk import bulk_actions
from ..widgets.bars import StatusLine, ViewBar
from ..widgets.panels import AnalysisPanel
from ..widgets.row_table import RowTable
from .dialogs import AskText, Choose

#: UI-state key: True keeps the cursor on an item after `d`/`a` (default: it moves down).
STAY_KEY = "stay_after_decide"


@dataclass
class Target:
    """Rows a triage key applies to, named for the undo log, with a default reason."""

    gids: list[int]
    label: str
    reason: str | None = None


class ViewScreen(Screen):
    """A top-level view: view bar, the view's own widgets, status line, footer."""

    VIEW = ""

    def compose(self) -> ComposeResult:
        yield ViewBar(self.VIEW)
        with Vertical(id="view-body"):
            yield from self.compose_view()
        yield StatusLine()
        yield Footer(compact=True)

    def compose_view(self) -> ComposeResult:
        yield from ()

    def check_action(self, action: str, parameters) -> bool | None:
        # Keys typed right after `q` (`q e`, `q /`) reach the view while the app shuts down:
        # they must not open anything.
        if self.app.quitting:
            return False
        return super().check_action(action, parameters)

    def on_mount(self) -> None:
        self.app.analysis_signal.subscribe(self, self.analysis_changed)
        self.app.decision_signal.subscribe(self, self.decisions_changed)

    def analysis_changed(self, name: str) -> None:
        """An analysis moved on; views waiting for it redraw."""

    def decisions_changed(self, label: str) -> None:
        """Decisions changed (by this view, another, undo or redo)."""

    def status(self, message: str) -> None:
        self.query_one(StatusLine).set_message(safe_line(message))

    def analysis_or_panel(self, name: str, body_id: str):
        """The finished analysis `name`, with the view's body shown; or None, with the
        view's `AnalysisPanel` shown in its place (waiting, failed...) and its state in the
        status line."""
        index = self.app.analyses.index(name)
        panel = self.query_one(AnalysisPanel)
        body = self.query_one(f"#{body_id}")
        panel.display, body.display = index is None, index is not None
        if index is None:
            panel.show()
            self.status(self.app.analyses[name].describe())
        return index


class TriageScreen(ViewScreen):
    """A view whose items can be kept or dropped, one, selected, or in bulk."""

    BINDINGS = [
        Binding("d", "decide('drop')", "Drop", id="triage.drop"),
        Binding("a", "decide('keep')", "Keep", id="triage.keep"),
        Binding("c", "decide('clear')", "Clear", show=False, id="triage.clear"),
        Binding(
            "D", "decide_with_reason('drop')", "Drop+reason", show=False, id="triage.drop_reason"
        ),
        Binding(
            "A", "decide_with_reason('keep')", "Keep+reason", show=False, id="triage.keep_reason"
        ),
        Binding("s", "select('add')", "Select", show=False, id="triage.select"),
        Binding("u", "select('remove')", "Unselect", show=False, id="triage.unselect"),
        Binding("t", "select('toggle')", "Toggle select", show=False, id="triage.toggle"),
        Binding("b", "bulk", "Bulk", show=False, id="triage.bulk"),
    ]

    # -- what the keys apply to (views override) ----------------------------------------------

    def target(self) -> Target | None:
        """The current item's rows."""
        return None

    def listed(self) -> list[int]:
        """Every row the view lists (for `gs`, `gu`, `gt`)."""
        return []

    def bulk_context(self):
        """`(filter, order)` of the rows on screen, for "every row of the filter"."""
        return None, None

    # -- actions ------------------------------------------------------------------------------

    def _selection_target(self) -> Target | None:
        sel = sorted(self.app.session.selection)
        return Target(sel, f"{len(sel):,} selected rows") if sel else None

    def _acted_on(self) -> tuple[Target | None, bool]:
        """`(target, prefixed)`: the selection after the `g` prefix, else the current item;
        None (said) when empty."""
        prefix = self.app.take_prefix()
        target = self._selection_target() if prefix else self.target()
        if target is None:
            self.notify("nothing selected" if prefix else "no row here", severity="warning")
        return target, prefix

    def action_decide(self, decision: str) -> None:
        target, prefixed = self._acted_on()
        if target is None:
            return
        self.apply(target, None if decision == "clear" else decision, target.reason)
        if decision != "clear" and not prefixed:
            self.advance()

    def advance(self) -> None:
        """After `d`/`a` on the current item, go to the next one (as VisiData does), unless the
        user chose to stay (the palette's "after d/a" setting). Views without a list stay."""
        if self.app.session.load_state(STAY_KEY, False):
            return
        focused = self.focused
        if isinstance(focused, RowTable):
            focused.action_move(1)
        elif isinstance(focused, OptionList):
            focused.action_cursor_down()

    def action_decide_with_reason(self, decision: str) -> None:
        target, prefixed = self._acted_on()
        if target is None:
            return
        flags = self.app.analyses.index("flags")
        codes = [drop_reason("flag", c) for c in sorted(flags.flags)] if flags is not None else []
        default = target.reason or ""
        if not default and flags is not None and len(target.gids) == 1:
            # A flagged row is usually dropped for its flag: offer it, editable.
            first = (flags.flags_of.get(target.gids[0]) or [None])[0]
            default = drop_reason("flag", first) if first else ""

        def done(reason: str | None) -> None:
            if reason is not None:
                self.apply(target, decision, reason or None)
                if not prefixed:
                    self.advance()

        self.app.push_screen(
            AskText(
                f"Reason to {decision} {target.label}",
                default,
                suggestions=codes,
                hint="enter: save   escape: cancel",
            ),
            done,
        )

    def apply(self, target: Target, decision: str | None, reason: str | None) -> None:
        """Write the decision now and tell every view."""
        verb = decision or "clear"
        n = triage.decide(self.app, target.gids, decision, reason, label=f"{verb} {target.label}")
        if n is None:
            return
        self.app.announce_decisions(f"{verb} {target.label}" + (f" ({n:,} rows)" if n > 1 else ""))

    def action_select(self, how: str) -> None:
        sel = self.app.session.selection
        if self.app.take_prefix():
            rows = self.listed()
        else:
            target = self.target()
            rows = target.gids if target else []
        if how == "add":
            sel.update(rows)
        elif how == "remove":
            sel.difference_update(rows)
        else:
            sel.symmetric_difference_update(rows)
        self.selection_changed()

    def selection_changed(self) -> None:
        """The selection changed; views showing it redraw."""

    def action_bulk(self) -> None:
        self.app.take_prefix()
        filt, order = self.bulk_context()
        actions = bulk_actions(self.app, filt, order)
        if not actions:
            self.notify(
                "no bulk action applies yet (they need the scan or cluster results)",
                severity="warning",
            )
            return

        def chosen(action) -> None:
            if action is not None:
                self.app.run_bulk(action)

        self.app.push_screen(
            Choose("Bulk action (one undoable step)", [(a.title, a) for a in actions]), chosen
        )
