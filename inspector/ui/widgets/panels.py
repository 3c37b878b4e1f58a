"""Panels a view shows in place of its content while an analysis it needs is not ready."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from inspector.core.safe_text import safe_text

from ..analyses.state import CANCELLED, FAILED, RUNNING, SKIPPED


class AnalysisPanel(Static):
    """The state of one analysis: its progress, not run, cancelled, or its error."""

    DEFAULT_CSS = """
    AnalysisPanel { padding: 1 2; width: 100%; height: auto; border: round $panel; }
    AnalysisPanel.-failed { border: heavy $error; color: $text; }
    """

    def __init__(self, name: str, *, id: str | None = None):
        super().__init__(id=id)
        self.analysis = name

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        state = self.app.analyses[self.analysis]
        self.set_class(state.status == FAILED, "-failed")
        text = Text()
        if state.status == FAILED:
            text.append(f"{state.spec.title} failed\n\n", style="bold")
            text.append(safe_text(state.error or "unknown error"))
            text.append(
                "\n\nThe other views keep working. Run it again from the command "
                'palette (ctrl+p, "run analysis").',
                style="italic",
            )
        elif state.status in (CANCELLED, SKIPPED):
            text.append(state.describe())
        else:
            text.append(safe_text(state.describe()))
            if state.status == RUNNING:
                text.append("\n" + bar(state.fraction, 40))
            text.append("\n\nX cancels it; the other views keep working.", style="italic")
        self.update(text)


def bar(fraction: float, width: int) -> str:
    """A text progress bar (no animation: it only changes when progress does)."""
    fraction = min(1.0, max(0.0, fraction))
    full = int(fraction * width)
    return "█" * full + "░" * (width - full) + f" {fraction:4.0%}"
