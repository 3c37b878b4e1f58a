"""Shared preambles: found where many rows carry the same long text, and left out of prompt
similarity and of the semantic embedding's text, so the groups are those of the data alone."""

from __future__ import annotations

import json

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.data.preamble import MIN_CHARS, find_preambles
from inspector.core.progress import run
from inspector.core.scan.rows import instruction_text
from inspector.core.scan.run import ScanSettings, scan

TOOLS = (
    "You are a helpful assistant with access to the following functions. Use them if "
    "required.\n"
    '{"name": "search_web", "description": "Search the web for pages matching a query and '
    'return the top results with their titles and snippets", "parameters": {"type": "object", '
    '"properties": {"query": {"type": "string", "description": "What to search for"}, '
    '"limit": {"type": "integer", "description": "How many results to return"}}, '
    '"required": ["query"]}}\n'
    '{"name": "get_weather", "description": "Get the current weather for a city", '
    '"parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}\n\n'
)


def _groups(result, kind):
    return sorted(tuple(m["row"] for m in g) for g in result.duplicates[kind])


@pytest.mark.parametrize(
    "name",
    [
        "llamafactory_alpaca_en_demo.json",
        "llamafactory_dpo_en_demo.json",
        "llamafactory_glaive_toolcall_en_demo.json",
        "llamafactory_glaive_toolcall_zh_demo.json",
        "rasbt_instruction-data.json",
    ],
)
def test_real_files_have_no_shared_preamble(real_data, name):
    """Precision: none of these real files pastes one long text into many prompts, and none
    is reported (their repeated openings are short requests, not boilerplate)."""
    ds = open_dataset(real_data / name)
    texts = [instruction_text(c) for _, c, _ in ds.iter_conversations(ds.splits[0]) if c]
    assert find_preambles(texts).items == []


def test_a_shared_preamble_changes_no_group(real_data, tmp_path):
    """Every instruction of the Alpaca demo prefixed with one long tool description: the
    near-duplicate prompt groups and the semantic groups are those of the plain file, and the
    preamble is named once in the result, with every row counted."""
    rows = json.loads((real_data / "llamafactory_alpaca_en_demo.json").read_text())
    plain = tmp_path / "plain" / "train.json"
    padded = tmp_path / "padded" / "train.json"
    for path, pre in ((plain, ""), (padded, TOOLS)):
        path.parent.mkdir()
        path.write_text(json.dumps([{**r, "instruction": pre + r["instruction"]} for r in rows]))
    settings = ScanSettings(semantic=True, embed_model="tfidf")
    before = run(scan(open_dataset(plain), settings, use_cache=False))
    after = run(scan(open_dataset(padded), settings, use_cache=False))
    assert before.preambles == []
    assert [(p["kind"], p["rows"]) for p in after.preambles] == [("prefix", len(rows))]
    assert after.preambles[0]["chars"] >= MIN_CHARS
    assert _groups(after, "near_prompt") == _groups(before, "near_prompt")
    assert _groups(after, "semantic") == _groups(before, "semantic")
    # Whole-row near duplicates still see the shared text (they were right before too).
    assert len(after.duplicates["near"]) >= len(before.duplicates["near"])


def test_shared_lines_and_untouched_prompts():
    """A long line repeated in many prompts is left out; a prompt that is only the shared
    text keeps it (nothing else would remain)."""
    line = "Always answer in formal English, and cite the section of the user manual you used."
    texts = [f"Question {i}: how do I reset device {i}?\n{line}\nThanks." for i in range(40)]
    found = find_preambles(texts + [line] * 3)
    assert [(p.kind, p.text) for p in found.items] == [("line", line)]
    assert found.strip(texts[0]) == "Question 0: how do I reset device 0?\nThanks."
    assert found.strip(line) == line
