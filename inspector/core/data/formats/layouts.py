"""Common Hub layouts read with no `--map`: known column names that play a format's parts.

A layout names, for each canonical column a format needs, the source columns that usually hold
it (Dolly's `context` is Alpaca's `input`, GSM8K's `answer` a completion). It applies only when
the user gave no `--map` and, except for layouts marked `first`, only when the columns fit no
format as they are; the mapping it adds then shows in `inspector info` like a user's map. When a
part has several candidate columns, the first is used and the others are listed
(`Layout.candidates`), so nothing is guessed silently.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """Source columns (in order of preference) for each canonical column of `format`."""

    name: str
    format: str
    parts: dict[str, tuple[str, ...]]
    first: bool = False
    """Try before plain detection: its columns would otherwise be misread (a `text` column)."""

    def mapping(self, view: dict[str, str]) -> dict[str, str] | None:
        """Canonical name -> source column when every part has a column and no canonical
        name is already taken by another column; else None."""
        sources = set(view.values())
        out = {}
        for name, columns in self.parts.items():
            if name in view and view[name] not in columns:
                return None
            found = next((c for c in columns if c in sources), None)
            if found is None:
                return None
            out[name] = found
        return out if any(out[n] != n for n in out) else None

    def candidates(self, view: dict[str, str]) -> dict[str, list[str]]:
        """Per part, the other columns that could have played it (for `info`)."""
        sources = set(view.values())
        used = {view[name] for name in self.parts if name in view}
        out = {}
        for name, columns in self.parts.items():
            others = [c for c in columns if c in sources and c != view.get(name) and c not in used]
            if others:
                out[name] = others
        return out


#: The layouts, in the order they are tried.
LAYOUTS: tuple[Layout, ...] = (
    # The seed's DPO table: the chosen answer is in `text`, which alone would read as documents.
    Layout(
        "DPO table (prompt, text, rejected_text)",
        "preference",
        {"prompt": ("prompt",), "chosen": ("text",), "rejected": ("rejected_text",)},
        first=True,
    ),
    Layout(
        "Dolly (instruction, context, response)",
        "alpaca",
        {"instruction": ("instruction",), "input": ("context",), "output": ("response",)},
    ),
    Layout(
        "OpenOrca (system_prompt, question, response)",
        "prompt_completion",
        {"system": ("system_prompt",), "prompt": ("question",), "completion": ("response",)},
    ),
    Layout(
        "HumanEval (prompt, canonical_solution)",
        "prompt_completion",
        {"prompt": ("prompt",), "completion": ("canonical_solution",)},
    ),
    Layout(
        "question/answer pairs",
        "prompt_completion",
        {"prompt": ("question", "query"), "completion": ("answer", "response")},
    ),
)

BY_NAME = {layout.name: layout for layout in LAYOUTS}


def apply(view: dict[str, str], mapping: dict[str, str]) -> dict[str, str]:
    """`view` with `mapping`'s canonical names added and the columns they take renamed."""
    out = {k: v for k, v in view.items() if not (k == v and v in mapping.values())}
    out.update(mapping)
    return out


def layout_of(fmt: str, view: dict[str, str]) -> Layout | None:
    """The layout a view was read with (its mapping is in the view), or None."""
    for layout in LAYOUTS:
        if layout.format != fmt:
            continue
        if all(view.get(name) in columns for name, columns in layout.parts.items()):
            if any(view[name] != name for name in layout.parts):
                return layout
    return None
