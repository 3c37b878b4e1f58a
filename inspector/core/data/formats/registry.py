"""The input formats, listed once: `REGISTRY`, detection, `--format` checks and `normalize`.

`REGISTRY` holds one instance of each format class, in the order formats are listed to users
(`FORMATS`, the `--format` choices); detection tries them by `rank`, most specific first.
When nothing fits, the error lists the columns found and shows a `--map` example.
"""

from __future__ import annotations

from inspector.core.data.conversation import ASSISTANT, Conversation
from inspector.core.data.formats.base import InputFormat
from inspector.core.data.formats.chat import Messages, ShareGPT
from inspector.core.data.formats.flat import Alpaca, PromptCompletion, TextFormat
from inspector.core.data.formats.layouts import LAYOUTS, layout_of
from inspector.core.data.formats.layouts import apply as apply_layout
from inspector.core.data.formats.preference import Preference, UnpairedPreference
from inspector.core.data.parts import split_think
from inspector.core.errors import InputError

#: Every input format, in the order they are listed to users.
REGISTRY: tuple[InputFormat, ...] = (
    TextFormat(),
    PromptCompletion(),
    Alpaca(),
    Messages(),
    ShareGPT(),
    Preference(),
    UnpairedPreference(),
)

#: Format names, used the same way in the CLI, JSON output and the UI.
FORMATS: tuple[str, ...] = tuple(f.name for f in REGISTRY)

BY_NAME: dict[str, InputFormat] = {f.name: f for f in REGISTRY}

#: The formats in the order detection tries them.
DETECTION_ORDER: tuple[InputFormat, ...] = tuple(sorted(REGISTRY, key=lambda f: f.rank))


def input_format(name: str) -> InputFormat:
    """The registered format called `name` (a `KeyError` for an unknown name)."""
    return BY_NAME[name]


def normalize(fmt: str, row: dict) -> Conversation:
    """Normalize a row (canonical column names) of format `fmt`; raises `RowError`.

    Whatever the format, an answer opening with a ``<think>…</think>`` block keeps that block
    as the turn's `reasoning`, apart from its content.
    """
    conv = BY_NAME[fmt].normalize(row)
    for turns in (conv.turns, conv.chosen, conv.rejected):
        for turn in turns or ():
            if turn.role == ASSISTANT and turn.reasoning is None:
                turn.reasoning, turn.content = split_think(turn.content)
    return conv


def columnar_lengths(fmt: str, table, view: dict[str, str]):
    """`(lengths by role, suspect row indices)` from Arrow columns, or None when the format has
    no fast path for these columns (see `InputFormat.columnar`)."""
    if table.num_rows == 0:
        import numpy as np

        return {}, np.array([], dtype=np.int64)
    if any(column not in table.column_names for column in view.values()):
        return None  # a dotted path into a nested column: the normalizer reads every row
    return BY_NAME[fmt].columnar(table, view)


def resolve_format(
    path, view: dict[str, str], features, forced: str | None = None, mapped: bool = False
) -> tuple[str, dict[str, str]]:
    """`(format name, view)` for a dataset: `forced` (`--format`) checked, else detected; with
    no user map (`mapped`), a known layout (`layouts.LAYOUTS`) may add canonical names to the
    view. Raises `InputError` naming the columns when nothing fits."""
    candidates = [] if mapped else [lay for lay in LAYOUTS if forced in (None, lay.format)]
    for layout in candidates:
        if layout.first and (mapping := layout.mapping(view)) is not None:
            view = apply_layout(view, mapping)
            break
    if forced is not None:
        spec = BY_NAME[forced]
        if not any(n <= set(view) for n in spec.needs):
            for layout in candidates:
                mapping = layout.mapping(view)
                if mapping is not None:
                    view = apply_layout(view, mapping)
                    break
        check_forced(path, forced, view)
        return forced, view
    found = _detect(view, features)
    if found is None:
        for layout in candidates:
            mapping = layout.mapping(view)
            if mapping is not None:
                laid = apply_layout(view, mapping)
                found = _detect(laid, features)
                if found is not None:
                    return found, laid
        from inspector.core.data.llamafactory import looks_like_registry

        if looks_like_registry(path):
            raise InputError(
                f"{path}: this is LLaMA-Factory's dataset registry, not data. Open the data "
                f"folder with --dataset-info {path} --name NAME (its entries: "
                + ", ".join(list(view)[:12])
                + (", ..." if len(view) > 12 else "")
                + ")."
            )
        detect_format(path, view, features)  # raises, naming the columns
    return found, view


def _detect(view: dict[str, str], features) -> str | None:
    for fmt in DETECTION_ORDER:
        if fmt.detect(view, features):
            return fmt.name
    return None


def describe(fmt: str, view: dict[str, str]) -> dict:
    """How a dataset's columns were read, for `inspector info`: which source columns make each
    part, the known layout whose mapping was used (if any) and the other candidate columns."""
    out: dict = {"parts": BY_NAME[fmt].describe(view)}
    layout = layout_of(fmt, view)
    if layout is not None:
        out["layout"] = layout.name
        others = layout.candidates(view)
        if others:
            out["candidates"] = others
    return out


def detect_format(path, view: dict[str, str], features) -> str:
    """The format name for a canonical view of the columns (see `columns.canonical_view`)."""
    found = _detect(view, features)
    if found is not None:
        return found
    found = list(view.values())
    columns = ", ".join(found[:20]) or "(none)"
    if len(found) > 20:
        columns += f", ... and {len(found) - 20} more"
    raise InputError(
        f"{path}: cannot tell the format from the columns ({columns}). Known formats and the "
        "columns they use: "
        + "; ".join(f"{f.name}: {f.expects}" for f in REGISTRY)
        + ". If your columns play these parts under other names, map them, e.g. "
        "`--map instruction=question,output=answer`, or force one with `--format NAME`."
    )


def check_forced(path, fmt: str, view: dict[str, str]) -> None:
    """When `--format` is given, check that the columns it needs are there."""
    spec = BY_NAME[fmt]
    if not any(n <= set(view) for n in spec.needs):
        raise InputError(
            f"{path}: --format {fmt} needs the columns {spec.expects}, but the data has "
            f"{', '.join(view.values())}. Map yours with --map, e.g. "
            f"--map {suggest_map(set(spec.needs[0]), view)}."
        )


#: Words in column names that usually hold each canonical column's part (for `suggest_map`).
LIKELY = {
    "instruction": ("question", "query", "prompt", "instruction", "problem", "request", "input"),
    "prompt": ("question", "query", "prompt", "instruction", "problem", "request", "input"),
    "output": ("answer", "output", "response", "completion", "solution", "target", "reply"),
    "completion": ("answer", "completion", "output", "response", "solution", "target"),
    "response": ("answer", "response", "output", "completion", "solution", "target"),
    "input": ("input", "context", "question", "query"),
    "text": ("text", "content", "body", "document", "sentence", "passage"),
    "messages": ("messages", "conversation", "dialog", "chat", "turns"),
    "conversations": ("conversation", "messages", "dialog", "chat", "turns"),
    "chosen": ("chosen", "preferred", "better", "winner", "accepted"),
    "rejected": ("rejected", "dispreferred", "worse", "loser"),
    "label": ("label", "tag", "good", "preferred"),
}


def suggest_map(names: set[str], view: dict[str, str]) -> str:
    """A `--map` value giving the canonical `names` the format lacks, from the data's columns
    whose names suggest the part (`instruction=question,output=answer` for GSM8K); a column
    nothing suggests is shown as COLUMN."""
    taken = {view[n] for n in names if n in view}
    free = [c for c in view.values() if c not in taken]
    order = [n for n in LIKELY if n in names] + sorted(n for n in names if n not in LIKELY)
    parts = []
    for name in order:
        if name in view:
            continue
        words = LIKELY.get(name, (name,))
        pick = next((c for w in words for c in free if w in c.lower()), None)
        if pick is not None:
            free.remove(pick)
        parts.append(f"{name}={pick or 'COLUMN'}")
    return ",".join(parts)
