"""Templates render conversations to the exact expected text, with a span for every turn."""

from __future__ import annotations

import copy

import pytest

from inspector.core.data.conversation import ASSISTANT, SYSTEM, TEXT, TOOL, USER, Turn
from inspector.core.errors import InputError, RowError
from inspector.core.tokens.rendered import CONTENT, END
from inspector.core.tokens.templates import (
    TEMPLATE_NAMES,
    default_template_name,
    get_template,
)
from inspector.core.tokens.tokenizer import load_tokenizer


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer()


def chat():
    return [
        Turn(SYSTEM, "Be brief."),
        Turn(USER, "Hi"),
        Turn(ASSISTANT, "Hello!", trained=True),
        Turn(USER, "2+2?"),
        Turn(ASSISTANT, "4", trained=True),
    ]


def alpaca(instruction, given_input, output):
    content = instruction + (f"\n\n{given_input}" if given_input else "")
    return [
        Turn(USER, content, fields={"instruction": instruction, "input": given_input}),
        Turn(ASSISTANT, output, trained=True),
    ]


def test_alpaca_is_the_seed_notebooks_text_with_and_without_input(tok):
    t = get_template("alpaca", tok)
    with_input = t.render(alpaca("Fix the spelling.", "freind", "friend"))
    assert with_input.text == (
        "Below is an instruction that describes a task, paired with an input that provides "
        "further context. Write a response that appropriately completes the request.\n\n"
        "### Instruction:\nFix the spelling.\n\n### Input:\nfreind\n\n### Response:\nfriend</s>"
    )
    without = t.render(alpaca("Name a colour.", "", "Blue."))
    assert without.text == (
        "Below is an instruction that describes a task. Write a response that appropriately "
        "completes the request.\n\n### Instruction:\nName a colour.\n\n### Response:\nBlue.</s>"
    )
    assert without.add_special_tokens  # the tokenizer adds BOS


def test_chat_templates_render_exactly(tok):
    expected = {
        "chatml": "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n"
        "<|im_start|>assistant\n4<|im_end|>\n",
        "mistral": "<s>[INST] Be brief. Hi [/INST]Hello!</s>[INST] 2+2? [/INST]4</s>",
        "llama3": "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief."
        "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>",
        "phi3": "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n"
        "<|user|>\n2+2?<|end|>\n<|assistant|>\n4<|end|>\n",
    }
    for name, text in expected.items():
        r = get_template(name, tok).render(chat())
        assert r.text == text, name
        # Templates that write their own BOS tell the tokenizer not to add another.
        assert r.add_special_tokens == (name in ("chatml", "phi3"))


@pytest.mark.parametrize("name", [n for n in TEMPLATE_NAMES if n != "tokenizer"])
def test_every_turn_has_its_content_span_and_trained_turns_an_end(tok, name):
    turns = chat()
    r = get_template(name, tok).render(turns)
    for i, turn in enumerate(turns):
        spans = r.spans(i, CONTENT)
        assert "".join(r.text[a:b] for a, b in spans) == turn.content
        if turn.trained:
            (end,) = r.spans(i, END)
            assert r.text[end[0] : end[1]] in ("</s>", "<|im_end|>", "<|eot_id|>", "<|end|>")
            assert end[0] == spans[-1][1]  # the marker follows the answer directly
    # completion mode: the last answer and its end marker; assistant mode: both answers.
    end = r.spans(4, END)[0]
    assert [r.text[a:b] for a, b in r.trained_spans("completion")] == [
        "4" + r.text[end[0] : end[1]]
    ]
    marker = r.text[end[0] : end[1]]
    assert [r.text[a:b] for a, b in r.trained_spans("assistant")] == [
        "Hello!" + marker,
        "4" + marker,
    ]
    assert r.trained_turns("all") == [0, 1, 2, 3, 4]


# Seed 000's Mistral template (its comment: "Mistral Instruct doesn't allow system prompts, so
# we append it to the user message"), as the seed writes it.
SEED_MISTRAL = (
    "{{ bos_token }}"
    "{% if messages[0]['role'] == 'system' %}"
    "{% if messages[1]['role'] == 'user' %}"
    "{{ '[INST] ' + messages[0]['content'] + ' ' + messages[1]['content'] + ' [/INST]' }}"
    "{% set loop_messages = messages[2:] %}"
    "{% else %}"
    "{{ '[INST] ' + messages[0]['content'] + ' [/INST]' }}"
    "{% set loop_messages = messages[1:] %}"
    "{% endif %}"
    "{% else %}"
    "{% set loop_messages = messages %}"
    "{% endif %}"
    "{% for message in loop_messages %}"
    "{% if message['role'] == 'user' %}"
    "{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}"
    "{{ message['content'] + eos_token }}"
    "{% else %}"
    "{{ raise_exception('Only user and assistant roles are supported!') }}"
    "{% endif %}"
    "{% endfor %}"
)


def test_mistral_joins_the_system_prompt_as_the_seeds_template(tok, real_data):
    """On every LLaMA-Factory DPO demo row with a system prompt, the mistral template writes
    exactly what seed 000's template writes; the other rules only when asked for."""
    from inspector.core.data.dataset import open_dataset

    seed = copy.deepcopy(tok)
    seed.chat_template = SEED_MISTRAL
    ds = open_dataset(real_data / "llamafactory_dpo_en_demo.json")
    t = get_template("mistral", tok)
    checked = 0
    for _, conv, _ in ds.iter_conversations("train"):
        turns = conv.turns + conv.chosen
        if turns[0].role != SYSTEM:
            continue
        messages = [{"role": x.role, "content": x.content} for x in turns]
        assert t.render(turns).text == seed.apply_chat_template(messages, tokenize=False)
        checked += 1
    assert checked > 0
    turns = [Turn(SYSTEM, "S"), Turn(USER, "a"), Turn(ASSISTANT, "b", True), Turn(USER, "c")]
    blank = get_template("mistral", tok, mistral_system="blank-line").render(turns)
    assert blank.text == "<s>[INST] S\n\na [/INST]b</s>[INST] c [/INST]"
    last = get_template("mistral", tok, mistral_system="last-user").render(turns)
    assert last.text == "<s>[INST] a [/INST]b</s>[INST] S\n\nc [/INST]"
    assert "".join(last.text[a:b] for a, b in last.spans(0, CONTENT)) == "S"
    with pytest.raises(InputError, match="system joining rule"):
        get_template("mistral", tok, mistral_system="nowhere")


def test_mistral_system_without_user_and_tool_turns(tok):
    t = get_template("mistral", tok)
    r = t.render([Turn(SYSTEM, "S"), Turn(ASSISTANT, "A", trained=True)])
    assert r.text == "<s>[INST] S [/INST]A</s>"
    calls = [{"name": "get_time", "arguments": '{"tz": "UTC"}'}]
    r = t.render(
        [
            Turn(USER, "time?"),
            Turn(ASSISTANT, "", True, calls),
            Turn(TOOL, "12:00"),
            Turn(ASSISTANT, "Noon.", trained=True),
        ]
    )
    assert r.text == (
        '<s>[INST] time? [/INST][TOOL_CALLS] {"name": "get_time", "arguments": '
        '{"tz": "UTC"}}</s>[TOOL_RESULTS] 12:00 [/TOOL_RESULTS]Noon.</s>'
    )


def test_sharegpt_function_call_text_is_rendered_once(tok):
    call = '{"name": "f", "arguments": {}}'
    turn = Turn(
        ASSISTANT, call, True, [{"name": "f", "arguments": "{}"}], source_role="function_call"
    )
    r = get_template("chatml", tok).render([Turn(USER, "go"), turn])
    assert r.text.count('"name": "f"') == 1


def test_text_documents_render_as_content_and_eos_whatever_the_template(tok):
    for name in ("alpaca", "mistral", "chatml"):
        r = get_template(name, tok).render([Turn(TEXT, "Plain document.", trained=True)])
        assert r.text == "Plain document.</s>" and r.add_special_tokens


GENERATION_CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['role'] == 'assistant' %}{% generation %}{{ message['content'] }}<|im_end|>"
    "{% endgeneration %}{% else %}{{ message['content'] }}<|im_end|>{% endif %}{{ '\\n' }}"
    "{% endfor %}"
)


def with_template(tok, template):
    other = copy.deepcopy(tok)
    other.chat_template = template
    return other


def test_tokenizer_template_spans_and_generation_blocks(tok):
    t = get_template("tokenizer", with_template(tok, GENERATION_CHATML))
    turns = chat()
    r = t.render(turns)
    assert r.text == get_template("chatml", tok).render(turns).text
    assert not r.add_special_tokens
    for i, turn in enumerate(turns):
        (span,) = r.spans(i, CONTENT)
        assert r.text[span[0] : span[1]] == turn.content
    # {% generation %} decides what is trained: content plus <|im_end|> of each answer.
    assert [r.text[a:b] for a, b in r.trained_spans("assistant")] == [
        "Hello!<|im_end|>",
        "4<|im_end|>",
    ]
    assert [r.text[a:b] for a, b in r.trained_spans("completion")] == ["4<|im_end|>"]


def test_tokenizer_template_that_changes_content_is_located_by_search(tok):
    template = (
        "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}"
        "[INST] {{ m['content'] | trim }} [/INST]{% else %}{{ m['content'] | trim }}"
        "{{ eos_token }}{% endif %}{% endfor %}"
    )
    t = get_template("tokenizer", with_template(tok, template))
    r = t.render([Turn(USER, "  padded question  "), Turn(ASSISTANT, " answer\n", trained=True)])
    assert r.text == "<s>[INST] padded question [/INST]answer</s>"
    assert [r.text[a:b] for a, b in r.trained_spans("completion")] == ["answer</s>"]


def test_tokenizer_template_errors_are_row_errors(tok):
    template = "{{ raise_exception('roles must alternate') }}"
    t = get_template("tokenizer", with_template(tok, template))
    with pytest.raises(RowError, match="roles must alternate"):
        t.render(chat())


def test_default_template_and_bad_names(tok):
    assert default_template_name("alpaca", tok) == "alpaca"
    assert default_template_name("sharegpt", tok) == "mistral"
    assert default_template_name("alpaca", with_template(tok, GENERATION_CHATML)) == "tokenizer"
    with pytest.raises(InputError, match="no chat_template"):
        get_template("tokenizer", tok)
    with pytest.raises(InputError, match="Unknown template"):
        get_template("vicuna", tok)


@pytest.mark.parametrize("name", ["alpaca", "chatml", "mistral", "llama3", "phi3"])
def test_tool_definitions_are_rendered_and_never_trained(tok, name, real_data):
    """Glaive rows carry `tools`: the model must see the schema of the functions it calls."""
    import dataclasses

    from inspector.core.data.dataset import open_dataset
    from inspector.core.tokens.templates import given_tools
    from inspector.core.tokens.tokenize import TokenPipeline, TokenSettings

    ds = open_dataset(real_data / "llamafactory_glaive_toolcall_en_demo.json")
    with_tools = [
        c for _, c, _ in ds.iter_conversations("train") if c is not None and given_tools(c.tools)
    ]
    assert len(with_tools) > 50
    for mask in ("completion", "assistant"):
        pipe = TokenPipeline(tok, TokenSettings(template=name, mask=mask), ds.format)
        for conv in with_tools[:60]:
            row = pipe.encode(conv)
            text = row.rendered.text
            assert text.count(conv.tools) == 1, name
            start = text.index(conv.tools)
            end = start + len(conv.tools)
            for a, b in row.trained_ranges:  # no trained token touches the tools
                for s, e in row.offsets[a:b]:
                    assert e <= start or s >= end
            # The tools add prompt text only: what is trained stays the same.
            bare = pipe.encode(dataclasses.replace(conv, tools=None))
            trained = [row.input_ids[a:b] for a, b in row.trained_ranges]
            assert trained == [bare.input_ids[a:b] for a, b in bare.trained_ranges]
