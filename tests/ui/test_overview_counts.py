"""The overview's tables add up: every flag the filter menu offers, every drop with its reason."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from textual.widgets import Static

from inspector.ui.triage import decide
from inspector.ui.widgets.gated import Gated

pytestmark = pytest.mark.anyio


def body(app, section: str) -> str:
    static = app.screen.query_one(f"#{section}", Gated).query_one(".gated--body", Static)
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


def table_rows(text: str) -> dict[str, int]:
    """`name -> count` for each line of a counts table (`name  count  bar share`)."""
    out = {}
    for line in text.splitlines():
        parts = re.split(r"\s{2,}", line.strip())
        if len(parts) >= 3 and parts[1].replace(",", "").isdigit():
            out[parts[0]] = int(parts[1].replace(",", ""))
    return out


async def test_flags_table_lists_the_token_linter_flags_too(make_app, settle):
    app = make_app("chat", warm=True, view="overview")
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        assert app.analyses["tokens"].ready and app.analyses["scan"].ready
        flags = app.analyses.index("flags").flags
        tokens = app.analyses.index("tokens")
        token_codes = {c for c, g in tokens.flags.items() if len(g)}
        assert token_codes, "the chat sample has rows the token linter flags"
        text = body(app, "flags")
        assert "contamination: not checked (open with --against TEST_FILE)" in text
        shown = table_rows(text)
        # Every code the rows view's filter menu offers, with the same count.
        assert shown == {code: len(g) for code, g in flags.items()}
        assert token_codes <= set(shown)


async def test_drop_reason_table_counts_drops_without_a_reason(make_app, settle):
    app = make_app("chat", view="overview")
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        decide(app, [0, 1, 2], "drop", "dup:exact")
        decide(app, [3], "drop", "contaminated")
        decide(app, [4, 5, 6, 7, 8], "drop")
        app.announce_decisions("dropped 9 rows")  # what the keys and bulk actions call
        await settle(pilot)
        text = body(app, "decisions")
        assert "dropped 9" in text
        rows = table_rows(text)
        assert rows == {"dup:exact": 3, "contaminated": 1, "(no reason)": 5}


async def test_bulk_actions_record_the_same_reason_as_the_drop_rule(make_app, settle):
    """One grammar: "drop every row flagged X" in the app and `--drop flag:X` record the same
    reason (the export then writes it as ``triage:flag:X`` beside the rule's ``flag:X``)."""
    from inspector.core.export.rules import DropRule
    from inspector.core.reasons import triage_reason
    from inspector.ui.bulk import bulk_actions

    app = make_app("chat", warm=True, view="overview")
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        actions = bulk_actions(app)
        by_label = {a.label: a.reason for a in actions}
        flags = app.analyses.index("flags").flags
        assert flags, "the chat sample has flagged rows"
        for code in flags:
            reason = by_label[f"drop every row flagged {code}"]
            assert reason == DropRule.parse(f"flag:{code}").reason == f"flag:{code}"
            assert triage_reason(reason) == f"triage:flag:{code}"
        for kind in app.analyses.index("scan").groups:
            label = f"drop {kind} duplicates but each group's representative"
            if label in by_label:
                assert by_label[label] == DropRule.parse(f"dup:{kind}").reason
