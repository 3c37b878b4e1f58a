"""`manifest.json`: what an export read, what it decided, what it wrote, and with which settings.

The manifest is written last (just before the export folder is moved into place) and holds no
time stamps, host names or output paths, so the same inputs and settings give the same bytes.
`read_manifest` is how other tools (tests, the app) find an export's files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inspector import __version__

MANIFEST = "manifest.json"
DECISIONS = "decisions.jsonl"
#: Bumped when the manifest's layout changes in a way readers must know about.
SCHEMA_VERSION = 1


def tool_section() -> dict[str, Any]:
    """The tool and the versions of the libraries that shape the output bytes."""
    import pyarrow

    return {
        "name": "inspector",
        "version": __version__,
        "pyarrow": pyarrow.__version__,
        "manifest_schema": SCHEMA_VERSION,
    }


def input_section(ds, fingerprint: str | None = None) -> dict[str, Any]:
    """The input: where it is, its fingerprint, files, format, column map and rows per split."""
    return {
        "path": str(ds.path),
        "fingerprint": fingerprint or ds.fingerprint,
        "format": ds.format,
        "column_map": dict(sorted(ds.column_map.items())),
        "files": [{"path": str(f), "bytes": f.stat().st_size} for f in ds.files],
        "splits": {s: ds.num_rows(s) for s in ds.splits},
        "json_text_columns": sorted(ds.json_columns),
    }


def write_manifest(folder: Path, manifest: dict[str, Any]) -> Path:
    """Write `manifest.json` into `folder` (stable formatting, UTF-8, trailing newline)."""
    path = Path(folder) / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of an export folder."""
    return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
