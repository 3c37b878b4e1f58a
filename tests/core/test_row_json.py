"""Arrow-built row hashes equal `triage.row_hash` row for row, on real data and on odd text."""

from __future__ import annotations

import pyarrow as pa
import pytest

from inspector.core.data import arrow_table, open_dataset
from inspector.core.errors import InputError
from inspector.core.export import row_json
from inspector.core.export.decision_log import row_hashes
from inspector.core.triage import row_hash


def test_escapes_match_json_dumps():
    odd = [
        'quote " backslash \\ newline \n cr \r tab \t bs \b ff \f',
        None,
        "\x01 and \x1f need \\u escapes",
        "é中 \u2028 \x7f 😀 stay as they are",
        "",
        "\\\\n is not a newline",
    ]
    table = pa.table({"b": odd, "a": pa.nulls(len(odd)), "é": list("xyzwvu")})
    assert row_json.text_only(table)
    assert row_json.row_hashes(table) == [row_hash(r) for r in table.to_pylist()]


def test_only_text_tables_take_the_arrow_path():
    assert not row_json.text_only(pa.table({"a": ["x"], "n": [1]}))
    assert not row_json.text_only(pa.table({"a": [["x"]]}))
    assert not row_json.text_only(pa.table({}))


@pytest.mark.slow
def test_every_real_and_sample_file_hashes_alike_on_both_paths(real_data, sample_data, tmp_path):
    checked = 0
    for path in sorted(real_data.iterdir()) + sorted(sample_data.iterdir()):
        if (
            path.suffix in (".md", ".py")
            or path.name.startswith(".")
            or path.name.endswith("manifest.json")
        ):
            continue
        try:
            ds = open_dataset(path, state_dir=tmp_path / path.name)
        except InputError:
            continue  # not a dataset on its own (a dataset_info.json, a folder of benchmarks)
        for split in ds.splits:
            want = [ds.row_hash(split, r) for r in range(ds.num_rows(split))]
            assert [h for _, h in row_hashes(ds, split)] == want, (path.name, split)
            some = list(range(0, ds.num_rows(split), 3))
            assert [h for _, h in row_hashes(ds, split, some)] == [want[r] for r in some]
            table = arrow_table(ds.hf[split])
            checked += not ds.json_columns and row_json.text_only(table)
    assert checked >= 8, "too few text-only splits: the Arrow path was hardly tested"
