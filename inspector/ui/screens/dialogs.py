"""Small modal dialogs: ask for a line of text, or pick one choice from a list."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ..widgets.lists import ItemList


class AskText(ModalScreen[str | None]):
    """One line of text (a reason, a search); enter accepts, escape cancels (None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]
    DEFAULT_CSS = """
    AskText { align: center middle; }
    AskText > Vertical { width: 60; max-width: 100%; height: auto; border: round $primary;
                         background: $surface; padding: 0 1; }
    AskText Label { width: 100%; color: $text-muted; }
    """

    def __init__(
        self, title: str, value: str = "", suggestions: list[str] | None = None, hint: str = ""
    ):
        super().__init__()
        self.title_text = title
        self.value = value
        self.suggestions = suggestions or []
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            suggester = (
                SuggestFromList(self.suggestions, case_sensitive=False)
                if self.suggestions
                else None
            )
            yield Input(self.value, suggester=suggester, select_on_focus=False)
            if self.hint:
                yield Label(self.hint)

    def on_mount(self) -> None:
        # `query`, not `query_one`: a dialog opened by a key typed while the app quits is
        # mounted without its children, and must not raise.
        for inp in self.query(Input):
            inp.cursor_blink = False  # no animation over a slow link
            inp.select_all()  # typing replaces the previous text (a search, a reason)
            inp.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class Choose(ModalScreen[Any]):
    """Pick one of `choices` (`(label, value)` pairs, value None = a disabled heading)."""

    BINDINGS = [
        Binding("escape,q", "cancel", "Cancel", id="dialog.cancel"),
    ]
    DEFAULT_CSS = """
    Choose { align: center middle; }
    Choose > Vertical { width: 76; max-width: 100%; height: auto; max-height: 90%;
                        border: round $primary; background: $surface; padding: 0 1; }
    Choose Label { width: 100%; text-style: bold; }
    Choose OptionList { height: auto; max-height: 20; border: none; }
    """

    def __init__(self, title: str, choices: list[tuple[str, Any]]):
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield ItemList(
                *[
                    Option(label, id=str(i), disabled=value is None)
                    for i, (label, value) in enumerate(self.choices)
                ],
                markup=False,
            )

    def on_mount(self) -> None:
        for options in self.query(OptionList):  # none while the app quits (see AskText)
            options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
