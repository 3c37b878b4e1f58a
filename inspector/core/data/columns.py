"""Column maps (`--map instruction=question,output=answer`) and the canonical view they give.

A format is described by canonical column names (`instruction`, `output`, `messages`...). The
user's map says which of their columns plays each part; every other column keeps its name. A map
value may also be a dotted path into a nested column, list items by index
(`output=instances.0.output`, `prompt=conversation.0.content`).
"""

from __future__ import annotations

from inspector.core.errors import InputError


def parse_column_map(spec: str | None) -> dict[str, str]:
    """Parse ``"instruction=question,output=answer"`` into ``{"instruction": "question", ...}``."""
    if not spec:
        return {}
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, column = part.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise InputError(
                f"--map {spec!r}: each entry must look like NAME=COLUMN "
                f"(e.g. --map instruction=question,output=answer); got {part!r}."
            )
        mapping[name.strip()] = column.strip()
    return mapping


def canonical_view(path, columns: list[str], user_map: dict[str, str]) -> dict[str, str]:
    """Canonical name -> source column, after applying the user's map to `columns`.

    Source columns named in the map must exist; a source column that was mapped to another
    name no longer answers to its own name (so ``--map output=answer`` with an `output` column
    present really uses `answer`).
    """
    missing = [c for c in user_map.values() if c not in columns and not is_path(c, columns)]
    if missing:
        raise InputError(
            f"{path}: --map names column(s) {', '.join(missing)} that the data does not have; "
            f"its columns are: {', '.join(columns)}."
        )
    view = {c: c for c in columns}
    for name, column in user_map.items():
        if view.get(column) == column and column != name:
            del view[column]
        view[name] = column
    return view


def is_path(column: str, columns) -> bool:
    """Whether a `--map` value is a dotted path into a column (`instances.0.output`) rather than
    a column: it is not a column itself and its first part is one."""
    return column not in columns and "." in column and column.split(".", 1)[0] in columns


def value_at(raw: dict, path: str):
    """The value a dotted path reaches in a raw row (list items by index); None when a step
    is missing, so the format reports the part as missing for that row."""
    head, _, rest = path.partition(".")
    value = raw.get(head)
    for step in rest.split("."):
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit():
            value = value[int(step)] if int(step) < len(value) else None
        else:
            return None
    return value


def check_path(path_name, column: str, features) -> None:
    """Refuse a dotted path whose steps the column's type does not have (`InputError` naming
    the step and what is there); JSON-typed (mixed) columns cannot be checked and pass."""
    head, _, rest = column.partition(".")
    feature = features[head]
    walked = head
    for step in rest.split("."):
        inner = getattr(feature, "feature", None)
        if isinstance(feature, dict):
            if step not in feature:
                raise InputError(
                    f"{path_name}: --map path {column!r}: {walked} has no field {step!r}; its "
                    f"fields are: {', '.join(feature)}."
                )
            feature = feature[step]
        elif inner is not None and step.isdigit():
            feature = inner
        elif type(feature).__name__ == "Json":
            return
        else:
            kind = "a list (use an index such as 0)" if inner is not None else "a single value"
            raise InputError(
                f"{path_name}: --map path {column!r}: {walked} is {kind}, so {step!r} does not "
                "lead anywhere."
            )
        walked += f".{step}"


class PathFeatures:
    """A column's `datasets` feature looked up by a source column or a dotted path into one."""

    def __init__(self, features):
        self.features = features

    def __getitem__(self, column: str):
        if column in self.features:
            return self.features[column]
        head, _, rest = column.partition(".")
        feature = self.features[head]
        for step in rest.split("."):
            inner = getattr(feature, "feature", None)
            if isinstance(feature, dict):
                feature = feature.get(step)
            elif inner is not None and step.isdigit():
                feature = inner
            else:
                return None
        return feature
