"""Rich output of `inspector tokens`: a row token by token, the statistics, one pack."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from inspector.cli.common import marked, plain
from inspector.cli.tables import Col, fit_table
from inspector.core.safe_text import safe_line, safe_text
from inspector.core.tokens import IGNORE_INDEX, byte_chars, visible

# Two shades each, alternating token by token so that token boundaries stay visible.
TRAINED = ("bold black on green3", "bold black on dark_sea_green2")
MASKED = ("grey62 on grey15", "grey50 on grey23")
SPECIAL_MARK = "bold magenta"
#: Reasoning tokens (`<think>…</think>`): their own colours, trained or masked.
REASONING = ("italic black on orchid", "italic black on plum2")
REASONING_MASKED = ("italic orchid on grey15", "italic plum2 on grey23")
CUT = "bold white on red"
#: Shown for each leading byte of a character spelled in byte tokens (the last shows it).
BYTE_MARK = "·"


def _token_text(text: str, offsets: tuple[int, int], token: str, special: bool) -> str:
    start, end = offsets
    shown = text[start:end] if end > start else token
    if special:
        return f"⟨{safe_line(shown)}⟩"
    return safe_text(visible(shown)).replace("\n", "↵\n").replace("\t", "→")


def _tokens_line(row, start: int = 0, stop: int | None = None, cut: int | None = None) -> Text:
    out = Text()
    stop = row.total_tokens if stop is None else stop
    text = row.rendered.text
    chars = byte_chars(row.tokens)
    for i in range(start, stop):
        if cut is not None and i == cut:
            out.append(f" ✂ max_length {cut}: the model never sees what follows ", style=CUT)
            out.append("\n")
        trained = row.labels[i] != IGNORE_INDEX
        if row.parts[i] == "reasoning":
            style = (REASONING if trained else REASONING_MASKED)[i % 2]
        else:
            style = (TRAINED if trained else MASKED)[i % 2]
        if row.special[i]:
            style = f"{style} {SPECIAL_MARK}" if not trained else f"{style} underline"
        char = chars.get(i)
        if char == "":  # a leading byte: the character is shown once, on its last byte
            out.append(BYTE_MARK, style=f"{style} dim")
        elif char is not None:
            out.append(safe_text(char), style=style)
        else:
            out.append(
                _token_text(text, row.offsets[i], row.tokens[i], row.special[i]), style=style
            )
    return out


def _legend(reasoning: bool = False) -> Text:
    legend = Text("legend: ")
    legend.append(" trained ", style=TRAINED[0])
    legend.append(" ")
    legend.append(" masked (-100) ", style=MASKED[0])
    legend.append(" ⟨special⟩ ", style=f"{MASKED[0]} {SPECIAL_MARK}")
    legend.append(" ")
    if reasoning:
        legend.append(" reasoning ", style=REASONING[0])
        legend.append(" ")
    legend.append(" ✂ truncation ", style=CUT)
    return legend


def print_row(row, split: str, index: int, pipeline, ids: bool) -> None:
    """A row token by token; with `ids`, a table of id, label, role per token."""
    console = Console()
    desc = pipeline.describe()
    head = (
        f"[bold]{marked(split)} row {index}[/]  template [cyan]{row.rendered.template}[/]  mask "
        f"[cyan]{row.mask}[/]  tokenizer [cyan]{marked(desc['tokenizer_name'])}[/]"
    )
    console.print(head, highlight=False)
    status = f"{row.total_tokens:,} tokens, {row.trained_tokens:,} trained"
    if row.truncated:
        status += (
            f"; truncated to {row.max_length:,}: {row.trained_tokens_lost:,} trained tokens lost"
        )
    console.print(status, highlight=False)
    console.print(_legend("reasoning" in row.parts))
    if ids:
        table = Table(show_edge=False)
        for col in ("#", "id", "token", "label", "role", "part"):
            table.add_column(col, justify="right" if col in ("#", "id", "label") else "left")
        for i in range(row.total_tokens):
            label = row.labels[i]
            style = None if label != IGNORE_INDEX else "grey50"
            if i == row.max_length:
                table.add_row("✂", "", f"max_length {row.max_length}", "", "", "", style=CUT)
            table.add_row(
                str(i),
                str(row.input_ids[i]),
                plain(repr(row.tokens[i])),
                str(label),
                plain(row.roles[i]),
                plain(row.parts[i]),
                style=style,
            )
        console.print(table)
    else:
        cut = row.max_length if row.truncated else None
        console.print(_tokens_line(row, cut=cut))


def print_stats(report: dict) -> None:
    """Length percentiles, linter findings and the packing simulator's table."""
    console = Console()
    s = report["settings"]
    console.print(
        f"[bold]{marked(report['path'])}[/] split [bold]{marked(report['split'])}[/]: "
        f"{report['rows']:,} rows, template [cyan]{s['template']}[/], mask "
        f"[cyan]{s['mask']}[/], max_length {s['max_length']:,}, tokenizer "
        f"[cyan]{marked(s['tokenizer_name'])}[/]",
        highlight=False,
    )
    stats = ("min", "p50", "p90", "p95", "p99", "max", "mean")
    lengths = fit_table(
        "tokens per row",
        [Col(""), *(Col(k, right=True) for k in stats)],
        [[name, *(f"{p[k]:,.0f}" for k in stats)] for name, p in report["lengths"].items() if p],
    )
    console.print(lengths)
    console.print(
        f"{report['truncated_rows']:,} rows truncated, "
        f"{report['trained_tokens_lost']:,} trained tokens lost to truncation"
    )
    lint = report["lint"]
    if lint["findings"]:
        colours = {"error": "bold red", "warning": "yellow", "info": "cyan"}
        findings = fit_table(
            "mask linter",
            [
                Col("severity"),
                Col("code"),
                Col("rows", right=True),
                Col("examples", wrap=True, priority=1),
                Col("why it matters", wrap=True),
            ],
            [
                [
                    Text(f["severity"], style=colours[f["severity"]]),
                    f["code"],
                    f"{f['count']:,}",
                    ", ".join(map(str, f["examples"][:6])),
                    f["description"],
                ]
                for f in lint["findings"]
            ],
        )
        console.print(findings)
    else:
        console.print("[green]mask linter: no findings[/]")
    tf = lint["trained_fraction"]
    if tf:
        console.print(
            f"trained fraction per row: min {tf['min']:.1%}, median "
            f"{tf['median']:.1%}, mean {tf['mean']:.1%}, max {tf['max']:.1%}; "
            "lowest rows " + ", ".join(map(str, lint["lowest_trained_fraction_rows"][:5]))
        )
    pack = fit_table(
        f"packing simulator (padding baseline: batches of "
        f"{report['packing']['batch_size']}, rows truncated at max_length first)",
        [
            Col("length", right=True),
            Col("strategy"),
            Col("seqs", right=True),
            Col("tokens", right=True),
            Col("padding", right=True),
            Col("effic.", right=True),
            Col("lost", right=True),
            Col("split", right=True, priority=1),
        ],
        [
            [
                f"{r['length']:,}",
                r["strategy"],
                f"{r['sequences']:,}",
                f"{r['tokens']:,}",
                f"{r['padding_fraction']:.1%}",
                f"{r['efficiency']:.1%}",
                f"{r['tokens_lost']:,}",
                f"{r['split_rows']:,}",
            ]
            for r in report["packing"]["rows"]
        ],
    )
    console.print(pack)
    console.print(
        "seqs: sequences a trainer sees (rows, or packs) · effic.: share of real tokens · "
        "lost: tokens cut by max_length · split: rows cut across two packs",
        style="dim",
    )
    if "template_lint" in report:
        print_template_lint(report["template_lint"], console)
    if "markers" in report:
        print_markers(console, report["markers"])
    if report["problem_count"]:
        console.print(
            f"[bold red]{report['problem_count']:,} rows could not be tokenized[/], "
            "first: "
            + marked("; ".join(f"row {p['row']}: {p['reason']}" for p in report["problems"][:3])),
            highlight=False,
        )


def print_pack(shown: dict, pipeline) -> None:
    """One pack: each sequence's tokens after a boundary marker naming its row."""
    console = Console()
    s = shown["summary"]
    console.print(
        f"[bold]pack {s['pack_index']} of {s['packs']:,}[/] ({s['strategy']}, "
        f"capacity {s['capacity']:,}, split efficiency {s['efficiency']:.1%}): "
        f"{len(shown['built']['input_ids']):,} tokens in "
        f"{len(s['sequences'])} sequences",
        highlight=False,
    )
    console.print(_legend())
    out = Text()
    for seq in s["sequences"]:
        row = shown["rows"][seq["row"]]
        out.append(
            f" │ row {seq['row']} ({seq['length']} tokens"
            + (f", from token {seq['start']}" if seq["start"] else "")
            + ") │ ",
            style="bold reverse",
        )
        out.append_text(_tokens_line(row, seq["start"], seq["start"] + seq["length"]))
        out.append("\n")
    free = s["capacity"] - len(shown["built"]["input_ids"])
    if free:
        out.append(f" │ {free} tokens of padding │", style="grey50 reverse")
    console.print(out)


def print_markers(console: Console, markers: dict) -> None:
    """Response markers found in pre-formatted text, as options to pass (or those given)."""
    given = markers.get("given")
    found = markers["suggested"]
    if given:
        shown = ", ".join(repr(m) for m in given["response"])
        console.print(f"response markers given: {shown}", highlight=False, markup=False)
    if not found:
        if not given:
            console.print(
                f"no known response marker in the first {markers['sampled_rows']:,} text rows: "
                "every token but BOS is trained (--response-template STR changes that)",
                highlight=False,
            )
        return
    table = Table(
        title=f"response markers found (first {markers['sampled_rows']:,} text rows)",
        title_justify="left",
    )
    for col in ("pass", "rows with it", "rows without", "first rows without"):
        table.add_column(col, justify="left" if col in ("pass", "first rows without") else "right")
    for s in found:
        option = f"--response-template {s['response_template']!r}"
        if s["rows_with_instruction_template"]:
            option += f" --instruction-template {s['instruction_template']!r}"
        table.add_row(
            Text(safe_line(option)),
            f"{s['rows']:,}",
            f"{s['rows_without']:,}",
            ", ".join(map(str, s["rows_without_examples"][:6])),
        )
    console.print(table)


SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def print_template_lint(found: dict, console: Console | None = None) -> None:
    """The template linter's findings, each with its evidence."""
    console = console or Console()
    if not found["findings"]:
        console.print(f"[green]template linter ({found['template']}): no findings[/]")
        return
    table = Table(title=f"template linter ({found['template']})", title_justify="left")
    table.add_column("severity", no_wrap=True)
    table.add_column("code", no_wrap=True)  # a code is what users grep for: never cut
    table.add_column("evidence", ratio=1)
    table.add_column("why it matters", ratio=1)
    for f in found["findings"]:
        table.add_row(
            Text(f["severity"], style=SEVERITY_STYLE[f["severity"]]),
            f["code"],
            Text(safe_text(f["evidence"])),
            f["description"],
        )
    console.print(table)


def print_compare(found: dict) -> None:
    """Agreement with TRL's SFT preparation, the differences by kind, the first rows side by
    side (trained tokens in brackets)."""
    console = Console()
    n = found["rows"]
    console.print(
        f"[bold]TRL {found['trl_version']}[/] vs inspector on {n:,} rows of "
        f"{found['split']} (template [cyan]{found['setup']['template']}[/], mask "
        f"[cyan]{found['setup']['mask']}[/], max_length {found['setup']['max_length']:,})",
        highlight=False,
    )
    style = "green" if found["rows_agree"] == n else "yellow"
    console.print(
        f"[{style}]input_ids agree on {found['input_ids_agree']:,} of {n:,} rows; trained "
        f"positions on {found['trained_positions_agree']:,} of {n:,}[/]",
        highlight=False,
    )
    if found["differences"]:
        table = Table(title="differences", title_justify="left")
        table.add_column("kind", no_wrap=True)
        table.add_column("rows", justify="right")
        table.add_column("what differs")
        for d in found["differences"]:
            table.add_row(d["kind"], f"{d['rows']:,}", d["meaning"])
        console.print(table)
    for e in found["examples"]:
        side = Table(
            title=f"row {e['row']}: {e['kind']} (from token {e['first_position']}; trained in [ ])",
            title_justify="left",
            show_lines=True,
        )
        side.add_column("inspector", ratio=1)
        side.add_column("TRL", ratio=1)
        side.add_row(Text(safe_text(visible(e["inspector"]))), Text(safe_text(visible(e["trl"]))))
        console.print(side)
    for message in found["trl_messages"][:3]:
        console.print(Text(f"TRL said: {safe_line(message)}", style="grey50"))
    if found["skipped"]:
        console.print(f"{len(found['skipped']):,} rows skipped (could not be tokenized)")
