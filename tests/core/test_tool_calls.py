"""Tool calls are trained and tool results masked under any template (real glaive demo data).

A tool call is model output: a trainer that leaves it masked teaches the model to talk about
tools but never to call them. Under stock chat templates that carry no ``{% generation %}``
markers (most do not), inspector must still train every `function_call` turn, and mask every
`observation`, exactly as the same template with generation markers would under transformers'
own `return_assistant_tokens_mask`.
"""

from __future__ import annotations

import copy
import json

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.tokens.chat_template import to_messages
from inspector.core.tokens.rendered import CONTENT
from inspector.core.tokens.tokenize import IGNORE_INDEX, TokenPipeline, TokenSettings, token_ranges
from inspector.core.tokens.tokenizer import load_tokenizer
from tests.core.tool_templates import TEMPLATES, stock, with_generation

FUNCTION_CALLS = 211  # function_call turns in the demo file (as many observations)


@pytest.fixture(scope="module")
def glaive(real_data):
    ds = open_dataset(real_data / "llamafactory_glaive_toolcall_en_demo.json")
    return [conv for _, conv, _ in ds.iter_conversations("train")]


def tokenizer_with(template: str, special: list[str]):
    tok = copy.deepcopy(load_tokenizer())
    tok.add_special_tokens({"additional_special_tokens": special})
    tok.chat_template = template
    return tok


def turn_tokens(row, turn: int) -> list[int]:
    """Token indices of one turn's content."""
    ranges = token_ranges(row.encoding, row.rendered.spans(turn, CONTENT))
    return [i for a, b in ranges for i in range(a, b)]


def check_calls_and_results(convs, rows, call_text):
    """Every function_call's call is trained, every observation's content is masked."""
    calls = results = 0
    for conv, row in zip(convs, rows, strict=True):
        trained = [label != IGNORE_INDEX for label in row.labels]
        text = row.rendered.text
        for k, turn in enumerate(conv.turns):
            if turn.source_role == "function_call":
                name = turn.tool_calls[0]["name"]
                start = min(p.start for p in row.rendered.pieces if p.turn == k)
                at = text.find(call_text(name), start)
                assert at >= 0
                covered = [
                    i
                    for i, (a, b) in enumerate(row.offsets)
                    if b > a and a < at + len(name) + 2 and b > at
                ]
                calls += 1
                assert covered and all(trained[i] for i in covered), (conv.turns[0].content, k)
            elif turn.source_role == "observation":
                results += 1
                assert not any(trained[i] for i in turn_tokens(row, k)), k
    assert calls == FUNCTION_CALLS and results == FUNCTION_CALLS


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_stock_templates_train_tool_calls_like_generation_markers(glaive, name):
    """Acceptance: with a stock template (no generation markers), every function_call turn is
    trained and every observation masked; labels equal transformers' assistant masks of the
    same template with generation markers, row for row."""
    special = TEMPLATES[name][1]
    tok = tokenizer_with(stock(name), special)
    marked = tokenizer_with(with_generation(name), special)
    pipe = TokenPipeline(
        tok, TokenSettings(template="tokenizer", mask="assistant", max_length=10**6)
    )
    rows = pipe.encode_batch(glaive)
    for i, (conv, row) in enumerate(zip(glaive, rows, strict=True)):
        messages = [{k: v for k, v in m.items() if v is not None} for m in to_messages(conv.turns)]
        ref = marked.apply_chat_template(
            messages,
            tools=json.loads(conv.tools) if conv.tools else None,
            tokenize=True,
            return_dict=True,
            return_assistant_tokens_mask=True,
        )
        assert row.input_ids == ref["input_ids"], (name, i)
        assert [int(label != IGNORE_INDEX) for label in row.labels] == ref["assistant_masks"], (
            name,
            i,
        )
    check_calls_and_results(glaive, rows, lambda fn: f'"{fn}"')


@pytest.mark.parametrize("name", ["chatml", "mistral", "llama3", "phi3", "alpaca"])
def test_builtin_templates_train_tool_calls_and_mask_results(glaive, name):
    pipe = TokenPipeline(
        load_tokenizer(), TokenSettings(template=name, mask="assistant", max_length=10**6)
    )
    rows = pipe.encode_batch(glaive)
    check_calls_and_results(glaive, rows, lambda fn: f'"{fn}"')
