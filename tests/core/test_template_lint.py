"""The template linter: each finding on a template built to have it, none on sound ones."""

from __future__ import annotations

import copy

import pytest

from inspector.core.tokens.template_lint import lint_template
from inspector.core.tokens.tokenize import TokenPipeline, TokenSettings
from inspector.core.tokens.tokenizer import load_tokenizer
from tests.core.test_templates import SEED_MISTRAL
from tests.core.tool_templates import TEMPLATES, stock, with_generation

# ChatML whose generation block stops before <|im_end|>: the answer is trained, its stop is not.
EOT_OUTSIDE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['role'] == 'assistant' %}{% generation %}{{ message['content'] }}"
    "{% endgeneration %}<|im_end|>{% else %}{{ message['content'] }}<|im_end|>{% endif %}\n"
    "{% endfor %}"
)
# A template with no place for a system prompt.
NO_SYSTEM = (
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% elif m['role'] == 'user' %}"
    "[INST] {{ m['content'] }} [/INST]{% else %}{{ m['content'] }}{{ eos_token }}{% endif %}"
    "{% endfor %}"
)


@pytest.fixture(scope="module")
def base():
    return load_tokenizer()


def lint_with(base, template=None, special=(), pad=None, name="tokenizer"):
    tok = copy.deepcopy(base)
    if special:
        tok.add_special_tokens({"additional_special_tokens": list(special)})
    if pad is not None:
        tok.pad_token = pad
    tok.chat_template = template
    return lint_template(TokenPipeline(tok, TokenSettings(template=name)))


@pytest.mark.parametrize("name", ["alpaca", "chatml", "mistral", "llama3", "phi3"])
def test_builtin_templates_have_nothing_to_fix(base, name):
    report = lint_with(base, name=name)
    assert report.codes() == ["pad_token_unset"]  # the embedded tokenizer has no pad token
    assert report.checks["end_of_turn_trained"] and report.checks["renders_system"]
    assert report.checks["renders_tools"]


def test_a_stock_template_without_generation_markers(base):
    report = lint_with(base, stock("hermes"), TEMPLATES["hermes"][1])
    assert "no_generation_markers" in report.codes()
    # TRL (installed with the `trl` extra) has no training version of this template.
    trl = pytest.importorskip("trl")
    assert trl is not None
    assert "trl_assistant_only_loss_trains_nothing" in report.codes()
    # inspector itself still trains each answer and its end-of-turn token.
    assert report.checks["end_of_turn_trained"] is True
    marked = lint_with(base, with_generation("hermes"), TEMPLATES["hermes"][1])
    assert "no_generation_markers" not in marked.codes()
    assert "trl_assistant_only_loss_trains_nothing" not in marked.codes()


def test_end_of_turn_outside_the_generation_block(base):
    report = lint_with(base, EOT_OUTSIDE, ["<|im_start|>", "<|im_end|>"])
    (finding,) = [f for f in report.findings if f.code == "end_of_turn_not_trained"]
    assert finding.severity == "error" and "2 of 2" in finding.evidence


def test_bos_written_by_the_template_and_added_by_the_tokenizer(base):
    report = lint_with(base, SEED_MISTRAL)
    assert "template_bos_doubled" in report.codes()
    assert report.checks["bos_doubled_as_text"] is True
    assert "system_prompt_dropped" not in report.codes()  # the seed joins it to the user turn
    assert "tools_not_rendered" in report.codes()


def test_pad_token_problems(base):
    assert "pad_is_eos" in lint_with(base, name="chatml", pad="</s>").codes()
    hermes = lint_with(base, stock("hermes"), TEMPLATES["hermes"][1], pad="<|im_end|>")
    assert "pad_in_template" in hermes.codes() and "pad_is_eos" not in hermes.codes()
    fine = lint_with(base, name="chatml", pad="<unk>")
    assert fine.codes() == []


def test_a_template_refusing_system_prompts(base):
    report = lint_with(base, NO_SYSTEM)
    (finding,) = [f for f in report.findings if f.code == "system_prompt_dropped"]
    assert "System role not supported" in finding.evidence
