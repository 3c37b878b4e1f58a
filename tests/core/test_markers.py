"""Marker masking of pre-formatted text rows equals the old completion-only collator's rule.

Four styles of text are made from the real rasbt instruction data (the SFT notebook's own) and
the seeds' examples; the labels inspector computes from character markers must equal, row for
row, TRL's removed `DataCollatorForCompletionOnlyLM` rule (re-implemented below) run on the same
token ids with the marker ids taken *in context*, which is what that collator needed and most
users never gave it. Rows without a marker are counted and listed.
"""

from __future__ import annotations

import json

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.progress import run
from inspector.core.tokens.facts import facts_from_conversations
from inspector.core.tokens.lint import lint
from inspector.core.tokens.markers import Markers, marker_report, suggest_markers
from inspector.core.tokens.tokenize import IGNORE_INDEX, TokenPipeline, TokenSettings
from inspector.core.tokens.tokenizer import load_tokenizer

ALPACA_HEAD = (
    "Below is an instruction that describes a task. "
    "Write a response that appropriately completes the request."
)

#: name -> (how a row becomes text, response marker, instruction marker or None)
STYLES = {
    "alpaca": (
        lambda p, o: f"{ALPACA_HEAD}\n\n### Instruction:\n{p}\n\n### Response:\n{o}",
        "### Response:",
        None,
    ),
    "inst": (lambda p, o: f"[INST] {p} [/INST] {o}", "[/INST]", "[INST]"),
    "phi3": (
        lambda p, o: f"<|user|>\n{p} <|end|>\n<|assistant|> \n{o} <|end|>",
        "<|assistant|>",
        "<|user|>",
    ),
    "human_bot": (lambda p, o: f"human: {p} \n bot: {o}", "bot:", "human:"),
}
#: The seeds' own examples: seed 000's text rows and seed 004's Phi-3 line.
SEED_ROWS = {
    "human_bot": [
        "human: hello \n bot: hi nice to meet you",
        "human: how are you \n bot: I am fine",
        "human: What is your name? \n bot: My name is Mary",
        "human: Which is the best programming language? \n bot: Python",
        # several turns: every answer is trained, every user message masked
        "human: hi \n bot: hello \n human: what is 2+2? \n bot: 4",
    ],
    "phi3": [
        "<|user|>\nWhen were iron maidens commonly used? <|end|>\n<|assistant|> \n"
        "Iron maidens were never commonly used <|end|>"
    ],
}
#: Every this-many-th rasbt row loses its response marker (the silent failure to catch).
BROKEN_EVERY = 97


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer()


def collator_labels(ids, response_ids, instruction_ids=None):
    """The old collator's rule on one row's ids (markers given as token ids)."""

    def ends(pattern, shift):
        n = len(pattern)
        return [i + shift * n for i in range(len(ids) - n + 1) if ids[i : i + n] == pattern]

    labels = list(ids)
    responses = ends(response_ids, 1)
    if not responses:
        return [IGNORE_INDEX] * len(ids)
    if instruction_ids is None:  # train after the last response marker
        return [IGNORE_INDEX] * responses[-1] + labels[responses[-1] :]
    humans = ends(instruction_ids, 0)
    if not humans:
        return [IGNORE_INDEX] * len(ids)
    if humans[0] > responses[0]:
        humans = [0] + humans
    for k, (start, end) in enumerate(zip(humans, responses, strict=False)):
        start = 0 if k == 0 else start
        labels[start:end] = [IGNORE_INDEX] * (end - start)
    if len(responses) < len(humans):
        labels[humans[-1] :] = [IGNORE_INDEX] * (len(ids) - humans[-1])
    return labels


def in_context_ids(row, text: str, marker: str):
    """The ids of the tokens covering the first occurrence of `marker` in the row's text."""
    at = text.find(marker)
    if at < 0:
        return None
    span = range(at, at + len(marker))
    return [
        i
        for i, (a, b) in zip(row.input_ids, row.offsets, strict=True)
        if b > a and a < span.stop and b > span.start
    ]


def make_rows(real_data, style):
    records = json.loads((real_data / "rasbt_instruction-data.json").read_text())
    build, response, _ = STYLES[style]
    texts = []
    for i, r in enumerate(records):
        prompt = r["instruction"] + (f"\n\n{r['input']}" if r["input"] else "")
        text = build(prompt, r["output"])
        if i % BROKEN_EVERY == 0:
            text = text.replace(response, "Response")
        texts.append(text)
    return texts + SEED_ROWS.get(style, [])


def open_texts(tmp_path, texts):
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    ds = open_dataset(path, state_dir=tmp_path / "state")
    assert ds.format == "text"
    return ds


@pytest.mark.parametrize("style", list(STYLES))
def test_labels_equal_the_collator_rule_row_for_row(tok, real_data, tmp_path, style):
    _, response, instruction = STYLES[style]
    texts = make_rows(real_data, style)
    ds = open_texts(tmp_path, texts)
    settings = TokenSettings(
        mask="assistant" if instruction else "completion",
        max_length=4096,
        response_templates=(response,),
        instruction_templates=(instruction,) if instruction else (),
    )
    pipe = TokenPipeline(tok, settings, fmt=ds.format)
    convs = [conv for _, conv, _ in ds.iter_conversations("train")]
    rows = pipe.encode_batch(convs)
    missing = []
    for i, (text, row) in enumerate(zip(texts, rows, strict=True)):
        resp_ids = in_context_ids(row, text, response)
        if resp_ids is None:
            missing.append(i)
            assert all(label == IGNORE_INDEX for label in row.labels), i
            continue
        instr_ids = in_context_ids(row, text, instruction) if instruction else None
        assert row.labels == collator_labels(row.input_ids, resp_ids, instr_ids), (style, i)
        assert row.trained_tokens > 0 and row.labels[-1] == tok.eos_token_id
    expected_missing = list(range(0, 1100, BROKEN_EVERY))
    assert missing == expected_missing
    facts = run(facts_from_conversations(ds.iter_conversations("train"), len(texts), pipe))
    finding = lint(facts).finding("response_template_not_found")
    assert finding.count == len(expected_missing)
    assert finding.examples == expected_missing[:10]
    assert facts["eot_untrained"].sum() == 0  # answers before a marker need no end-of-turn token


def test_the_in_context_pitfall_cannot_happen(tok, real_data, tmp_path):
    """``### Response:`` after a newline tokenizes unlike ``### Response:`` alone (``###`` vs
    ``▁###``): the collator given the ids of the marker alone trains nothing on any row;
    character markers train every answer."""
    texts = make_rows(real_data, "alpaca")[1:50]
    ds = open_texts(tmp_path, texts)
    pipe = TokenPipeline(tok, TokenSettings(response_templates=("### Response:",)), fmt=ds.format)
    alone = tok("### Response:", add_special_tokens=False)["input_ids"]
    for conv, row in zip(
        [c for _, c, _ in ds.iter_conversations("train")],
        pipe.encode_batch([c for _, c, _ in ds.iter_conversations("train")]),
        strict=True,
    ):
        assert set(collator_labels(row.input_ids, alone)) == {IGNORE_INDEX}
        trained = [
            t for t, lab in zip(row.input_ids, row.labels, strict=True) if lab != IGNORE_INDEX
        ]
        answer = conv.turns[0].content.split("### Response:")[-1]
        assert tok.decode(trained) == tok.decode(
            tok(answer + "</s>", add_special_tokens=False)["input_ids"]
        )
        assert [t.role for t in row.rendered.turns] == ["user", "assistant"]


def test_a_marker_inside_a_word_does_not_match():
    from inspector.core.tokens.markers import find_markers

    assert suggest_markers([(0, "the robot: beeps")])[1] == []
    assert find_markers("the robot: beeps", Markers(("bot:",))) == []
    assert find_markers("bot: beeps", Markers(("bot:",))) == [(0, 4, "response")]


def test_suggestions_count_rows_without_the_marker(real_data, tmp_path):
    for style, (_, response, instruction) in STYLES.items():
        ds = open_texts(tmp_path / style, make_rows(real_data, style))
        report = marker_report(ds, "train")
        best = report["suggested"][0]
        assert best["response_template"] == response, style
        assert best["rows_without"] == len(range(0, 1100, BROKEN_EVERY)), style
        assert best["rows_without_examples"][:3] == [0, 97, 194], style
        if instruction:
            assert best["instruction_template"] == instruction


def test_markers_apply_to_text_rows_only(tok):
    from inspector.core.errors import InputError

    with pytest.raises(InputError, match="text rows"):
        TokenPipeline(tok, TokenSettings(response_templates=("bot:",)), fmt="alpaca")
    with pytest.raises(InputError, match="needs a --response-template"):
        TokenPipeline(tok, TokenSettings(instruction_templates=("human:",)), fmt="text")
