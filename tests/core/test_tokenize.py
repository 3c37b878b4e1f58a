"""Labels and roles on real data: Alpaca completion masks, chat-template assistant masks."""

from __future__ import annotations

import copy

import pytest

from inspector.core.data.conversation import ASSISTANT, USER, Conversation, Turn
from inspector.core.data.dataset import open_dataset
from inspector.core.errors import InputError, RowError
from inspector.core.tokens.tokenize import IGNORE_INDEX, TokenPipeline, TokenSettings
from inspector.core.tokens.tokenizer import load_tokenizer

# A ChatML template that marks each answer and its <|im_end|> with {% generation %}.
GENERATION_CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['role'] == 'assistant' %}{% generation %}{{ message['content'] }}<|im_end|>"
    "{% endgeneration %}{% else %}{{ message['content'] }}<|im_end|>{% endif %}{{ '\\n' }}"
    "{% endfor %}"
)


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer()


@pytest.fixture(scope="module")
def gen_tok(tok):
    other = copy.deepcopy(tok)
    other.chat_template = GENERATION_CHATML
    return other


def rows(ds, split="train"):
    return [conv for _, conv, _ in ds.iter_conversations(split)]


def trained_ids(row):
    return [i for i, label in zip(row.input_ids, row.labels, strict=True) if label != IGNORE_INDEX]


def test_alpaca_completion_trains_exactly_the_output_and_eos(tok, real_data):
    """Acceptance: on all 1100 rasbt rows, decoded trained text == output + EOS."""
    ds = open_dataset(real_data / "rasbt_instruction-data.json")
    outputs = ds.hf["train"]["output"]
    pipeline = TokenPipeline(tok, TokenSettings(template="alpaca", mask="completion"), ds.format)
    encoded = pipeline.encode_batch(rows(ds))
    assert len(encoded) == 1100
    for i, row in enumerate(encoded):
        assert tok.decode(trained_ids(row)) == outputs[i] + tok.eos_token, i
        # Everything before the response (preamble, instruction, input, headers) is masked,
        # everything from the response on is trained: one contiguous block ending at EOS.
        first = next(k for k, label in enumerate(row.labels) if label != IGNORE_INDEX)
        assert all(label == IGNORE_INDEX for label in row.labels[:first])
        assert all(label != IGNORE_INDEX for label in row.labels[first:])
        assert row.input_ids[-1] == tok.eos_token_id and row.labels[-1] == tok.eos_token_id
        assert row.input_ids[0] == tok.bos_token_id
        # The batched path tokenizes exactly as the tokenizer's own call does.
        if i % 50 == 0:
            assert row.input_ids == tok(row.rendered.text)["input_ids"]


def test_assistant_mode_equals_transformers_assistant_masks(gen_tok, real_data):
    """Acceptance: for every fastchat row, trained tokens == apply_chat_template's
    assistant_masks for the same tokenizer and a template with {% generation %}."""
    ds = open_dataset(real_data / "fastchat_dummy_conversation.json")
    convs = rows(ds)
    assert len(convs) == 500
    pipeline = TokenPipeline(
        gen_tok, TokenSettings(template="tokenizer", mask="assistant"), ds.format
    )
    # Our own ChatML template (no Jinja involved) must train the very same tokens.
    builtin = TokenPipeline(
        gen_tok,
        TokenSettings(template="chatml", mask="assistant", add_special_tokens=False),
        ds.format,
    )
    ours, theirs = pipeline.encode_batch(convs), builtin.encode_batch(convs)
    for i, conv in enumerate(convs):
        messages = [{"role": t.role, "content": t.content} for t in conv.turns]
        ref = gen_tok.apply_chat_template(
            messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
        )
        mask = [int(label != IGNORE_INDEX) for label in ours[i].labels]
        assert ours[i].input_ids == ref["input_ids"], i
        assert mask == ref["assistant_masks"], i
        assert theirs[i].input_ids == ref["input_ids"], i
        assert [int(label != IGNORE_INDEX) for label in theirs[i].labels] == mask, i
        assert sum(mask) > 0


def test_completion_trains_only_the_last_answer(tok, real_data):
    ds = open_dataset(real_data / "fastchat_dummy_conversation.json")
    pipeline = TokenPipeline(tok, TokenSettings(template="mistral", mask="completion"), ds.format)
    for conv, row in zip(rows(ds)[:60], pipeline.encode_batch(rows(ds)[:60]), strict=True):
        last = conv.turns[-1].content
        assert tok.decode(trained_ids(row)) == tok.decode(
            tok(last + "</s>", add_special_tokens=False)["input_ids"]
        )
        roles = {r for r, label in zip(row.roles, row.labels, strict=True) if label != IGNORE_INDEX}
        assert roles == {"assistant"}


def test_all_mode_trains_every_token(tok):
    conv = Conversation("messages", [Turn(USER, "Hi"), Turn(ASSISTANT, "Yo", trained=True)])
    row = TokenPipeline(tok, TokenSettings(template="mistral", mask="all")).encode(conv)
    assert row.labels == row.input_ids and row.trained_tokens == row.total_tokens


def test_roles_parts_and_special_flags(tok):
    conv = Conversation(
        "messages", [Turn(USER, "Hello there"), Turn(ASSISTANT, "General Kenobi", trained=True)]
    )
    row = TokenPipeline(tok, TokenSettings(template="mistral")).encode(conv)
    by_role = {}
    for token, role, part in zip(row.tokens, row.roles, row.parts, strict=True):
        by_role.setdefault((role, part), []).append(token)
    assert tok.convert_tokens_to_string(by_role[("user", "content")]) == "Hello there"
    assert tok.convert_tokens_to_string(by_role[("assistant", "content")]) == "General Kenobi"
    assert by_role[("assistant", "end")] == ["</s>"]
    assert row.special[0] and row.tokens[0] == "<s>" and row.special[-1]
    assert not any(row.special[1:-1])


def test_truncation_keeps_the_start_and_counts_lost_tokens(tok, real_data):
    ds = open_dataset(real_data / "rasbt_instruction-data.json")
    conv = ds.conversation("train", 0)
    full = TokenPipeline(tok, TokenSettings(template="alpaca")).encode(conv)
    cut_at = full.total_tokens - 5
    row = TokenPipeline(tok, TokenSettings(template="alpaca", max_length=cut_at)).encode(conv)
    assert row.truncated and row.trained_tokens_lost == 5
    assert row.trained_tokens == full.trained_tokens_before_truncation - 5
    inputs = row.model_inputs()
    assert inputs["input_ids"] == full.input_ids[:cut_at]
    assert inputs["labels"] == full.labels[:cut_at] and inputs["attention_mask"] == [1] * cut_at
    out = row.to_json()
    assert set(out) >= {"tokens", "input_ids", "labels", "roles", "truncated", "trained_tokens"}
    assert len(out["input_ids"]) == cut_at and out["truncated"] is True


def test_preference_rows_train_the_chosen_side_or_the_rejected_one(tok, real_data):
    ds = open_dataset(real_data / "llamafactory_dpo_en_demo.json")
    convs = rows(ds)
    for side in ("chosen", "rejected"):
        pipeline = TokenPipeline(tok, TokenSettings(side=side), ds.format)
        for k, (conv, row) in enumerate(zip(convs, pipeline.encode_batch(convs), strict=True)):
            expected = getattr(conv, side)[-1].content + tok.eos_token
            decoded = tok.decode(trained_ids(row))
            # A token straddling "[/INST]" and the answer (e.g. "](") is trained: it is
            # partly answer. Otherwise the trained text is exactly the answer and EOS.
            assert decoded == expected or (
                decoded.endswith(expected) and decoded[: -len(expected)] == "]"
            ), (side, k)
    row10 = TokenPipeline(tok, TokenSettings(), ds.format).encode(convs[10])
    first = next(k for k, label in enumerate(row10.labels) if label != IGNORE_INDEX)
    assert row10.tokens[first] == "](" and row10.roles[first] == "assistant"


def test_unrenderable_rows_and_bad_settings(tok):
    pipeline = TokenPipeline(tok, TokenSettings())
    out = pipeline.encode_batch([None, Conversation("messages", [])])
    assert all(isinstance(r, RowError) for r in out)
    with pytest.raises(InputError):
        TokenPipeline(tok, TokenSettings(mask="prompt"))
    with pytest.raises(InputError):
        TokenPipeline(tok, TokenSettings(max_length=0))
