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

from ..adapters import pack_rows, packing_table
from ..messages import OpenRow
from ..widgets.lists import ItemList
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


def truncation_facts(tokens, lo: int, hi: int) -> tuple[int, int, int]:
    """`(rows cut, tokens cut, trained tokens cut)` by `max_length` in rows `[lo, hi)`."""
    known = tokens.known()[lo:hi]
    total = tokens.total[lo:hi][known].astype(np.int64)
    cut = np.clip(total - tokens.max_length, 0, None)
    trained_lost = tokens.trained_before[lo:hi][known].astype(np.int64) - tokens.trained[lo:hi][
        known
    ].astype(np.int64)
    return int((cut > 0).sum()), int(cut.sum()), int(np.clip(trained_lost, 0, None).sum())


class PacksScreen(ViewScreen):
    """`t` switches the strategy, `x` the split; enter opens the first row of a pack."""

    VIEW = "packs"
    BINDINGS = [
        Binding("t", "strategy", "Strategy", id="packs.strategy"),
        Binding("x", "split", "Next split", id="packs.split"),
    ]
    DEFAULT_CSS = """
    PacksScreen #packs-body { height: 1fr; }
    PacksScreen #packs-head { height: auto; padding: 0 1; }
    PacksScreen #packs-list { height: 1fr; }
    PacksScreen #packs-detail { height: auto; max-height: 6; border-top: solid $panel;
                                padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.strategy = STRATEGIES[0]
        self.split_index = 0
        self.packing = None
        self.split_offset = 0
        self.split_name = ""
        self.truncation = (0, 0, 0)

    def compose_view(self) -> ComposeResult:
        yield AnalysisPanel("tokens")
        with Vertical(id="packs-body"):
            yield Static(id="packs-head")
            yield ItemList(id="packs-list", markup=False)
            yield Static(id="packs-detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.sync()

    def analysis_changed(self, name: str) -> None:
        if name == "tokens":
            self.sync()

    def sync(self) -> None:
        tokens = self.analysis_or_panel("tokens", "packs-body")
        if tokens is None:
            return
        s = self.app.session
        split = s.splits[self.split_index]
        lo, hi = s.split_range(split)
        self.split_offset = lo
        # What a trainer packs: each row cut at max_length; rows without tokens take no room.
        lengths = np.clip(tokens.total[lo:hi], 0, tokens.max_length).astype(np.int64)
        lengths[tokens.failed[lo:hi]] = 0
        self.split_name = split
        self.truncation = truncation_facts(tokens, lo, hi)
        self.query_one("#packs-head", Static).update(f"packing {split} with {self.strategy}…")
        self.status(f"packing {split} with {self.strategy}…")
        self.compute(split, self.strategy, lengths, tokens.max_length)

    @work(thread=True, exclusive=True, group="packs", exit_on_error=False)
    def compute(self, split: str, strategy: str, lengths: np.ndarray, max_length: int) -> None:
        head = self.query_one("#packs-head", Static)
        try:
            packing = pack_rows(lengths, max_length, strategy)
            table = packing_table(lengths, max_length)
        except Exception as err:  # shown in this view only
            self.app.call_from_thread(head.update, f"packing failed: {type(err).__name__}: {err}")
            return
        self.app.call_from_thread(self.show_packs, split, packing, table)

    def show_packs(self, split: str, packing, table) -> None:
        self.packing = packing
        head = Text()
        head.append(
            f"{split} · {packing.strategy} · pack length {packing.capacity:,} · ", style="bold"
        )
        rows, cut, trained_lost = self.truncation
        # Rows are cut at max_length before they are packed (as a trainer does), so the
        # packing itself loses nothing: what is lost is what those cuts removed.
        head.append(
            f"{len(packing):,} packs · efficiency {packing.efficiency:.1%} · "
            + (
                f"{rows:,} rows cut at {packing.capacity:,} before packing: {cut:,} tokens "
                f"lost, {trained_lost:,} of them trained\n"
                if rows
                else "no row longer than the pack length\n"
            )
        )
        for row in table:
            head.append(
                f"  {row.strategy:<8} {row.sequences:>8,} sequences  "
                f"efficiency {row.efficiency:6.1%}  padding {row.padding_fraction:6.1%}\n",
                style="bold" if row.strategy == packing.strategy else "",
            )
        self.query_one("#packs-head", Static).update(head)
        options = self.query_one("#packs-list", OptionList)
        options.clear_options()
        for p in range(min(len(packing), MAX_PACKS_LISTED)):
            sizes = [n for _, _, n in packing.pack(p)]
            label = Text(f"{p:>6} ")
            label.append_text(pack_bar(sizes, packing.capacity))
            label.append(f" {len(sizes):>3} seq {sum(sizes) / packing.capacity:6.1%}")
            options.add_option(Option(label, id=str(p)))
        options.highlighted = 0 if len(packing) else None
        options.focus()
        self.show_detail()

    def show_detail(self) -> None:
        options = self.query_one("#packs-list", OptionList)
        detail = self.query_one("#packs-detail", Static)
        if options.highlighted is None or self.packing is None or not len(self.packing):
            detail.update("")
            # Say so: the footer must not keep describing the previous split's pack.
            self.status(f"{self.split_name}: no packs · t strategy · x split")
            return
        p = options.highlighted
        s = self.app.session
        text = Text()
        at = 0
        for row, start, size in self.packing.pack(p):
            part = f" (its tokens {start:,}–{start + size - 1:,})" if start else ""
            text.append(
                f"{s.label(self.split_offset + row)}: positions {at:,}–{at + size - 1:,}{part}   "
            )
            at += size
        text.append(f"padding {self.packing.capacity - at:,}", style="dim")
        detail.update(text)
        self.status(
            f"{self.split_name} pack {p}: {len(self.packing.pack(p))} sequences · t strategy · "
            "x split · enter opens its rows"
        )

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_detail()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        walk = [self.split_offset + row for row, _, _ in self.packing.pack(int(event.option.id))]
        if walk:
            self.post_message(OpenRow(walk[0], walk))

    def action_strategy(self) -> None:
        self.strategy = STRATEGIES[(STRATEGIES.index(self.strategy) + 1) % len(STRATEGIES)]
        self.sync()

    def action_split(self) -> None:
        self.split_index = (self.split_index + 1) % len(self.app.session.splits)
        self.sync()
