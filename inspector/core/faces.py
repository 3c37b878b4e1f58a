"""Lazy package faces: a stage package re-exports its public names without importing anything.

Each stage package's `__init__` lists the names it offers and the module that defines each one;
`lazy_face` gives it a module `__getattr__` (PEP 562) that imports that module on first use. So
``from inspector.core.data import open_dataset`` works, while ``import inspector.core.data``
stays free: the face never loads `datasets`, numpy or a tokenizer before a caller asks.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_face(
    package: str, exports: dict[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """`(__getattr__, __dir__)` for `package`, whose `exports` map a name to its module."""

    def __getattr__(name: str) -> object:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
