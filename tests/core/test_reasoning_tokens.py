"""Reasoning traces through templates and masks: rendered where the template puts them, trained
with the answer by default, masked with `reasoning="mask"`, on real LLaMA-Factory data."""

from __future__ import annotations

import copy

import pytest

from inspector.core.data.conversation import ASSISTANT, USER, Turn
from inspector.core.data.dataset import open_dataset
from inspector.core.errors import InputError
from inspector.core.tokens.rendered import CONTENT, REASONING
from inspector.core.tokens.templates import TEMPLATE_NAMES, get_template
from inspector.core.tokens.tokenize import IGNORE_INDEX, TokenPipeline, TokenSettings
from inspector.core.tokens.tokenizer import load_tokenizer

#: A Qwen3-like chat template written for this test: reasoning in <think> tags before the answer.
THINKING_CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message.reasoning_content %}<think>\n{{ message.reasoning_content }}\n</think>\n\n"
    "{% endif %}{{ message['content'] }}<|im_end|>\n{% endfor %}"
)


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer()


def turns():
    return [
        Turn(USER, "2+2?"),
        Turn(ASSISTANT, "4", trained=True, reasoning="Two and two make four."),
    ]


@pytest.mark.parametrize("name", [n for n in TEMPLATE_NAMES if n != "tokenizer"])
def test_builtin_templates_wrap_reasoning_in_think_tags(tok, name):
    r = get_template(name, tok).render(turns())
    (span,) = r.spans(1, REASONING)
    assert r.text[span[0] : span[1]] == "<think>\nTwo and two make four.\n</think>\n\n"
    (answer,) = r.spans(1, CONTENT)
    assert answer[0] == span[1] and r.text[answer[0] : answer[1]] == "4"
    trained = [r.text[a:b] for a, b in r.trained_spans("completion")]
    assert "Two and two make four." in trained[0]
    masked = "".join(r.text[a:b] for a, b in r.trained_spans("completion", reasoning="mask"))
    assert "Two and two" not in masked and masked.startswith("4")


def test_chat_template_decides_where_reasoning_goes(tok):
    other = copy.deepcopy(tok)
    other.chat_template = THINKING_CHATML
    r = get_template("tokenizer", other).render(turns())
    (span,) = r.spans(1, REASONING)
    assert r.text[span[0] : span[1]].startswith("<think>\nTwo and two")
    assert r.text[span[0] : span[1]].rstrip().endswith("</think>")
    # A template that ignores reasoning_content renders none: nothing to train or mask.
    plain = copy.deepcopy(tok)
    plain.chat_template = THINKING_CHATML.replace("message.reasoning_content", "message.none")
    r2 = get_template("tokenizer", plain).render(turns())
    assert "Two and two" not in r2.text and r2.spans(1, REASONING) == []


def test_reasoning_masked_or_trained_on_real_rows(tok, real_data):
    ds = open_dataset(real_data / "llamafactory_reason_tool_use_demo_50.jsonl")
    train = TokenPipeline(tok, TokenSettings(max_length=100_000), fmt=ds.format)
    mask = TokenPipeline(tok, TokenSettings(max_length=100_000, reasoning="mask"), fmt=ds.format)
    assert "reasoning" not in train.key and mask.key["reasoning"] == "mask"
    checked = 0
    for _row, conv, problem in ds.iter_conversations("train"):
        assert problem is None
        last = conv.turns[-1]
        if last.role != ASSISTANT or not last.reasoning:
            continue
        a, b = train.encode(conv), mask.encode(conv)
        assert a.input_ids == b.input_ids
        # The last answer's tokens: after the last user or tool token (completion mask).
        start = max(i for i, r in enumerate(a.roles) if r in ("user", "tool"))
        think = [i for i, p in enumerate(a.parts) if p == REASONING and i > start]
        answer = [i for i, p in enumerate(a.parts) if p == CONTENT and a.roles[i] == ASSISTANT]
        assert think and all(a.labels[i] != IGNORE_INDEX for i in think)
        assert all(b.labels[i] == IGNORE_INDEX for i in think)
        last_answer = [i for i in answer if i > think[-1]]
        assert last_answer and all(b.labels[i] != IGNORE_INDEX for i in last_answer)
        assert b.trained_tokens == a.trained_tokens - len(think)
        checked += 1
    assert checked >= 10


def test_unknown_reasoning_mode_is_an_input_error(tok):
    with pytest.raises(InputError, match="reasoning mode"):
        TokenPipeline(tok, TokenSettings(reasoning="skip"))


def test_cli_reasoning_option(real_data, tmp_path):
    import json

    from click.testing import CliRunner

    from inspector.cli import main

    path = real_data / "llamafactory_reason_tool_use_demo_50.jsonl"
    counts = {}
    for mode in ("train", "mask"):
        args = ["tokens", str(path), "--row", "0", "--json", "--reasoning", mode]
        result = CliRunner().invoke(main, [*args, "--state", str(tmp_path / "s")])
        assert result.exit_code == 0, result.output
        counts[mode] = json.loads(result.output)["trained_tokens"]
    assert 0 < counts["mask"] < counts["train"]
