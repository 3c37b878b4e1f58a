"""Command palette entries: bulk triage actions, analyses to run or cancel, the clusters'
encoder, what `d`/`a` do to the cursor, themes."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from inspector.core.safe_text import safe_line

from .analyses.state import CANCELLED, FAILED, QUEUED, RUNNING, SKIPPED
from .bulk import bulk_actions
from .screens.base import STAY_KEY

#: Encoders the palette offers for the clusters (any other: `--embed-model FOLDER`).
ENCODERS = (
    ("auto", "minilm on a GPU, tfidf on a CPU"),
    ("tfidf", "hashed TF-IDF + SVD fitted on the data: fast on a CPU"),
    ("minilm", "the bundled all-MiniLM-L6-v2 sentence embeddings: best on a GPU"),
)


def use_encoder(app, model: str) -> None:
    """Compute the clusters again with another encoder."""
    app.session.settings.embed_model = model
    app.analyses.rerun("clusters")
    app.notify(f"clusters: computing again with --embed-model {model}", timeout=3)


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
            if state.status in (FAILED, CANCELLED, SKIPPED):
                out.append(
                    (f"Run analysis: {name}", partial(app.analyses.rerun, name), state.describe())
                )
            if state.status in (RUNNING, QUEUED):
                out.append(
                    (
                        f"Cancel analysis: {name}",
                        partial(app.analyses.cancel, name),
                        state.describe(),
                    )
                )
        current = app.session.settings.embed_model
        for model, what in ENCODERS:
            if model != current:
                out.append(
                    (
                        f"Clusters encoder: {model}",
                        partial(use_encoder, app, model),
                        f"{what}; recomputes the map and clusters (--embed-model {model})",
                    )
                )
        stay = bool(app.session.load_state(STAY_KEY, False))
        out.append(
            (
                "After d/a: move to the next item" if stay else "After d/a: stay on the item",
                partial(app.session.save_state, STAY_KEY, not stay),
                "now: " + ("the cursor stays" if stay else "the cursor moves down"),
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
