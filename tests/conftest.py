"""Shared test fixtures: where the real datasets and the project's sample data live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Public datasets nobody on this project wrote, kept outside the repo (see its SOURCES.md).
REAL_DATA = Path(os.environ.get("INSPECTOR_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
SAMPLE_DATA = ROOT / "sample_data"


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The folder of real datasets; tests using it skip, saying why, when it is absent."""
    if not REAL_DATA.is_dir():
        pytest.skip(
            f"real datasets not found at {REAL_DATA} (set INSPECTOR_REAL_DATA to the `real` "
            "folder itself, e.g. /path/to/shared/data/real, to run these tests)"
        )
    return REAL_DATA


@pytest.fixture(scope="session")
def sample_data() -> Path:
    """The project's own generated demo datasets (see sample_data/generate.py)."""
    return SAMPLE_DATA
