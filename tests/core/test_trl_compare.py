"""`--compare trl`: TRL's own SFT preparation against inspector's, on real data.

Where the two follow the same convention every row must agree on `input_ids` and on trained
positions; where they do not, the difference must be the named one, on every row.
"""

from __future__ import annotations

import copy

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.progress import run
from inspector.core.tokens.tokenize import TokenPipeline, TokenSettings
from inspector.core.tokens.tokenizer import load_tokenizer
from tests.core.test_tokenize import GENERATION_CHATML
from tests.core.tool_templates import TEMPLATES, stock, with_generation

pytest.importorskip("trl")
from inspector.core.tokens.trl_compare import compare_with_trl  # noqa: E402

CHATML_SPECIAL = ["<|im_start|>", "<|im_end|>"]


def tok_with(template=None, special=()):
    tok = copy.deepcopy(load_tokenizer())
    if special:
        tok.add_special_tokens({"additional_special_tokens": list(special)})
    tok.chat_template = template
    return tok


def compare(real_data, tmp_path, name, tok, template, mask, rows=60):
    ds = open_dataset(real_data / name, state_dir=tmp_path)
    pipe = TokenPipeline(tok, TokenSettings(template=template, mask=mask), ds.format)
    return run(compare_with_trl(ds, ds.splits[0], pipe, rows=rows)).to_json()


@pytest.mark.parametrize(
    "name, template, mask, chat",
    [
        ("rasbt_instruction-data.json", "alpaca", "completion", None),  # Alpaca
        ("fastchat_dummy_conversation.json", "tokenizer", "assistant", "chatml"),  # ShareGPT
        ("llamafactory_glaive_toolcall_en_demo.json", "tokenizer", "assistant", "hermes"),
        ("llamafactory_glaive_toolcall_en_demo.json", "tokenizer", "completion", "hermes-stock"),
        ("openai-cookbook_toy_chat_fine_tuning.jsonl", "tokenizer", "assistant", "chatml"),
        ("llamafactory_c4_demo.jsonl", None, "completion", None),  # plain text
    ],
)
def test_full_agreement_where_conventions_match(real_data, tmp_path, name, template, mask, chat):
    tok = {
        None: lambda: load_tokenizer(),
        "chatml": lambda: tok_with(GENERATION_CHATML, CHATML_SPECIAL),
        "hermes": lambda: tok_with(with_generation("hermes"), TEMPLATES["hermes"][1]),
        "hermes-stock": lambda: tok_with(stock("hermes"), TEMPLATES["hermes"][1]),
    }[chat]()
    out = compare(real_data, tmp_path, name, tok, template, mask)
    assert out["rows"] > 0 and not out["skipped"]
    assert out["input_ids_agree"] == out["rows"], out["examples"]
    assert out["trained_positions_agree"] == out["rows"], out["examples"]
    assert out["differences"] == [] and out["examples"] == []


def test_listed_differences_are_pinned(real_data, tmp_path):
    data = "fastchat_dummy_conversation.json"
    # Built-in mistral writes <s> itself; TRL tokenizes its text with special tokens: two BOS.
    out = compare(real_data, tmp_path, data, load_tokenizer(), "mistral", "completion")
    assert [(d["kind"], d["rows"]) for d in out["differences"]] == [("bos_doubled", 60)]
    assert out["examples"][0]["trl"].startswith("<s><s>")
    # ChatML ends turns with <|im_end|>, not EOS: TRL appends an EOS to every completion.
    out = compare(real_data, tmp_path, data, load_tokenizer(), "chatml", "completion")
    assert [(d["kind"], d["rows"]) for d in out["differences"]] == [("eos_appended", 60)]
    # A template with no add_generation_prompt branch: TRL's prompt stops before the assistant
    # header, so TRL trains the header and the newline after <|im_end|>.
    chat = tok_with(GENERATION_CHATML, CHATML_SPECIAL)
    out = compare(real_data, tmp_path, data, chat, "tokenizer", "completion")
    assert out["input_ids_agree"] == 60 and out["trained_positions_agree"] == 0
    (diff,) = out["differences"]
    assert diff["kind"] == "assistant_header+whitespace_after_header" and diff["rows"] == 60
    assert "[<|im_start|>][ass][istant]" in out["examples"][0]["trl"]
    # Pre-formatted text with markers: TRL has no marker masking any more.
    texts = tmp_path / "seed.jsonl"
    texts.write_text('{"text": "human: hello \\n bot: hi nice to meet you"}\n')
    ds = open_dataset(texts, state_dir=tmp_path / "t")
    pipe = TokenPipeline(
        load_tokenizer(), TokenSettings(response_templates=("bot:",)), fmt=ds.format
    )
    out = run(compare_with_trl(ds, "train", pipe)).to_json()
    assert [(d["kind"], d["rows"]) for d in out["differences"]] == [("markers", 1)]


def test_trl_refuses_assistant_only_loss_without_generation_markers(real_data, tmp_path):
    from inspector.core.errors import InputError

    tok = tok_with(stock("hermes"), TEMPLATES["hermes"][1])
    with pytest.raises(InputError, match="TRL refused"):
        compare(
            real_data,
            tmp_path,
            "llamafactory_glaive_toolcall_en_demo.json",
            tok,
            "tokenizer",
            "assistant",
            rows=5,
        )
