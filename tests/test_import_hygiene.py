"""The core must never import the UI toolkits: each core module is imported in a fresh
interpreter and the test fails if `textual` or `rich` got loaded along the way."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import inspector.core

CORE_MODULES = sorted(
    m.name for m in pkgutil.walk_packages(inspector.core.__path__, prefix="inspector.core.")
)


def test_there_are_core_modules():
    assert "inspector.core.data.dataset" in CORE_MODULES


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_import_ui(module):
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')); "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} imported {out.stdout.strip()}"
