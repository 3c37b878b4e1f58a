"""Export: decisions become files a trainer reads.

`run.export_dataset` gathers what decides each row (`inputs` and `evidence` from the scan,
`rules` such as ``flag:refusal``, the app's triage and a `decision_log` replayed by content
hash), settles one `verdicts` per row, re-splits kept rows without letting a duplicate group
straddle two splits (`splits`), and writes in a `staging` folder renamed into place at the end:
`filtered` rows in the input's own format, `token_export` (tokenized and packed Parquet) through
`writers`, and the `manifest`. `collate` is the trainer-side collator for packed rows.
"""

from inspector.core.faces import lazy_face

#: Public name -> the module of this package that defines it (imported on first use).
_EXPORTS = {
    "Evidence": "evidence",
    "ExportSettings": "run",
    "PackedCollator": "collate",
    "Staging": "staging",
    "evidence_for": "inputs",
    "export_dataset": "run",
    "parse_ratios": "splits",
    "parse_rules": "rules",
    "protected": "run",
    "read_manifest": "manifest",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS)
