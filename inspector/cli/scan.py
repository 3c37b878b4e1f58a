"""`inspector scan`: quality flags, duplicates, contamination and split leakage, headless.

Prints a summary (Rich) and optionally writes the full result as JSON; exits 1 when a code
named in `--fail-on` occurs, so it can gate CI.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from inspector.cli.common import (
    dataset_options,
    handle_input_errors,
    json_stdout,
    open_from_options,
    prepare,
    report_cache_problems,
)
from inspector.cli.engine_options import engine_options
from inspector.cli.progress import run_with_progress
from inspector.cli.token_options import token_options

#: Codes that are not row flags but can be named in --fail-on.
OTHER_CODES = (
    "duplicate_exact",
    "duplicate_near",
    "duplicate_prompt",
    "duplicate_near_prompt",
    "duplicate_semantic",
    "contamination",
    "leakage",
    "invalid_row",  # a row that could not be read or normalized (counts as an error)
)
SEVERITY_NAMES = ("error", "warning", "info")


def _split_list(values) -> tuple[str, ...]:
    out = []
    for v in values or ():
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(out)


def _fail_codes(spec: str | None) -> set[str]:
    """The codes (or severities) --fail-on names; unknown names are a usage error."""
    from inspector.core.flags import CODES

    names = set(_split_list([spec])) if spec else set()
    known = set(CODES) | set(OTHER_CODES) | set(SEVERITY_NAMES)
    unknown = sorted(names - known)
    if unknown:
        raise click.BadParameter(
            f"unknown code {', '.join(unknown)}; known: {', '.join(sorted(known))}",
            param_hint="--fail-on",
        )
    return names


@click.command("scan")
@dataset_options
@click.option(
    "--against",
    "against",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A test set to check contamination against (any loadable file; repeatable). A row "
    "is contaminated when it shares a run of --ngram units with an item; an item (or a turn "
    "or field of one) shorter than that when it occurs whole inside the row, and one of "
    "fewer than 5 words only when a user turn equals it (0 false hits of the Alpaca demo "
    "against MT-Bench or GSM8K).",
)
@click.option(
    "--against-field",
    "against_fields",
    multiple=True,
    metavar="COLUMN",
    help="Text column(s) of the --against files (default: every text column).",
)
@token_options(
    max_length=None,
    side=False,
    max_length_help="Tokenize every row and flag too_long / no_trained_tokens at this limit.",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the full result as JSON to this file ('-' for stdout).",
)
@click.option(
    "--fail-on",
    "fail_on",
    default=None,
    metavar="CODE,...",
    help="Exit 1 when any of these codes occurs: flag codes, duplicate_exact, "
    "duplicate_near, contamination, leakage, ... or a severity (error, warning).",
)
@click.option(
    "--near-threshold",
    type=click.FloatRange(0.05, 1.0),
    default=0.8,
    show_default=True,
    help="Jaccard similarity (unit 5-grams: words, or characters of Chinese, Japanese, "
    "Thai...) for near duplicates.",
)
@click.option(
    "--prompt-threshold",
    type=click.FloatRange(0.05, 1.0),
    default=0.8,
    show_default=True,
    help="Jaccard similarity (character 3-grams) for near-duplicate prompts.",
)
@click.option(
    "--ngram",
    type=click.IntRange(min=3),
    default=13,
    show_default=True,
    help="Units in a shared run that count as contamination (words; characters of "
    "Chinese, Japanese, Thai...).",
)
@click.option(
    "--semantic", is_flag=True, help="Also find semantic duplicates (embeddings, cosine > 0.95)."
)
@click.option(
    "--clusters", is_flag=True, help="Also cluster the rows by topic and list the clusters."
)
@click.option(
    "--embed-model",
    default="auto",
    show_default=True,
    help="Embedding model for --semantic and --clusters (a local folder or cached name).",
)
@click.option("--no-cache", is_flag=True, help="Recompute even if a cached result exists.")
@engine_options
@handle_input_errors
def command(
    path,
    fmt,
    column_map,
    state_dir,
    against,
    against_fields,
    max_length,
    tokenizer,
    template,
    mask,
    json_out,
    fail_on,
    near_threshold,
    prompt_threshold,
    ngram,
    semantic,
    clusters,
    embed_model,
    no_cache,
    engine,
    ray_address,
    concurrency,
):
    """Find what is wrong in a dataset: quality flags with reasons and evidence, exact / near /
    prompt / semantic duplicates, benchmark contamination (--against) and split leakage.

    Results are cached under the dataset's .inspector/ folder, so scanning unchanged data
    again is near-instant. The input is only read, never modified.
    """
    from inspector.core.scan import ScanSettings, scan

    fail_codes = _fail_codes(fail_on)
    quiet = json_out is not None and str(json_out) == "-"
    with json_stdout(quiet):
        ds = open_from_options(path, fmt, column_map, state_dir)
        prepare(ds)  # before minutes of work: where its results will be cached
    settings = ScanSettings(
        max_length=max_length,
        near_threshold=near_threshold,
        prompt_threshold=prompt_threshold,
        against=tuple(str(p) for p in against),
        against_fields=_split_list(against_fields),
        contamination_ngram=ngram,
        semantic=semantic,
        embed_model=embed_model,
    )
    with json_stdout(quiet):
        facts = None
        if engine == "ray":
            result = _on_ray(ds, settings, tokenizer, template, mask, max_length, no_cache, quiet,
                             ray_address, concurrency)  # fmt: skip
        else:
            if max_length is not None:
                from inspector.cli.token_options import pipeline_from_options
                from inspector.core.scan import collect_token_facts

                pipe = pipeline_from_options(ds, tokenizer, template, mask, max_length, "chosen")
                facts = run_with_progress(collect_token_facts(ds, pipe), quiet=quiet)
            result = run_with_progress(
                scan(ds, settings, token_facts=facts, use_cache=not no_cache), quiet=quiet
            )
        cluster_result = _clusters(ds, embed_model, quiet) if clusters else None
    out = result.to_json()
    if cluster_result is not None:
        # top-level `clusters` ([{"id", "size", "keywords", ...}]) and `rows`
        # ([{"split", "row", "cluster", "x", "y"}]), as documented
        out.update(cluster_result.to_json())
    unwritten = None
    if json_out is not None:
        from inspector.core.safe_text import dumps

        text = dumps(out, indent=1)
        if quiet:
            click.echo(text)
        else:
            unwritten = _write_json(Path(json_out), text)
    if not quiet:
        from inspector.cli.scan_view import print_summary

        print_summary(result, cluster_result, None if unwritten else json_out)
    report_cache_problems(ds)
    if unwritten is not None:
        raise unwritten
    failed = _failing(result, fail_codes)
    if failed:
        click.echo(f"failing: {', '.join(sorted(failed))} (--fail-on)", err=True)
        sys.exit(1)


def _write_json(path: Path, text: str):
    """Write --json FILE atomically; on failure, the `InputError` to raise once the summary
    is printed (the result is still cached unless a note says otherwise)."""
    from inspector.core.cache import atomic_write_bytes
    from inspector.core.errors import InputError

    try:
        atomic_write_bytes(path, (text + "\n").encode("utf-8"))
    except OSError as err:
        return InputError(
            f"--json {path}: cannot write the result ({err.strerror or err}); the summary above "
            "is complete. Choose another file, or '-' for standard output."
        )
    return None


def _on_ray(ds, settings, tokenizer, template, mask, max_length, no_cache, quiet, address, n):
    """The scan on a Ray cluster (row pass and near-duplicate search there; same result)."""
    from inspector.cli.engine_options import token_spec
    from inspector.core.distributed import ray_scan

    spec = None
    if max_length is not None:
        spec = token_spec(ds, tokenizer, template, mask, max_length, "chosen")
    gen = ray_scan(
        ds, settings, tokens=spec, address=address, concurrency=n, use_cache=not no_cache
    )
    return run_with_progress(gen, quiet=quiet)


def _clusters(ds, embed_model: str, quiet: bool):
    try:
        from inspector.core.semantic import cluster_dataset
    except ImportError as err:
        from inspector.core.errors import InputError

        raise InputError(
            "--clusters needs inspector.core.semantic.clusters (the clusters layer), which this "
            f"installation does not have ({err})."
        ) from None
    return run_with_progress(cluster_dataset(ds, embed_model=embed_model), quiet=quiet)


def _failing(result, fail_codes: set[str]) -> set[str]:
    """The --fail-on names that occur in the result."""
    if not fail_codes:
        return set()
    found = result.codes_found()
    failing = fail_codes & found
    for severity in fail_codes & set(SEVERITY_NAMES):
        if any(result.codes.get(c, {}).get("severity") == severity for c in result.flags):
            failing.add(severity)
    if result.problems:  # unreadable rows are errors: a gate must not pass over them
        failing |= fail_codes & {"invalid_row", "error"}
    return failing
