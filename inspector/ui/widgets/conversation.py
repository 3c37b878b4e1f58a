"""A conversation with its roles, evidence highlighted; preference sides side by side."""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from inspector.core.safe_text import safe_line, safe_text
from inspector.core.tokens import trained_turns

#: Caps what one turn shows: a multi-megabyte row must not freeze the terminal.
MAX_TURN_CHARS = 20_000


def highlight(text: str, needles: list[str], style: Style) -> Text:
    """`text` with every occurrence of each needle (any case) styled; terminal controls in
    both are shown as placeholders (`safe_text`), so the needles still match."""
    out = Text(safe_text(text[:MAX_TURN_CHARS]))
    if len(text) > MAX_TURN_CHARS:
        out.append(f"\n… {len(text) - MAX_TURN_CHARS:,} more characters", style="italic")
    for needle in map(safe_text, needles):
        if needle:
            for m in re.finditer(re.escape(needle), out.plain, flags=re.IGNORECASE):
                out.stylize(style, m.start(), m.end())
    return out


class ConversationView(Static):
    """Renders a `Conversation`; `needles` are evidence strings to highlight."""

    COMPONENT_CLASSES = {
        "conversation--role",
        "conversation--trained",
        "conversation--evidence",
        "conversation--meta",
        "conversation--reasoning",
    }
    DEFAULT_CSS = """
    ConversationView { height: auto; padding: 0 1; }
    ConversationView > .conversation--role { color: $accent; text-style: bold; }
    ConversationView > .conversation--trained { color: $success; text-style: bold; }
    ConversationView > .conversation--evidence {
        background: $warning; color: $background; text-style: bold underline;
    }
    ConversationView > .conversation--meta { color: $text-muted; text-style: italic; }
    ConversationView > .conversation--reasoning { color: $secondary; text-style: italic; }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.conversation = None
        self.problem: str | None = None
        self.needles: list[str] = []
        self.mask = "assistant"
        self.raw: str | None = None

    def show(
        self,
        conversation,
        problem: str | None = None,
        needles=None,
        mask: str | None = None,
        raw: str | None = None,
    ) -> None:
        """Show `conversation`; `mask` (completion, assistant, all) decides which turns are
        labelled trained, as the token pipeline decides them. A row that cannot be normalized
        shows its `problem` and its `raw` record as stored."""
        self.conversation, self.problem, self.raw = conversation, problem, raw
        self.needles = list(needles or [])
        if mask is not None:
            self.mask = mask
        self.update(self.build())

    def on_mount(self) -> None:
        # Theme switches change the component styles: rebuild with the new ones.
        self.watch(self.app, "theme", lambda _: self.update(self.build()), init=False)

    def build(self) -> RenderableType:
        if self.conversation is None:
            text = Text(
                safe_text(f"this row cannot be shown: {self.problem}") if self.problem else ""
            )
            if self.raw:
                text.append("\n\nthe row as stored:\n", style="bold")
                text.append(safe_text(self.raw))
            return text
        conv = self.conversation
        parts: list[RenderableType] = []
        if conv.extra:
            meta = ", ".join(f"{k}={str(v)[:40]}" for k, v in list(conv.extra.items())[:6])
            parts.append(
                Text(safe_text(meta), style=self.get_component_rich_style("conversation--meta"))
            )
        if conv.tools:
            parts.append(
                Text(
                    safe_text(f"tools: {conv.tools[:300]}"),
                    style=self.get_component_rich_style("conversation--meta"),
                )
            )
        if conv.chosen is None:
            parts.extend(self._turns(conv.turns, self._trained(conv.turns)))
        else:
            # The prompt is shared: its turns count as trained as the chosen side sees them.
            parts.extend(self._turns(conv.turns, self._trained(conv.turns + conv.chosen)))
        if conv.chosen is not None:
            grid = Table(expand=True, show_lines=False, pad_edge=False, box=None, padding=(0, 1))
            label = "chosen" + (" (prompts differ)" if conv.prompts_differ else "")
            grid.add_column(label, ratio=1)
            grid.add_column("rejected", ratio=1)
            sides = []
            for side in (conv.chosen, conv.rejected or []):
                trained = self._trained(conv.turns + side)
                sides.append(Group(*self._turns(side, trained, offset=len(conv.turns))))
            grid.add_row(*sides)
            parts.append(grid)
        if conv.label is not None:
            parts.append(
                Text(
                    f"label: {'desirable' if conv.label else 'undesirable'}",
                    style=self.get_component_rich_style("conversation--meta"),
                )
            )
        return Group(*parts)

    def _trained(self, turns) -> set[int]:
        """Indices of `turns` the session's mask mode trains on."""
        return set(trained_turns(turns, self.mask))

    def _turns(self, turns, trained: set[int], offset: int = 0) -> list[RenderableType]:
        role_style = self.get_component_rich_style("conversation--role")
        trained_style = self.get_component_rich_style("conversation--trained")
        evidence = self.get_component_rich_style("conversation--evidence")
        out: list[RenderableType] = []
        for i, turn in enumerate(turns, offset):
            is_trained = i in trained
            head = Text(
                safe_line(f"── {turn.role}"), style=trained_style if is_trained else role_style
            )
            if turn.source_role and turn.source_role != turn.role:
                head.append(safe_line(f" ({turn.source_role})"))
            if turn.name:
                head.append(safe_line(f" name={turn.name}"))
            if is_trained:
                head.append("  trained")
            out.append(head)
            if turn.reasoning:  # apart from the answer, in its own colour
                thought = highlight(turn.reasoning, self.needles, evidence)
                thought.stylize(self.get_component_rich_style("conversation--reasoning"))
                out.append(Text("thinking:", style="italic") + Text("\n") + thought)
            out.append(highlight(turn.content, self.needles, evidence))
            for call in turn.tool_calls or []:
                out.append(
                    highlight(
                        f"→ {call.get('name')}({call.get('arguments')})", self.needles, evidence
                    )
                )
        return out
