"""Tokens of a row coloured by what training does with them, with the truncation point."""

from __future__ import annotations

from rich.console import Group
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from inspector.core.safe_text import safe_text
from inspector.core.tokens import byte_chars, visible

#: Tokens drawn at most (a 100k-token row must not freeze the terminal).
MAX_TOKENS = 6000
_SPACE_MARKS = {"▁": " ", "Ġ": " ", "Ċ": "↵\n", "<0x0A>": "↵\n", "<0x09>": "⇥"}


def token_text(token: str) -> str:
    """How a token string reads on screen (SentencePiece and byte-level BPE marks undone)."""
    if token in _SPACE_MARKS:
        return _SPACE_MARKS[token]
    for mark, repl in (("▁", " "), ("Ġ", " "), ("Ċ", "↵\n")):
        token = token.replace(mark, repl)
    return safe_text(visible(token))


class TokenView(Static):
    """Trained, masked and special tokens in their own styles; alternate shades show the
    boundaries between tokens; `✂` marks where `max_length` cuts."""

    COMPONENT_CLASSES = {
        "token-view--trained",
        "token-view--trained-alt",
        "token-view--masked",
        "token-view--masked-alt",
        "token-view--special",
        "token-view--reasoning",
        "token-view--reasoning-masked",
        "token-view--cut",
        "token-view--legend",
    }
    DEFAULT_CSS = """
    TokenView { height: auto; padding: 0 1; }
    TokenView > .token-view--trained { color: $success; background: $success 15%; }
    TokenView > .token-view--trained-alt { color: $success; background: $success 30%; }
    TokenView > .token-view--masked { color: $text-muted; }
    TokenView > .token-view--masked-alt { color: $text-muted; background: $panel; }
    TokenView > .token-view--special { color: $accent; text-style: bold reverse; }
    TokenView > .token-view--reasoning {
        color: $secondary; background: $secondary 20%; text-style: italic;
    }
    TokenView > .token-view--reasoning-masked { color: $secondary 70%; text-style: italic; }
    TokenView > .token-view--cut { color: $error; text-style: bold reverse; }
    TokenView > .token-view--legend { color: $text-muted; text-style: italic; }
    """

    def show(self, row) -> None:
        """Draw a `TokenizedRow` (tokens, labels, special, roles, max_length)."""
        self.row = row
        self.update(self.build(row))

    def build(self, row) -> Group:
        style = self.get_component_rich_style
        dim_legend = style("token-view--legend")
        legend = Text()
        legend.append(" trained ", style("token-view--trained"))
        legend.append(" ")
        legend.append(" masked ", style("token-view--masked-alt"))
        legend.append(" ")
        legend.append(" special ", style("token-view--special"))
        legend.append(" ")
        if "reasoning" in row.parts:
            legend.append(" reasoning ", style("token-view--reasoning"))
            legend.append(" ")
        legend.append(" ✂ truncation ", style("token-view--cut"))
        n = min(len(row.tokens), MAX_TOKENS)
        # A character spelled in byte tokens shows once, on its last byte; `·` on the others.
        chars = byte_chars(row.tokens[:n])
        if any(c == "" for c in chars.values()):
            # Byte-fallback tokens: a character the vocabulary lacks, spelled byte by byte.
            legend.append("  · a byte token: its character shows on the last byte", dim_legend)
        facts = Text(
            f"{row.total_tokens:,} tokens · {row.trained_tokens:,} trained after truncation · "
            f"max length {row.max_length:,} · mask {row.mask}"
            + (
                f" · TRUNCATED, {row.trained_tokens_lost:,} trained tokens lost"
                if row.truncated
                else ""
            ),
            style=style("token-view--legend"),
        )
        body = Text()
        labels, special = row.labels, row.special
        parts = row.parts
        dim = Style(dim=True)
        for i in range(n):
            if i == row.max_length:
                body.append(f" ✂ {row.max_length:,} ", style("token-view--cut"))
                body.append("\n")
            trained = labels[i] != -100
            if special[i]:
                cls = "token-view--special"
            elif parts[i] == "reasoning":  # the answer's reasoning trace, trained or not
                cls = "token-view--reasoning" if trained else "token-view--reasoning-masked"
            elif trained:
                cls = "token-view--trained-alt" if i % 2 else "token-view--trained"
            else:
                cls = "token-view--masked-alt" if i % 2 else "token-view--masked"
            char = chars.get(i)
            if char == "":
                body.append("·", style(cls) + dim)
            else:
                shown = token_text(row.tokens[i]) if char is None else safe_text(char)
                body.append(shown, style(cls))
        if len(row.tokens) > n:
            body.append(f"\n… {len(row.tokens) - n:,} more tokens", style("token-view--legend"))
        return Group(legend, facts, Text(""), body)
