"""Scan: one pass over a dataset and the dataset-wide steps after it.

`run.scan` reads every row once (`rows` holds what each row contributes: flags, shingles,
token facts) and then finds duplicates (`dedup`: exact, prompt, near with `minhash` LSH
verified by true Jaccard over `shingles`, semantic), contamination against benchmark files
(`contamination`) and split leakage; `result` is the `ScanResult` the CLI prints and the app
shows. `kernels` holds the compiled (numba) inner loops, which release the GIL.
"""

from inspector.core.faces import lazy_face

#: Public name -> the module of this package that defines it (imported on first use).
_EXPORTS = {
    "ScanResult": "result",
    "ScanSettings": "run",
    "collect_token_facts": "run",
    "scan": "run",
    "scan_key": "run",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS)
