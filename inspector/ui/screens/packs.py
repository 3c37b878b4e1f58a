"""The packs view: how a split's rows fill packs of `--max-length` tokens, segment by segment."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..adapters import Unavailable, pack_rows
from ..messages import OpenRow
from ..widgets.panels import AnalysisPanel
from .base import ViewScreen

STRATEGIES = ("bfd", "wrapped")
BAR = 48
MAX_PACKS_LISTED = 5000


def pack_bar(lengths: list[int], max_length: int, width: int = BAR) -> Text:
    """Segments of one pack as alternating blocks, padding as `░`, to scale."""
    text = Text(no_wrap=True)
    used = 0
    for i, n in enumerate(lengths):
        cells = max(1, round(n / max_length * width))
        cells = min(cells, width - used)
        if cells <= 0:
            break
        text.append(("█" if i % 2 == 0 else "▓") * cells, style="bold" if i % 2 == 0 else "")
        used += cells
    text.append("░" * (width - used), style="dim")
    return text


class PacksScreen(ViewScreen):
    """`t` switches the strategy, `x` the split; enter opens the first row of a pack."""

    VIEW = "packs"
    BINDINGS = [
        Binding("t", "strategy", "Strategy", id="packs.strategy"),
        Binding("x", "split", "Next split", id="packs.split"),
        Binding("j", "cursor(1)", "Down", show=False, id="packs.down"),
        Binding("k", "cursor(-1)", "Up", show=False, id="packs.up"),
    ]
    DEFAULT_CSS = """
    PacksScreen #packs-body { height: 1fr; }
    PacksScreen #packs-head { height: auto; padding: 0 1; }
    PacksScreen #packs-list { height: 1fr; }
    PacksScreen #packs-detail { height: auto; max-height: 8; border-top: solid $panel; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.strategy = STRATEGIES[0]
        self.split_index = 0
        self.packs: list[list[int]] = []
        self.lengths = np.zeros(0, dtype=np.int64)
        self.gids = np.zeros(0, dtype=np.int64)

    def compose_view(self) -> ComposeResult:
        yield AnalysisPanel("tokens")
        with Vertical(id="packs-body"):
            yield Static(id="packs-head")
            yield OptionList(id="packs-list", markup=False)
            yield Static(id="packs-detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.sync()

    def analysis_changed(self, name: str) -> None:
        if name == "tokens":
            self.sync()

    def sync(self) -> None:
        tokens = self.app.index("tokens")
        panel = self.query_one(AnalysisPanel)
        body = self.query_one("#packs-body")
        panel.display, body.display = tokens is None, tokens is not None
        if tokens is None:
            panel.show()
            self.status(self.app.analyses["tokens"].describe())
            return
        s = self.app.session
        split = s.splits[self.split_index]
        lo, hi = s.split_range(split)
        known = np.flatnonzero(tokens.total[lo:hi] >= 0) + lo
        self.gids = known
        # A pack holds what the model sees: truncated rows count max_length tokens.
        self.lengths = np.minimum(tokens.total[known], s.settings.max_length).astype(np.int64)
        self.query_one("#packs-head", Static).update(f"packing {split} with {self.strategy}…")
        self.compute(split, self.strategy, self.lengths, s.settings.max_length)

    @work(thread=True, exclusive=True, group="packs", exit_on_error=False)
    def compute(self, split: str, strategy: str, lengths: np.ndarray, max_length: int) -> None:
        try:
            packs = pack_rows(self.app.session, lengths.tolist(), max_length, strategy=strategy)
        except Unavailable as err:
            self.app.call_from_thread(self.query_one("#packs-head", Static).update, str(err))
            return
        except Exception as err:
            self.app.call_from_thread(self.query_one("#packs-head", Static).update,
                                      f"packing failed: {type(err).__name__}: {err}")
            return
        self.app.call_from_thread(self.show_packs, split, strategy, packs, max_length)

    def show_packs(self, split: str, strategy: str, packs, max_length: int) -> None:
        self.packs = [list(p) for p in packs]
        tokens = int(self.lengths.sum())
        eff = tokens / max(1, len(self.packs) * max_length)
        head = Text()
        head.append(f"{split} · {strategy} · max length {max_length:,} · ", style="bold")
        head.append(f"{len(self.lengths):,} rows in {len(self.packs):,} packs · "
                    f"efficiency {eff:.1%} · padding {1 - eff:.1%}")
        self.query_one("#packs-head", Static).update(head)
        options = self.query_one("#packs-list", OptionList)
        options.clear_options()
        for i, pack in enumerate(self.packs[:MAX_PACKS_LISTED]):
            lens = [int(self.lengths[j]) for j in pack]
            label = Text(f"{i:>6} ")
            label.append_text(pack_bar(lens, max_length))
            label.append(f" {len(pack):>3} seq {sum(lens) / max_length:5.1%}")
            options.add_option(Option(label, id=str(i)))
        options.highlighted = 0 if self.packs else None
        options.focus()
        self.show_detail()

    def show_detail(self) -> None:
        options = self.query_one("#packs-list", OptionList)
        detail = self.query_one("#packs-detail", Static)
        if options.highlighted is None or not self.packs:
            detail.update("")
            return
        pack = self.packs[options.highlighted]
        s = self.app.session
        text = Text()
        start = 0
        for j in pack:
            n = int(self.lengths[j])
            text.append(f"{s.label(int(self.gids[j]))}: tokens {start:,}–{start + n - 1:,} "
                        f"({n:,})  ")
            start += n
        text.append(f"padding {s.settings.max_length - start:,}", style="dim")
        detail.update(text)
        self.status(f"pack {options.highlighted}: {len(pack)} sequences · t strategy · "
                    "x split · enter opens its first row")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_detail()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        pack = self.packs[int(event.option.id)]
        if pack:
            walk = [int(self.gids[j]) for j in pack]
            self.post_message(OpenRow(walk[0], walk))

    def action_strategy(self) -> None:
        self.strategy = STRATEGIES[(STRATEGIES.index(self.strategy) + 1) % len(STRATEGIES)]
        self.sync()

    def action_split(self) -> None:
        self.split_index = (self.split_index + 1) % len(self.app.session.splits)
        self.sync()

    def action_cursor(self, step: int) -> None:
        options = self.query_one("#packs-list", OptionList)
        options.action_cursor_down() if step > 0 else options.action_cursor_up()
