"""Column maps (`--map instruction=question,output=answer`) and the canonical view they give.

A format is described by canonical column names (`instruction`, `output`, `messages`...). The
user's map says which of their columns plays each part; every other column keeps its name.
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
    missing = [c for c in user_map.values() if c not in columns]
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
