"""`inspector export`: write the kept rows (filtered, tokenized, packed), splits, a manifest and
a decisions log into a new folder."""

from __future__ import annotations

from pathlib import Path

import click

from inspector.cli.common import (
    dataset_options,
    emit_json,
    handle_input_errors,
    json_stdout,
    marked,
    open_from_options,
    plain,
    prepare,
    report_cache_problems,
)
from inspector.cli.engine_options import engine_options
from inspector.cli.progress import run_with_progress
from inspector.cli.token_options import MAX_TOKENS, pipeline_from_options, token_options

#: Flags the scan can only raise from token facts (so the tokenizer options apply to them).
TOKEN_FLAGS = ("too_long", "no_trained_tokens")


def _what(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))


@click.command("export")
@dataset_options
@click.option(
    "--out",
    "out",
    default=None,
    type=click.Path(path_type=Path),
    help="The folder to create (refused if it exists, unless --force). Required, except "
    "with --clean.",
)
@click.option(
    "--clean",
    is_flag=True,
    help="Only remove the partial folders that killed exports left (of --out, or of every "
    "export beside the data), say which, and exit.",
)
@click.option(
    "--what",
    "what",
    default="filtered",
    show_default=True,
    metavar="filtered,tokenized,packed,preference",
    help="Which outputs to write (preference: prompt/chosen/rejected or prompt/completion/"
    "label as TRL's DPOTrainer/KTOTrainer read them, with DPO's token ids).",
)
@click.option(
    "--preference-style",
    type=click.Choice(["auto", "conversational", "text"]),
    default="auto",
    show_default=True,
    help="With --what preference: message lists, plain strings, or the input's own style.",
)
@click.option(
    "--as",
    "container",
    type=click.Choice(["jsonl", "parquet", "arrow"]),
    default=None,
    help="File type of every output (default: filtered rows in the input's own "
    "container, JSON Lines for JSON/CSV/text; token outputs as Parquet).",
)
@click.option(
    "--drop",
    "drops",
    multiple=True,
    metavar="RULE",
    help="Drop rows by rule (repeatable): flag:CODE, dup:exact|near|semantic|prompt "
    "(each group keeps its representative), cluster:ID, contaminated.",
)
@click.option(
    "--against",
    "against",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Test set(s) for --drop contaminated (repeatable).",
)
@click.option(
    "--decisions",
    "decisions",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Re-apply a decisions.jsonl from an earlier export.",
)
@click.option(
    "--no-store",
    "no_store",
    is_flag=True,
    help="Ignore the decisions saved by the app (the triage store).",
)
@click.option(
    "--split",
    "split",
    default=None,
    metavar="TRAIN,VAL[,TEST]",
    help="Re-split the kept rows, e.g. 0.85,0.10,0.05; duplicate groups never cross splits.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the split.")
@click.option(
    "--stratify-clusters",
    is_flag=True,
    help="Spread every cluster over the splits in the --split proportions.",
)
@token_options
@click.option(
    "--pack-length",
    type=click.IntRange(min=1, max=MAX_TOKENS),
    default=None,
    help="Tokens per pack for --what packed (default: --max-length).",
)
@click.option("--force", is_flag=True, help="Replace the --out folder if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@engine_options
@handle_input_errors
def command(
    path,
    fmt,
    column_map,
    state_dir,
    out,
    what,
    preference_style,
    container,
    drops,
    against,
    decisions,
    no_store,
    split,
    seed,
    stratify_clusters,
    tokenizer,
    template,
    mask,
    max_length,
    side,
    pack_length,
    force,
    as_json,
    clean,
    engine,
    ray_address,
    concurrency,
):
    """Write the rows that survive triage into a new folder OUT, ready for training.

    \b
    OUT/filtered/<split>.<ext>   the kept rows, in the input's own format and columns
    OUT/tokenized/<split>.<ext>  input_ids, attention_mask, labels
    OUT/packed/<split>.<ext>     input_ids, labels, position_ids, seq_lengths
    OUT/decisions.jsonl          content hash -> keep/drop + reason, for --decisions
    OUT/manifest.json            inputs, settings, counts per split and per reason

    Decisions come from --drop rules, then the app's saved decisions, then --decisions (later
    ones win). The folder is built beside OUT and renamed at the end, so an interrupted export
    leaves no OUT; the input is never modified. The same inputs and settings give
    byte-identical files.
    """
    from inspector.core.export import (
        ExportSettings,
        Staging,
        export_dataset,
        parse_ratios,
        parse_rules,
        protected,
    )

    if clean:
        _clean(path, out)
        return
    if out is None:
        raise click.UsageError("Missing option '--out' (the folder to create).")

    settings = ExportSettings(
        what=_what(what),
        container=container,
        split=parse_ratios(split) if split else None,
        seed=seed,
        stratify_clusters=stratify_clusters,
        rules=parse_rules(drops),
        use_store=not no_store,
        decisions=decisions,
        pack_length=pack_length,
        force=force,
        preference_style=preference_style,
    )
    settings.check()
    with json_stdout(as_json):
        ds = open_from_options(path, fmt, column_map, state_dir)
        prepare(ds, store="read" if settings.use_store else "none")
        # Refuse a bad --out before any analysis runs, not after minutes of work.
        Staging(out, force=force, protect=protected(ds)).check_target()
        tokens = None
        token_flags = any(r.kind == "flag" and r.value in TOKEN_FLAGS for r in settings.rules)
        wanted = {"tokenized", "packed", "preference"} & set(settings.what)
        needs_tokens = bool(wanted or token_flags)
        if engine == "ray":
            from inspector.cli.engine_options import token_spec
            from inspector.core.distributed import ray_export

            spec = (
                token_spec(ds, tokenizer, template, mask, max_length, side)
                if needs_tokens
                else None
            )
            gen = ray_export(ds, out, settings, against=list(against), token_spec=spec,
                             address=ray_address, concurrency=concurrency)  # fmt: skip
            result = run_with_progress(gen, quiet=as_json)
        else:
            if needs_tokens:
                tokens = pipeline_from_options(ds, tokenizer, template, mask, max_length, side)
            evidence = _evidence(ds, settings, against, tokens, as_json)
            result = run_with_progress(
                export_dataset(ds, out, settings, evidence=evidence, tokens=tokens),
                quiet=as_json,
            )
    _say_swept(result.swept)
    report_cache_problems(ds)
    if as_json:
        emit_json(result.manifest, indent=2)
        return
    _print_summary(result)


def _say_swept(swept) -> None:
    for folder in swept:
        click.echo(
            f"note: removed {folder}, the partial folder of an export that was killed "
            "before it finished.",
            err=True,
        )


def _clean(path: Path, out: Path | None) -> None:
    """`--clean`: remove stale staging folders of OUT, or of every target beside the data."""
    from inspector.core.export.staging import stale_beside

    if out is not None:
        folders = [Path(out).absolute().parent]
        names = [Path(out).absolute().name]
    else:
        base = Path(path).absolute()
        folders = [base.parent] + ([base] if base.is_dir() else [])
        names = None
    removed, kept = [], []
    for folder in folders:
        r, k = stale_beside(folder, names)
        removed += r
        kept += k
    _say_swept(removed)
    for folder, pid in kept:
        click.echo(
            f"kept {folder}: process {pid}, which is writing it, is still running.", err=True
        )
    if not removed:
        click.echo("no stale partial folders to remove.", err=True)


def _evidence(ds, settings, against, tokens, quiet):
    """Run the analyses the settings need (duplicates, flags, clusters) with progress bars."""
    from inspector.core.export import evidence_for

    return run_with_progress(evidence_for(ds, settings, list(against), tokens), quiet=quiet)


def _print_summary(result) -> None:
    from rich.console import Console
    from rich.table import Table

    m = result.manifest
    console = Console()
    console.print(
        f"[bold]exported[/] {m['rows']['kept']:,} of "
        f"{sum(m['rows']['in'].values()):,} rows to [bold]{marked(result.path)}[/]"
    )
    from inspector.cli.tables import Col, fit_table

    rows = [
        [name, plain(split), f"{f['rows']:,}", plain(f["path"])]
        for name, out in m["outputs"].items()
        for split, f in out["files"].items()
    ]
    cols = [Col("output"), Col("split"), Col("rows", right=True), Col("file", wrap=True)]
    console.print(fit_table("output", cols, rows, console.width))
    if m["drops"]:
        drops = Table(title="dropped", title_justify="left")
        drops.add_column("reason")
        drops.add_column("rows", justify="right")
        for reason, n in m["drops"].items():
            drops.add_row(plain(reason), f"{n:,}")
        console.print(drops)
    crossing = m["split"].get("groups_crossing") or {}
    if crossing:
        text = ", ".join(f"{k}: {v}" for k, v in crossing.items())
        style = "green" if not any(crossing.values()) else "bold red"
        console.print(f"[{style}]duplicate groups crossing splits: {text}[/]")
    invalid = m["decisions"]["invalid_rows"]["count"]
    if invalid:
        console.print(
            f"[yellow]{invalid:,} rows could not be read and were dropped "
            "(listed in manifest.json and decisions.jsonl)[/]"
        )
