"""Command palette entries: bulk triage actions, analyses to run or cancel, themes."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from inspector.core.safe_text import safe_line

from .analyses.state import CANCELLED, FAILED, QUEUED, RUNNING
from .bulk import bulk_actions


class InspectorCommands(Provider):
    """What the palette offers beyond Textual's own commands."""

    def _commands(self) -> list[tuple[str, object, str]]:
        app = self.app
        out: list[tuple[str, object, str]] = []
        screen = self.screen
        filt, order = screen.bulk_context() if hasattr(screen, "bulk_context") else (None, None)
        for action in bulk_actions(app, filt, order):
            out.append(
                (
                    f"Bulk: {action.title}",
                    partial(app.run_bulk, action),
                    "one undoable step (U undoes it)",
                )
            )
        for name, state in app.analyses.items():
            if state.status in (FAILED, CANCELLED):
                out.append(
                    (f"Run analysis: {name}", partial(app.rerun_analysis, name), state.describe())
                )
            if state.status in (RUNNING, QUEUED):
                out.append(
                    (
                        f"Cancel analysis: {name}",
                        partial(app.cancel_analysis, name),
                        state.describe(),
                    )
                )
        for theme in sorted(app.available_themes):
            out.append(
                (f"Theme: {theme}", partial(setattr, app, "theme", theme), "switch the colours")
            )
        return out

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(
                escape(safe_line(title)), callback, text=title, help=escape(safe_line(help_text))
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                # Titles hold data (flag codes, keywords, searches): never read them as markup.
                yield Hit(
                    score,
                    matcher.highlight(escape(safe_line(title))),
                    callback,
                    text=title,
                    help=escape(safe_line(help_text)),
                )
