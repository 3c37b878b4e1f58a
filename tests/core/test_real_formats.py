"""Format detection and row counts on public datasets nobody on this project wrote."""

from __future__ import annotations

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.data.summary import summarize
from inspector.core.errors import InputError
from inspector.core.progress import run

EXPECTED = {
    "rasbt_instruction-data.json": ("alpaca", 1100),
    "rasbt_instruction-examples_with-dups.json": ("alpaca", 200),
    "llamafactory_alpaca_en_demo.json": ("alpaca", 999),
    "axolotl_alpaca.json": ("alpaca", 2),
    "fastchat_dummy_conversation.json": ("sharegpt", 500),
    "axolotl_conversation.json": ("sharegpt", 1),
    "llamafactory_glaive_toolcall_en_demo.json": ("sharegpt", 300),
    "llamafactory_dpo_en_demo.json": ("preference", 300),
    "hh-rlhf_harmless-base_test.jsonl.gz": ("preference", 2312),
    "llamafactory_kto_en_demo.json": ("unpaired_preference", 300),
    "openai-cookbook_toy_chat_fine_tuning.jsonl": ("messages", 5),
    "llamafactory_c4_demo.jsonl": ("text", 300),
    "llamafactory_dpo_zh_demo.json": ("preference", 300),
    "llamafactory_glaive_toolcall_zh_demo.json": ("sharegpt", 300),
    "llamafactory_v1_dpo_demo.jsonl": ("preference", 10),
    "llamafactory_reason_tool_use_demo_50.jsonl": ("messages", 50),
    "gsm8k_test.jsonl": ("prompt_completion", 1319),
    "HumanEval.jsonl.gz": ("prompt_completion", 164),
}
#: Files in the folder that are not training rows, and why each is refused (with a clear error).
NOT_DATASETS = {
    "mt_bench_question.jsonl": "cannot tell the format",  # questions only, no answers to train
    "llamafactory_dataset_info.json": "dataset registry",  # LLaMA-Factory's --dataset-info file
}


def test_every_real_file_is_covered(real_data):
    names = {p.name for p in real_data.iterdir() if p.is_file() and p.suffix != ".md"}
    assert names == set(EXPECTED) | set(NOT_DATASETS)


@pytest.mark.parametrize("name", sorted(NOT_DATASETS))
def test_files_that_are_not_training_rows_are_refused_clearly(real_data, name):
    with pytest.raises(InputError, match=NOT_DATASETS[name]):
        open_dataset(real_data / name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_format_and_rows(real_data, name):
    fmt, rows = EXPECTED[name]
    ds = open_dataset(real_data / name)
    assert ds.format == fmt
    summary = run(summarize(ds))
    assert sum(s.rows for s in summary.splits.values()) == rows
    assert summary.problems == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_columnar_stats_match_per_row(real_data, name):
    """The Arrow fast path must measure exactly what normalizing every row measures."""
    ds = open_dataset(real_data / name)
    fast = run(summarize(ds)).roles
    slow: dict[str, list[int]] = {}
    for split in ds.splits:
        for _, conv, _ in ds.iter_conversations(split):
            for side in [conv.turns, conv.chosen or [], conv.rejected or []]:
                for t in side:
                    slow.setdefault(t.role, []).append(len(t.content))
                    if t.reasoning is not None:
                        slow.setdefault("reasoning", []).append(len(t.reasoning))
    assert sorted(fast) == sorted(slow)
    for role, lengths in slow.items():
        assert fast[role].turns == len(lengths)
        assert fast[role].max == max(lengths)
        assert fast[role].mean == pytest.approx(sum(lengths) / len(lengths))


def test_sharegpt_roles_and_tools(real_data):
    ds = open_dataset(real_data / "llamafactory_glaive_toolcall_en_demo.json")
    conv = ds.conversation("train", 0)
    assert conv.tools and conv.tools.lstrip().startswith("[")
    call = next(t for t in conv.turns if t.source_role == "function_call")
    assert call.role == "assistant" and call.tool_calls[0]["name"] == "search_recipes"
    assert any(t.role == "tool" and t.source_role == "observation" for t in conv.turns)


def test_raw_transcript_preference(real_data):
    ds = open_dataset(real_data / "hh-rlhf_harmless-base_test.jsonl.gz")
    assert ds.splits == ["test"]  # the split comes from the file name
    conv = ds.conversation("test", 0)
    assert [t.role for t in conv.turns][:2] == ["user", "assistant"]
    assert conv.turns[-1].role == "user"
    assert [t.role for t in conv.chosen] == ["assistant"]
    assert [t.role for t in conv.rejected] == ["assistant"]
    assert conv.chosen[0].content != conv.rejected[0].content


def test_sharegpt_preference_and_kto(real_data):
    dpo = open_dataset(real_data / "llamafactory_dpo_en_demo.json").conversation("train", 0)
    assert dpo.turns[-1].role == "user" and dpo.chosen[0].role == "assistant"
    kto = open_dataset(real_data / "llamafactory_kto_en_demo.json").conversation("train", 0)
    assert kto.label is True and [t.role for t in kto.turns] == ["user", "assistant"]


def test_single_object_file_is_one_record(real_data):
    ds = open_dataset(real_data / "axolotl_conversation.json")
    conv = ds.conversation("train", 0)
    assert len(conv.turns) > 2 and conv.turns[0].role == "user"
