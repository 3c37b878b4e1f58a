"""The mask linter on real and sample data: every rule fires where it should, and only there."""

from __future__ import annotations

import copy
import json

import pytest

from inspector.core import progress
from inspector.core.data.dataset import open_dataset
from inspector.core.tokens.facts import token_facts
from inspector.core.tokens.lint import RULES, lint
from inspector.core.tokens.tokenize import TokenPipeline, TokenSettings
from inspector.core.tokens.tokenizer import load_tokenizer


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer()


def run_lint(ds, tok, split="train", **settings):
    pipeline = TokenPipeline(tok, TokenSettings(**settings), ds.format)
    facts = progress.run(token_facts(ds, split, pipeline, use_cache=False))
    return lint(facts), facts, pipeline


def chat_template(tok, template):
    other = copy.deepcopy(tok)
    other.chat_template = template
    return other


def test_planted_overlong_rows_have_no_trained_tokens_left(tok, sample_data, tmp_path):
    """Acceptance: every sample_data row planted as >2048 tokens with its answer cut off."""
    manifest = json.loads((sample_data / "manifest.json").read_text())
    planted = {
        d["row"] for d in manifest["datasets"]["sft"]["defects"] if d["code"] == "no_trained_tokens"
    }
    assert planted
    ds = open_dataset(sample_data / "sft", state_dir=tmp_path)
    report, facts, _ = run_lint(ds, tok)
    assert set(report.rows_with("no_trained_tokens").tolist()) == planted
    assert all(facts["tokens"][r] > 2048 and facts["trained"][r] > 0 for r in planted)
    finding = report.finding("no_trained_tokens")
    assert finding.severity == "error" and finding.count == len(planted)
    assert finding.examples == sorted(planted)
    assert not report.rows_with("no_trained_tokens_before_truncation").size
    # The empty answer trains only its EOS: its turn got no trained token.
    empty = {
        d["row"] for d in manifest["datasets"]["sft"]["defects"] if d["code"] == "empty_response"
    }
    truly_empty = {r for r in empty if ds.conversation("train", r).turns[-1].content == ""}
    assert truly_empty and truly_empty <= set(report.rows_with("assistant_turn_untrained").tolist())
    assert set(report.lowest_fraction_rows[: len(planted)]) == planted
    assert 0 < report.trained_fraction["median"] < 1


def test_end_of_turn_left_out_of_generation_blocks(tok, real_data, tmp_path):
    ds = open_dataset(real_data / "fastchat_dummy_conversation.json", state_dir=tmp_path)
    # A common template bug: {% generation %} closes before <|im_end|>.
    forgetful = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% if m['role'] == "
        "'assistant' %}{% generation %}{{ m['content'] }}{% endgeneration %}"
        "{% else %}{{ m['content'] }}{% endif %}</s>{{ '\\n' }}{% endfor %}"
    )
    report, facts, _ = run_lint(
        ds, chat_template(tok, forgetful), template="tokenizer", mask="assistant"
    )
    assert report.finding("end_of_turn_not_trained").count == 500
    assert (facts["eot_untrained"] == facts["target_turns"]).all()
    fixed = forgetful.replace(
        "{% endgeneration %}{% else %}{{ m['content'] }}{% endif %}</s>",
        "</s>{% endgeneration %}{% else %}{{ m['content'] }}</s>{% endif %}",
    )
    report, _, _ = run_lint(ds, chat_template(tok, fixed), template="tokenizer", mask="assistant")
    assert report.finding("end_of_turn_not_trained") is None and report.findings == []


def test_duplicated_bos(tok, tmp_path):
    data = tmp_path / "train.jsonl"
    texts = ["<s>Already has a BOS.", "No BOS here.", "<s> Another one."]
    data.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    ds = open_dataset(data, state_dir=tmp_path / "state")
    report, _, _ = run_lint(ds, tok)
    assert report.rows_with("duplicated_bos").tolist() == [0, 2]
    # Forcing the tokenizer's BOS on a template that writes its own doubles it on every row.
    chat = tmp_path / "chat.jsonl"
    chat.write_text(
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Yo"},
                ]
            }
        )
        + "\n"
    )
    ds = open_dataset(chat, state_dir=tmp_path / "state2")
    report, _, _ = run_lint(ds, tok, template="mistral", add_special_tokens=True)
    assert report.rows_with("duplicated_bos").tolist() == [0]
    report, _, _ = run_lint(ds, tok, template="mistral")
    assert report.findings == []


def test_rows_with_nothing_to_train(tok, tmp_path):
    data = tmp_path / "train.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": "Only a question"}]},
        {"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]},
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ds = open_dataset(data, state_dir=tmp_path / "state")
    report, _, _ = run_lint(ds, tok)
    assert report.rows_with("no_trained_tokens_before_truncation").tolist() == [0]
    assert report.rows_with("no_trained_tokens").tolist() == [0]


def test_truncation_that_cuts_the_end_of_turn(tok, real_data, tmp_path):
    ds = open_dataset(real_data / "llamafactory_glaive_toolcall_en_demo.json", state_dir=tmp_path)
    report, facts, pipeline = run_lint(ds, tok, max_length=512)
    cut = report.rows_with("end_of_turn_truncated")
    assert len(cut) > 0
    for r in cut[:5]:
        row = pipeline.encode(ds.conversation("train", int(r)))
        assert row.truncated and 0 < row.trained_tokens < row.trained_tokens_before_truncation
        # The last trained token the model sees is not the EOS that ends the answer.
        kept = [
            i for i, lab in zip(row.input_ids[:512], row.labels[:512], strict=True) if lab != -100
        ]
        assert kept[-1] != tok.eos_token_id
    assert set(cut) <= set(report.rows_with("trained_tokens_truncated"))
    codes = {f["code"] for f in report.to_json()["findings"]}
    assert codes <= set(RULES)
