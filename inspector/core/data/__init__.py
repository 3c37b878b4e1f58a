"""Data: paths become rows, rows become `Conversation`s.

Loading reads files and folders into Arrow (`load`, with `files`, `folders` and `diagnose` for the
byte-level reading and the one clear error when a file cannot be read); `formats` holds one small
class per input format (detect, normalize, an Arrow fast path), listed once in
`formats.registry.REGISTRY`; `turns` reads turns from the values formats store them in
(`columnar` computes lengths straight from Arrow columns); `dataset` binds rows, format and
column map into an `InspectorDataset`; `open_index` reopens a dataset from pyarrow alone (a
`ProvisionalDataset`) and `opening` is the one call that tries it before a normal open; `summary`
is what `inspector info` shows; `usable` finds the rows that cannot be read. Nothing here
tokenizes or scans.
"""

from inspector.core.faces import lazy_face

#: Public name -> the module of this package that defines it (imported on first use).
_EXPORTS = {
    "ASSISTANT": "conversation",
    "Conversation": "conversation",
    "FORMATS": "formats.registry",
    "InspectorDataset": "dataset",
    "Loaded": "load",
    "ProvisionalDataset": "open_index",
    "SYSTEM": "conversation",
    "TEXT": "conversation",
    "TOOL": "conversation",
    "Turn": "conversation",
    "USER": "conversation",
    "arrow_table": "arrow_rows",
    "input_stamps": "open_index",
    "iter_json_records": "files",
    "open_dataset": "dataset",
    "open_fast": "open_index",
    "open_quickly": "opening",
    "parse_column_map": "columns",
    "record": "open_index",
    "same_data": "open_index",
    "summarize": "summary",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS)
