"""Layouts in the wild read the way their authors meant: preference prompts from any prompt
columns, typed content parts and reasoning, and the common Hub layouts with no --map."""

from __future__ import annotations

import json

import pytest

from inspector.core.data.conversation import ASSISTANT, SYSTEM, TOOL, USER
from inspector.core.data.dataset import open_dataset
from inspector.core.data.formats.registry import describe
from inspector.core.data.summary import summarize
from inspector.core.errors import RowError
from inspector.core.progress import run


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def alpaca_preference(real_data, tmp_path_factory):
    """rasbt's instruction data with chosen/rejected added, as the book's DPO chapter has it."""
    rows = json.loads((real_data / "rasbt_instruction-data.json").read_text())
    out = [
        {**r, "chosen": r["output"], "rejected": rows[(i + 1) % len(rows)]["output"]}
        for i, r in enumerate(rows)
    ]
    path = tmp_path_factory.mktemp("alpaca_pref") / "dpo.json"
    path.write_text(json.dumps(out))
    return path, rows


def test_alpaca_prompt_preference_keeps_instruction_and_input(alpaca_preference):
    path, rows = alpaca_preference
    ds = open_dataset(path)
    assert ds.format == "preference"
    summary = run(summarize(ds))
    assert summary.problems == []
    assert summary.reading["parts"]["prompt"] == ["instruction", "input"]
    for i in (0, 1, 50, len(rows) - 1):
        conv = ds.conversation("train", i)
        user = conv.turns[-1]
        assert user.role == USER and user.fields["instruction"] == rows[i]["instruction"]
        assert user.fields["input"] == rows[i]["input"]
        assert rows[i]["instruction"] in user.content
        assert [t.role for t in conv.chosen] == [ASSISTANT] == [t.role for t in conv.rejected]
        assert conv.chosen[0].content == rows[i]["output"]
        assert "output" in conv.extra  # the SFT answer is kept, not lost


def test_ultrafeedback_sides_share_one_prompt_and_keep_scores(tmp_path):
    rows = [
        {
            "prompt": "Name a prime.",
            "chosen": [
                {"role": "user", "content": "Name a prime."},
                {"role": "assistant", "content": "7"},
            ],
            "rejected": [
                {"role": "user", "content": "Name a prime."},
                {"role": "assistant", "content": "8"},
            ],
            "messages": [
                {"role": "user", "content": "Name a prime."},
                {"role": "assistant", "content": "7"},
            ],
            "score_chosen": 9.0,
            "score_rejected": 2.0,
        }
    ]
    ds = open_dataset(write_jsonl(tmp_path / "uf.jsonl", rows))
    conv = ds.conversation("train", 0)
    assert [(t.role, t.content) for t in conv.turns] == [(USER, "Name a prime.")]
    assert [t.content for t in conv.chosen] == ["7"] and [t.content for t in conv.rejected] == ["8"]
    assert conv.extra == {"score_chosen": 9.0, "score_rejected": 2.0}


def test_question_prompt_preference(tmp_path):
    rows = [{"system": "Be brief.", "question": "2+2?", "chosen": "4", "rejected": "5"}]
    conv = open_dataset(write_jsonl(tmp_path / "orca_dpo.jsonl", rows)).conversation("train", 0)
    assert [(t.role, t.content) for t in conv.turns] == [(SYSTEM, "Be brief."), (USER, "2+2?")]


def test_llamafactory_typed_parts_preference(real_data):
    ds = open_dataset(real_data / "llamafactory_v1_dpo_demo.jsonl")
    assert ds.format == "preference" and run(summarize(ds)).problems == []
    raw = ds.raw_row("train", 0)
    conv = ds.conversation("train", 0)
    assert [t.role for t in conv.turns] == [SYSTEM, USER]
    assert conv.turns[1].content == raw["chosen_messages"][1]["content"][0]["value"]
    assert not any(t.trained for t in conv.turns)  # loss_weight 0.0
    assert conv.chosen[0].content == raw["chosen_messages"][2]["content"][0]["value"]
    assert conv.rejected[0].content == raw["rejected_messages"][2]["content"][0]["value"]
    assert conv.chosen[0].trained and conv.rejected[0].trained


def test_reasoning_parts_are_kept_apart_from_the_answer(real_data):
    path = real_data / "llamafactory_reason_tool_use_demo_50.jsonl"
    ds = open_dataset(path)
    summary = run(summarize(ds))
    assert summary.problems == [] and summary.roles["reasoning"].turns == 112
    raw = [json.loads(line) for line in path.read_text().splitlines()]
    for i, record in enumerate(raw):
        conv = ds.conversation("train", i)
        for msg, turn in zip(record["messages"], conv.turns, strict=True):
            kinds: dict[str, list[str]] = {}
            for part in msg["content"]:
                kinds.setdefault(part["type"], []).append(part["value"])
            if "reasoning" in kinds:
                assert turn.reasoning == "\n\n".join(kinds["reasoning"])
                assert kinds["reasoning"][0] not in turn.content
            assert turn.content == "".join(kinds.get("text", []))
            calls = [json.loads(v) for v in kinds.get("tool_call", [])]
            got = [(c["name"], json.loads(c["arguments"])) for c in turn.tool_calls or []]
            assert got == [(c["name"], c["arguments"]) for c in calls]
            if msg["role"] == "tool":
                assert turn.role == TOOL


@pytest.mark.parametrize(
    "content, reason",
    [
        ([{"type": "hologram", "value": "x"}], "unknown part type 'hologram'"),
        ([{"type": "text"}], "content[0] has no text"),
        ([7], "content[0] is a number (7), not a content part"),
    ],
)
def test_bad_parts_are_row_problems(tmp_path, content, reason):
    rows = [
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]},
        {
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": content},
            ]
        },
    ]
    ds = open_dataset(write_jsonl(tmp_path / "bad.jsonl", rows))
    problems = run(summarize(ds)).problems
    assert [(p.row, reason in p.reason) for p in problems] == [(1, True)], problems
    with pytest.raises(RowError):
        ds.conversation("train", 1)


def test_media_parts_show_a_placeholder(tmp_path):
    content = [{"type": "text", "text": "What is this? "}, {"type": "image_url", "text": None}]
    rows = [
        {
            "messages": [
                {"role": "user", "content": content},
                {"role": "assistant", "content": "A cat."},
            ]
        }
    ]
    conv = open_dataset(write_jsonl(tmp_path / "img.jsonl", rows)).conversation("train", 0)
    assert conv.turns[0].content == "What is this? [image_url]"


@pytest.mark.parametrize(
    "answer, reasoning, content",
    [
        ("<think>\nadd them\n</think>\n\n4", "add them", "4"),
        ("  <think>add</think>4", "add", "4"),
        ("4 <think>not a lead</think>", None, "4 <think>not a lead</think>"),
        ("<think>never closed", None, "<think>never closed"),
    ],
)
def test_inline_think_blocks(tmp_path, answer, reasoning, content):
    rows = [{"prompt": "2+2?", "completion": answer}, {"prompt": "1+1?", "completion": "2"}]
    ds = open_dataset(write_jsonl(tmp_path / "think.jsonl", rows))
    turn = ds.conversation("train", 0).turns[-1]
    assert (turn.reasoning, turn.content) == (reasoning, content)
    summary = run(summarize(ds))  # the Arrow fast path agrees with the normalizer
    assert summary.roles["assistant"].max == max(len(content), 1)
    assert ("reasoning" in summary.roles) == (reasoning is not None)


def test_reasoning_content_field(tmp_path):
    msgs = [
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "4", "reasoning_content": "two and two"},
    ]
    conv = open_dataset(write_jsonl(tmp_path / "r.jsonl", [{"messages": msgs}])).conversation(
        "train", 0
    )
    assert (conv.turns[1].reasoning, conv.turns[1].content) == ("two and two", "4")


LAYOUT_ROWS = {
    "dolly": (
        {"instruction": "Sum.", "context": "2 and 3", "response": "5", "category": "qa"},
        "alpaca",
        {"input": "context", "output": "response"},
    ),
    "openorca": (
        {"id": "1", "system_prompt": "Be brief.", "question": "2+2?", "response": "4"},
        "prompt_completion",
        {"system": "system_prompt", "prompt": "question", "completion": "response"},
    ),
    "query_response": (
        {"query": "2+2?", "response": "4"},
        "prompt_completion",
        {"prompt": "query", "completion": "response"},
    ),
    "seed_dpo": (
        {"prompt": "2+2?", "text": "4", "rejected_text": "5"},
        "preference",
        {"chosen": "text", "rejected": "rejected_text"},
    ),
}


@pytest.mark.parametrize("name", sorted(LAYOUT_ROWS))
def test_hub_layouts_need_no_map(tmp_path, name):
    row, fmt, mapping = LAYOUT_ROWS[name]
    ds = open_dataset(write_jsonl(tmp_path / f"{name}.jsonl", [row, row]))
    assert ds.format == fmt
    assert {k: ds.column_map[k] for k in mapping} == mapping
    assert run(summarize(ds)).problems == []
    conv = ds.conversation("train", 0)
    assert conv.response_text() in ("5", "4")
    assert "2" in conv.prompt_text() or "Sum." in conv.prompt_text()
    assert describe(ds.format, ds.column_map)["layout"]


def test_gsm8k_reads_as_prompt_completion(real_data):
    ds = open_dataset(real_data / "gsm8k_test.jsonl")
    raw = ds.raw_row("test", 3)  # "test" from the file name
    conv = ds.conversation("test", 3)
    assert conv.prompt_text() == raw["question"] and conv.response_text() == raw["answer"]
    assert describe(ds.format, ds.column_map)["layout"] == "question/answer pairs"


def test_ambiguous_columns_are_named(tmp_path):
    row = {"question": "2+2?", "answer": "4", "response": "four"}
    ds = open_dataset(write_jsonl(tmp_path / "qa.jsonl", [row]))
    reading = describe(ds.format, ds.column_map)
    assert ds.column_map["completion"] == "answer"
    assert reading["candidates"] == {"completion": ["response"]}


def test_a_map_turns_layouts_off(tmp_path):
    row = {"instruction": "Sum.", "context": "2 and 3", "response": "5"}
    ds = open_dataset(write_jsonl(tmp_path / "d.jsonl", [row]), column_map={"input": "context"})
    assert ds.format == "alpaca" and ds.column_map["input"] == "context"
    assert "output" not in ds.column_map  # the user's map is taken as it is


def test_blank_lines_of_a_text_file_are_not_documents(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("first doc\n\n   \nsecond doc\n\n")
    ds = open_dataset(path)
    assert ds.format == "text" and ds.num_rows("train") == 2
    assert ds.conversation("train", 1).turns[0].content == "second doc"
    assert run(summarize(ds)).problems == []


def test_alpaca_preference_tokens_mask_the_prompt_on_every_row(alpaca_preference):
    """What `inspector tokens --row N [--side rejected]` shows, for every row: instruction and
    input masked, the chosen (or rejected) answer trained, the same prompt on both sides."""
    from inspector.core.tokens.tokenize import IGNORE_INDEX, TokenPipeline, TokenSettings
    from inspector.core.tokens.tokenizer import load_tokenizer

    path, rows = alpaca_preference
    ds = open_dataset(path)
    tok = load_tokenizer()
    sides = {
        side: TokenPipeline(tok, TokenSettings(side=side, template="alpaca"), fmt=ds.format)
        for side in ("chosen", "rejected")
    }
    convs = [c for _, c, _ in ds.iter_conversations("train")]
    encoded = {side: pipe.encode_batch(convs) for side, pipe in sides.items()}
    for i, row in enumerate(rows):
        prompts = []
        for side in ("chosen", "rejected"):
            enc = encoded[side][i]
            user = [k for k, r in enumerate(enc.roles) if r == USER]
            assert user and all(enc.labels[k] == IGNORE_INDEX for k in user)
            trained = [k for k, lab in enumerate(enc.labels) if lab != IGNORE_INDEX]
            assert trained and min(trained) > max(user)
            text = enc.rendered.text
            assert row["instruction"] in text and (row["input"] or "") in text
            prompts.append(enc.input_ids[: max(user) + 1])
        assert prompts[0] == prompts[1]
