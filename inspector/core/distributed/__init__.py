"""Distributed: `scan` and `export` on a Ray cluster, with the local engine's results.

An optional engine (`--engine ray`, `pip install "inspector[ray]"`); nothing here imports Ray
until it runs. `cluster` joins or starts the cluster; `shards` writes the input once as Parquet
shards the cluster reads in blocks; `rowpass` is the scan's row pass over one block (the local
engine's row functions, run in workers) and `gather` brings the blocks back; `lsh` is the
near-duplicate search as Ray Data stages; `scan.ray_scan` and `export.ray_export` put them
together. Results are the local engine's own: the same `ScanResult` cached under the same key,
the same export folder (see docs/scale.md for what runs where).
"""

from inspector.core.faces import lazy_face

#: Public name -> the module of this package that defines it (imported on first use).
_EXPORTS = {
    "TokenSpec": "rowpass",
    "connect": "cluster",
    "ray_export": "export",
    "ray_scan": "scan",
    "require_ray": "cluster",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS)
