"""Prompt templates: a conversation rendered to text, with the character span of every turn.

A template turns the `Turn`s of a `Conversation` into one string and records, for every piece of
that string, which turn it belongs to and whether it is the turn's markup (headers such as
``### Response:`` or ``<|im_start|>assistant\\n``), its content, or its end-of-turn marker (the EOS
or ``<|im_end|>`` that teaches the model to stop). The tokenizer's offset mapping later turns those
character spans into per-token roles and labels (`inspector.core.tokens.tokenize`).

Built-in templates (`builtin_templates`): `alpaca` (the Stanford Alpaca text quoted
in the SFT seed notebook, with and without its input section), `chatml`, `mistral`
(``[INST] … [/INST]``, a system prompt joined to the first user message with a space, as
the seed's template does; `--mistral-system` names the other rules), `llama3`, `phi3`;
`tokenizer` renders with the tokenizer's own Jinja `chat_template` (see
`inspector.core.tokens.chat_template`). A document of the `text` format renders as its content
followed by EOS whatever the template; with response markers (`markers`) it is cut into turns
at them first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inspector.core.data.conversation import TEXT, Turn
from inspector.core.errors import InputError
from inspector.core.tokens.builtin_templates import BUILTIN, MISTRAL_SYSTEM, render_text
from inspector.core.tokens.chat_template import render_chat_template
from inspector.core.tokens.markers import Markers, split_by_markers
from inspector.core.tokens.rendered import Rendered

TEMPLATE_NAMES = ("alpaca", "chatml", "mistral", "llama3", "phi3", "tokenizer")


@dataclass
class Template:
    """A named template bound to a tokenizer (whose BOS/EOS strings and chat template it uses)."""

    name: str
    tokenizer: Any = field(repr=False)
    mistral_system: str = "space"
    """How `mistral` joins a system prompt to a user message (see `MISTRAL_SYSTEM`)."""
    markers: Markers = Markers()
    """Response/instruction markers that cut pre-formatted text rows into turns."""

    def render(self, turns: list[Turn], tools: str | None = None) -> Rendered:
        """Render `turns` (raises `RowError` when the chat template refuses the row)."""
        bos, eos = self.tokenizer.bos_token, self.tokenizer.eos_token
        if turns and all(t.role == TEXT for t in turns):
            if self.markers and len(turns) == 1:
                return split_by_markers(turns[0].content, eos, self.markers, self.name)
            return render_text(turns, eos, self.name)
        if self.name == "tokenizer":
            return render_chat_template(turns, self.tokenizer, tools)
        if self.name == "mistral":
            return BUILTIN["mistral"](turns, bos, eos, given_tools(tools), self.mistral_system)
        return BUILTIN[self.name](turns, bos, eos, given_tools(tools))


def given_tools(tools: str | None) -> str | None:
    """A row's tool definitions, or None when it has none (LLaMA-Factory writes ``[]``)."""
    if tools is None or tools.strip() in ("", "[]", "{}", "null"):
        return None
    return tools


def default_template_name(fmt: str | None, tokenizer: Any) -> str:
    """The chat template of the tokenizer if any, else `alpaca` for Alpaca data, else `mistral`."""
    if getattr(tokenizer, "chat_template", None):
        return "tokenizer"
    return "alpaca" if fmt == "alpaca" else "mistral"


def get_template(
    name: str | None,
    tokenizer: Any,
    fmt: str | None = None,
    mistral_system: str = "space",
    markers: Markers | None = None,
) -> Template:
    """Bind a template to a tokenizer; `name=None` picks `default_template_name`."""
    name = name or default_template_name(fmt, tokenizer)
    if mistral_system not in MISTRAL_SYSTEM:
        raise InputError(
            f"Unknown system joining rule {mistral_system!r}; choose one of "
            f"{', '.join(MISTRAL_SYSTEM)}."
        )
    if name not in TEMPLATE_NAMES:
        raise InputError(f"Unknown template {name!r}; choose one of {', '.join(TEMPLATE_NAMES)}.")
    if name == "tokenizer" and not getattr(tokenizer, "chat_template", None):
        raise InputError(
            "--template tokenizer: this tokenizer has no chat_template; pick one of "
            f"{', '.join(n for n in TEMPLATE_NAMES if n != 'tokenizer')}."
        )
    markers = Markers() if markers is None else markers
    if markers.instruction and not markers.response:
        raise InputError("--instruction-template needs a --response-template as well.")
    if any(not m for m in (*markers.response, *markers.instruction)):
        raise InputError("--response-template / --instruction-template: a marker cannot be empty.")
    if markers and fmt is not None and fmt != TEXT:
        raise InputError(
            f"--response-template applies to pre-formatted text rows (format text); this "
            f"dataset is {fmt}, whose turns the template already masks."
        )
    return Template(name, tokenizer, mistral_system, markers)
