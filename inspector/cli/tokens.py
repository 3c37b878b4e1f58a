"""`inspector tokens`: one row token by token, a split's token statistics, or one pack.

Five views, chosen by the options: ``--row N`` (the default view is row 0) prints the row's
tokens coloured by whether they are trained, with special tokens and the truncation point
marked; ``--stats`` prints length percentiles, the mask linter's findings and the packing
simulator's table; ``--pack N`` packs the split to N tokens and prints pack ``--pack-index``
with its sequence boundaries; ``--lint-template`` checks the tokenizer and template alone (also
part of ``--stats``); ``--compare trl`` runs TRL's own SFT preparation on the same rows and
shows where it differs. ``--json`` prints any of them as one JSON object.
"""

from __future__ import annotations

import click

from inspector.cli.common import (
    dataset_options,
    emit_json,
    handle_input_errors,
    json_stdout,
    open_from_options,
    prepare,
    report_cache_problems,
)
from inspector.cli.progress import run_with_progress
from inspector.cli.token_options import MAX_TOKENS, pipeline_from_options, token_options
from inspector.core.errors import InputError


def _int_list(ctx, param, value):
    try:
        out = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"expected numbers separated by commas, got {value!r}") from None
    if not out or min(out) < 1 or max(out) > MAX_TOKENS:
        raise click.BadParameter(f"expected numbers from 1 to {MAX_TOKENS}, e.g. 2048,4096")
    return out


@click.command("tokens")
@dataset_options
@click.option("--split", default=None, help="Split to read (default: train, else the first).")
@click.option("--row", type=click.IntRange(min=0), default=None, help="Show this row (0-based).")
@token_options
@click.option("--ids", is_flag=True, help="With --row: list each token's id, label and role.")
@click.option("--stats", is_flag=True, help="Lengths, mask linter findings and packing table.")
@click.option(
    "--pack-lengths",
    default="1024,2048,4096,8192",
    show_default=True,
    callback=_int_list,
    help="With --stats: pack lengths to simulate.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="With --stats: batch size of the padding baseline.",
)
@click.option(
    "--pack",
    "pack_length",
    type=click.IntRange(min=1, max=MAX_TOKENS),
    default=None,
    help="Pack the split to this many tokens and show one pack.",
)
@click.option(
    "--pack-index",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="With --pack: which pack to show.",
)
@click.option(
    "--strategy",
    type=click.Choice(("bfd", "wrapped")),
    default="bfd",
    show_default=True,
    help="With --pack: packing strategy.",
)
@click.option(
    "--lint-template",
    is_flag=True,
    help="Check the tokenizer and template alone: generation markers, what TRL's "
    "assistant_only_loss would train, end-of-turn, BOS, pad token, system/tools/reasoning.",
)
@click.option(
    "--compare",
    type=click.Choice(("trl",)),
    default=None,
    help="Run TRL's own SFT preparation on the same rows (same tokenizer, template, mask, max "
    "length) and show where its input_ids and labels differ (needs the trl extra).",
)
@click.option(
    "--rows",
    "compare_rows",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="With --compare: how many rows (from the first) to compare.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handle_input_errors
def command(
    path,
    fmt,
    column_map,
    state_dir,
    split,
    row,
    tokenizer,
    template,
    mask,
    max_length,
    side,
    ids,
    stats,
    pack_lengths,
    batch_size,
    pack_length,
    pack_index,
    strategy,
    lint_template,
    compare,
    compare_rows,
    as_json,
):
    """See exactly which tokens a model is trained on.

    \b
    inspector tokens data.json --row 3 [--ids] [--json]
    inspector tokens data.json --stats [--pack-lengths 2048,4096] [--json]
    inspector tokens data.json --pack 4096 --pack-index 0
    inspector tokens data.json --lint-template [--tokenizer DIR] [--json]
    inspector tokens data.json --compare trl [--rows 200] [--json]

    Labels follow the Hugging Face convention: aligned with input_ids (the model shifts), -100
    where a token is not trained. The end-of-turn token after a trained turn is trained.
    """
    views = (row, stats or None, pack_length, lint_template or None, compare)
    if sum(x is not None for x in views) > 1:
        raise click.UsageError(
            "choose one view: --row N, --stats, --pack N, --lint-template or --compare trl"
        )
    with json_stdout(as_json):
        ds = open_from_options(path, fmt, column_map, state_dir)
        split = _pick_split(ds, split)
        pipeline = pipeline_from_options(ds, tokenizer, template, mask, max_length, side)
        if compare:
            from inspector.core.tokens.trl_compare import compare_with_trl

            found = run_with_progress(
                compare_with_trl(ds, split, pipeline, rows=compare_rows), quiet=as_json
            ).to_json()
        elif lint_template:
            from inspector.core.tokens.template_lint import lint_template as run_lint

            found = run_lint(pipeline).to_json()
        elif stats:
            prepare(ds)  # token facts of the whole split are cached
            report = _stats(ds, split, pipeline, pack_lengths, batch_size, as_json)
        elif pack_length is not None:
            shown = _pack(ds, split, pipeline, pack_length, pack_index, strategy, as_json)
        else:
            encoded = _encode_row(ds, split, row or 0, pipeline)
    from inspector.cli import tokens_view as view

    if compare or lint_template:
        if as_json:
            emit_json(found, indent=2)
        elif compare:
            view.print_compare(found)
        else:
            view.print_template_lint(found)
    elif stats:
        report_cache_problems(ds)
        if as_json:
            emit_json(report, indent=2)
        else:
            view.print_stats(report)
    elif pack_length is not None:
        if as_json:
            emit_json(shown["json"])
        else:
            view.print_pack(shown, pipeline)
    else:
        if as_json:
            out = {
                "split": split,
                "row": row or 0,
                **encoded.to_json(),
                "tokenizer": pipeline.describe()["tokenizer_name"],
            }
            emit_json(out)
        else:
            view.print_row(encoded, split, row or 0, pipeline, ids)


def _pick_split(ds, split: str | None) -> str:
    if split is None:
        return "train" if "train" in ds.splits else ds.splits[0]
    if split not in ds.splits:
        raise InputError(
            f"--split {split}: no such split; this dataset has {', '.join(ds.splits)}."
        )
    return split


def _encode_row(ds, split: str, row: int, pipeline):
    from inspector.core.errors import RowError

    n = ds.num_rows(split)
    if row >= n:
        raise InputError(f"--row {row}: split {split} has {n:,} rows (0 to {n - 1:,}).")
    try:
        return pipeline.encode(ds.conversation(split, row))
    except RowError as err:
        raise InputError(f"{split} row {row} cannot be tokenized: {err.reason}") from err


def _facts(ds, split, pipeline, quiet):
    from inspector.core.tokens import token_facts

    return run_with_progress(token_facts(ds, split, pipeline), quiet=quiet)


def _percentiles(values) -> dict:
    import numpy as np

    if not len(values):
        return {}
    # "higher": a percentile is a real row length, never below it (as `info` reports them).
    p = np.percentile(values, [50, 90, 95, 99], method="higher")
    return {
        "min": int(values.min()),
        "p50": float(p[0]),
        "p90": float(p[1]),
        "p95": float(p[2]),
        "p99": float(p[3]),
        "max": int(values.max()),
        "mean": float(values.mean()),
    }


def _stats(ds, split, pipeline, pack_lengths, batch_size, quiet) -> dict:
    import numpy as np

    from inspector.core.tokens import simulate
    from inspector.core.tokens.lint import lint
    from inspector.core.tokens.template_lint import lint_template

    facts = _facts(ds, split, pipeline, quiet)
    ok = facts["failed"] == 0
    report = lint(facts)
    # The simulator sees rows as a trainer has them: already truncated at --max-length.
    seen = np.minimum(facts["tokens"][ok], facts.max_length)
    table = simulate(seen, pack_lengths, batch_size=batch_size)
    return {
        "path": str(ds.path),
        "split": split,
        "format": ds.format,
        "rows": len(facts),
        "settings": pipeline.describe(),
        "lengths": {
            "tokens": _percentiles(facts["tokens"][ok]),
            "trained_tokens": _percentiles(facts["trained_kept"][ok]),
        },
        "truncated_rows": int(facts.truncated[ok].sum()),
        "trained_tokens_lost": int(facts.lost[ok].sum()),
        "lint": report.to_json(),
        "packing": {"batch_size": batch_size, "rows": [r.to_json() for r in table]},
        "problems": [p.to_json() for p in facts.problems[:50]],
        "problem_count": len(facts.problems),
        "template_lint": lint_template(pipeline).to_json(),
        **_markers(ds, split, pipeline),
    }


def _markers(ds, split, pipeline) -> dict:
    """For text data: the response markers found in the text (and those given)."""
    if ds.format != "text":
        return {}
    from inspector.core.tokens.markers import marker_report

    return {"markers": marker_report(ds, split, pipeline.settings.markers)}


def _pack(ds, split, pipeline, capacity, index, strategy, quiet) -> dict:
    import numpy as np

    from inspector.core.tokens import assemble
    from inspector.core.tokens.pack import pack

    facts = _facts(ds, split, pipeline, quiet)
    lengths = np.where(facts["failed"] == 0, np.minimum(facts["tokens"], facts.max_length), 0)
    packing = pack(lengths, capacity, strategy)
    if index >= len(packing):
        raise InputError(
            f"--pack-index {index}: packing {split} to {capacity} tokens gives "
            f"{len(packing):,} packs (0 to {len(packing) - 1:,})."
        )
    wanted = [row for row, _, _ in packing.pack(index)]
    # One batched tokenizer call for the pack's rows (rows that failed have length 0: not here).
    encoded = pipeline.encode_batch([ds.conversation(split, row) for row in wanted])
    rows = dict(zip(wanted, encoded, strict=True))

    def get_row(row):
        m = rows[row].model_inputs()
        return m["input_ids"], m["labels"]

    built = assemble(packing, index, get_row)
    summary = {
        "split": split,
        "strategy": strategy,
        "capacity": capacity,
        "packs": len(packing),
        "pack_index": index,
        "efficiency": packing.efficiency,
        "tokens_lost": packing.tokens_lost,
        "sequences": [{"row": r, "start": s, "length": n} for r, s, n in packing.pack(index)],
    }
    return {"json": {**summary, **built}, "summary": summary, "built": built, "rows": rows}
