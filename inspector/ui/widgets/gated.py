"""A section that needs an analysis: its state panel until the result is there, then content."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Static

from .panels import AnalysisPanel


class Gated(Vertical):
    """Title, then either the analysis panel or `render()`'s output once `name` is ready."""

    DEFAULT_CSS = """
    Gated { height: auto; margin: 0 0 1 0; }
    Gated > .gated--title { text-style: bold; color: $accent; }
    Gated > Static.gated--body { height: auto; }
    """

    def __init__(
        self,
        title: str,
        needs: str | None,
        render: Callable[[], RenderableType],
        *,
        id: str | None = None,
    ):
        super().__init__(id=id)
        self.title_text = title
        self.needs = needs
        self.render_body = render

    def compose(self) -> ComposeResult:
        yield Label(self.title_text, classes="gated--title")
        if self.needs:
            yield AnalysisPanel(self.needs)
        yield Static(classes="gated--body")

    def on_mount(self) -> None:
        self.sync()

    def sync(self) -> None:
        """Show the panel or the body, whichever the analysis' state calls for."""
        ready = self.needs is None or self.app.analyses[self.needs].ready
        body = self.query_one(".gated--body", Static)
        if self.needs:
            panel = self.query_one(AnalysisPanel)
            panel.display = not ready
            if not ready:
                panel.show()
        body.display = ready
        if ready:
            try:
                body.update(self.render_body())
            except Exception as err:  # a bad result must not take the whole view down
                body.update(Text(f"cannot show this: {type(err).__name__}: {err}", style="bold"))
