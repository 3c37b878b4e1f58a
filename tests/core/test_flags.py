"""Quality rules: the defects in real datasets, and each rule's positive and negative cases."""

from __future__ import annotations

import pytest

from inspector.core.data.conversation import ASSISTANT, SYSTEM, TOOL, USER, Conversation, Turn
from inspector.core.data.dataset import open_dataset
from inspector.core.flags import CODES, RULES, FlagRun, RowTokens, flag_row, token_findings
from inspector.core.flags.base import SEVERITIES
from inspector.core.flags.pii import luhn_ok


def codes(conv: Conversation) -> set[str]:
    return {f.code for f in flag_row(conv)}


def chat(*turns: tuple[str, str], **kw) -> Conversation:
    return Conversation("messages", [Turn(r, c, r == ASSISTANT) for r, c in turns], **kw)


def sft(answer: str, question: str = "Tell me about the weather in spring.") -> Conversation:
    return chat((USER, question), (ASSISTANT, answer))


def scan_flags(path) -> dict[int, list]:
    ds = open_dataset(path)
    run = FlagRun()
    for split in ds.splits:
        for row, conv, _ in ds.iter_conversations(split):
            if conv is not None:
                run.add(row, conv)
    return run.finish()


# --- real data -----------------------------------------------------------------------------


def test_openai_toy_chat_defects(real_data):
    """Row 3 has no user turn; row 4's reply repeats "Eat a banana!" 2000 times."""
    found = scan_flags(real_data / "openai-cookbook_toy_chat_fine_tuning.jsonl")
    assert {f.code for f in found[3]} == {"no_user_turn"}
    rep = [f for f in found[4] if f.code == "repetition"]
    assert rep and "eat a banana" in rep[0].evidence and "2000x" in rep[0].evidence
    assert set(found) == {3, 4}  # the three clean rows stay clean


def test_hh_rlhf_rows_ending_in_an_empty_assistant_turn(real_data):
    import gzip
    import json

    path = real_data / "hh-rlhf_harmless-base_test.jsonl.gz"
    with gzip.open(path, "rt") as f:
        raw = [json.loads(line) for line in f]
    empty_end = {
        i
        for i, r in enumerate(raw)
        if r["chosen"].endswith("\n\nAssistant:") or r["chosen"].endswith("\n\nAssistant: ")
    }
    assert len(empty_end) == 4
    found = scan_flags(path)
    flagged = {i for i, fs in found.items() if any(f.code == "empty_response" for f in fs)}
    assert flagged == empty_end
    for i in empty_end:
        f = next(f for f in found[i] if f.code == "empty_response")
        assert f.where.startswith("chosen") and f.severity == "error"


def test_codes_have_known_severities_and_descriptions():
    for severity, description in CODES.values():
        assert severity in SEVERITIES and description
    assert {"empty_response", "pii_credit_card", "length_bias", "too_long"} <= set(CODES)
    assert len(RULES) >= 10


# --- answers ---------------------------------------------------------------------------------


def test_empty_short_and_echoed_answers():
    assert "empty_response" in codes(sft("   \n"))
    assert "short_response" in codes(sft("Yes"))
    assert not {"empty_response", "short_response"} & codes(sft("Spring is mild and rainy."))
    q = "Write a short poem about the sea at night."
    assert "repeats_instruction" in codes(sft(q, q))
    assert "repeats_instruction" not in codes(sft("The dark sea hums below the moon.", q))


def test_alpaca_rewrite_of_the_input_is_not_an_echo():
    turn = Turn(
        USER,
        "Rewrite in passive voice.\n\nThe team achieved great results today.",
        fields={
            "instruction": "Rewrite in passive voice.",
            "input": "The team achieved great results today.",
        },
    )
    conv = Conversation(
        "alpaca", [turn, Turn(ASSISTANT, "Great results were achieved today.", True)]
    )
    assert "repeats_instruction" not in codes(conv)


@pytest.mark.parametrize(
    "answer, cut",
    [
        ("The museum opens at nine and the guided tours start at ten, but the best time to", True),
        ("Here is the function:\n```python\ndef add(a, b):\n    return a + b\n", True),
        ("The museum opens at nine and the guided tours start at ten in the morning.", False),
        (
            "Shopping list for the week ahead:\n- apples and pears\n- bread and butter from town",
            False,
        ),
        ("Loving the views from the top of the mountain today with friends #hiking", False),
    ],
)
def test_truncated_answers(answer, cut):
    assert ("truncated_response" in codes(sft(answer))) == cut


def test_refusals_and_boilerplate_with_curly_apostrophes():
    assert "refusal" in codes(sft("I’m sorry, but I can’t help with that."))
    assert "refusal" in codes(
        sft("I cannot provide instructions for that. It goes against my guidelines.")
    )
    assert "refusal" not in codes(
        sft("I can't help but smile when spring arrives, the days get longer.")
    )
    assert "ai_boilerplate" in codes(
        sft("As an AI language model, I do not have personal opinions.")
    )
    assert "ai_boilerplate" not in codes(sft("AI models are trained on large corpora of text."))


def test_refusal_in_the_rejected_side_is_not_flagged():
    conv = Conversation(
        "preference",
        [Turn(USER, "How do I bake bread?")],
        chosen=[Turn(ASSISTANT, "Mix flour, water, salt and yeast, then knead and bake.", True)],
        rejected=[Turn(ASSISTANT, "I'm sorry, but I can't help with that.", True)],
    )
    assert "refusal" not in codes(conv)


def test_heavy_repetition_needs_a_long_answer():
    assert "repetition" in codes(sft("Buy now! " * 60))
    assert "repetition" not in codes(sft("Buy now! " * 5))
    lines = "\n".join(f"Step {i}: stir the soup gently for a minute" for i in range(3))
    assert "repetition" not in codes(
        sft(lines + " and serve it warm with fresh bread on the side" * 2)
    )


# --- markup and encoding ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, code",
    [
        ("Paris.<|im_end|>\n<|im_start|>user\nThanks", "template_leak"),
        ("Fine. [INST] more [/INST] ok", "template_leak"),
        ("The capital is Paris.\n\n### Response:\nParis.", "template_leak"),
        ("Sure!\n\nHuman: and now?", "template_leak"),
        ("Dear {{name}}, thanks for your order.", "placeholder"),
        ("Best regards,\n[Your Name]", "placeholder"),
        ("Lorem ipsum dolor sit amet.", "placeholder"),
        ("The cafÃ© was closed, so we went home.", "mojibake"),
        ("Hidden\u200bspace and more text here.", "control_chars"),
        ("Bell\x07 in the middle of the answer.", "control_chars"),
    ],
)
def test_markup_and_encoding_codes(answer, code):
    assert code in codes(sft(answer))


def test_clean_text_has_no_markup_flags():
    clean = sft("Use `{{ secrets.TOKEN }}` in the workflow; the café opens at nine — “welcome”.")
    assert not {"template_leak", "placeholder", "mojibake", "control_chars"} & codes(clean)


# --- personal data ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, code",
    [
        ("Write to maria.lopez@mail-host.org today.", "pii_email"),
        ("Call (415) 867-2132 after nine.", "pii_phone"),
        ("Call +44 20 7946 0958 from abroad.", "pii_phone"),
        ("Pay with 4111 1111 1111 1111 please.", "pii_credit_card"),
        ("Card 4242424242424242 on file.", "pii_credit_card"),
        ("The host is 10.0.12.7 on the VPN.", "pii_ip"),
        ("export OPENAI_API_KEY=sk-proj-4f9Qx2LmN8vR7tY1uW3zA5bC6dE0gH2jK", "pii_secret"),
        ("aws key AKIAIOSFODNN7EXAMPLE in the config", "pii_secret"),
        ('password = "hunter2hunter2hunter2x9"', "pii_secret"),
    ],
)
def test_personal_data(text, code):
    assert code in codes(sft(text))


@pytest.mark.parametrize(
    "text",
    [
        "Write to someone@example.com for the demo.",  # reserved example domain
        "Pay with 4111 1111 1111 1112 please.",  # fails the Luhn check
        "The sum is 355909190063-746 in total.",  # a sum, not a card
        "Version 1.2.3.4 fixed it; 999.1.1.1 is no address; localhost is 127.0.0.1.",
        "In 2023 we sold 1,234,567 units at 12.50 each.",
    ],
)
def test_not_personal_data(text):
    assert not {c for c in codes(sft(text)) if c.startswith("pii_")}


def test_luhn():
    assert luhn_ok("4111111111111111") and luhn_ok("79927398713")
    assert not luhn_ok("4111111111111112")


# --- structure -------------------------------------------------------------------------------


def test_structure_codes():
    assert "no_user_turn" in codes(chat((SYSTEM, "Be nice."), (ASSISTANT, "Hello there!")))
    assert "ends_on_user" in codes(chat((USER, "Hi"), (ASSISTANT, "Hello!"), (USER, "And?")))
    assert "same_role_twice" in codes(chat((USER, "Hi"), (USER, "Hello?"), (ASSISTANT, "Yes.")))
    assert "empty_turn" in codes(chat((USER, "  "), (ASSISTANT, "Can I help you?")))
    clean = chat((SYSTEM, "Be nice."), (USER, "Hi"), (ASSISTANT, "Hello! How can I help?"))
    assert codes(clean) == set()


def test_tool_calls():
    good = Turn(ASSISTANT, "", True, [{"name": "f", "arguments": '{"x": 1}'}])
    bad = Turn(ASSISTANT, "", True, [{"name": "f", "arguments": "{x: 1"}])
    tool = Turn(TOOL, '{"ok": true}')
    ok = Conversation(
        "messages", [Turn(USER, "Run f"), good, tool, Turn(ASSISTANT, "Done, it worked.", True)]
    )
    assert codes(ok) == set()  # an assistant turn with only tool calls is not empty
    broken = Conversation(
        "messages", [Turn(USER, "Run f"), bad, tool, Turn(ASSISTANT, "Done.", True)]
    )
    found = [f for f in flag_row(broken) if f.code == "bad_tool_call_json"]
    assert found and "f:" in found[0].evidence
    schema = Conversation("sharegpt", ok.turns, tools="[{not json")
    assert "bad_tool_call_json" in codes(schema)


def test_glaive_tool_calls_are_valid(real_data):
    found = scan_flags(real_data / "llamafactory_glaive_toolcall_en_demo.json")
    assert not any(f.code == "bad_tool_call_json" for fs in found.values() for f in fs)


# --- preference pairs ------------------------------------------------------------------------


def pair(chosen: str, rejected: str, **kw) -> Conversation:
    return Conversation(
        "preference",
        [Turn(USER, "Name a fruit.")],
        chosen=[Turn(ASSISTANT, chosen, True)],
        rejected=[Turn(ASSISTANT, rejected, True)],
        **kw,
    )


def test_preference_pair_codes():
    assert "chosen_equals_rejected" in codes(pair("An apple.", "An apple."))
    assert "chosen_equals_rejected_whitespace" in codes(pair("An apple.", "An  apple.\n"))
    assert "empty_side" in codes(pair("An apple.", " "))
    assert "prompts_differ" in codes(pair("A pear.", "A plum.", prompts_differ=True))
    assert not codes(pair("A ripe pear from the garden.", "A plum."))


def test_length_bias_is_judged_over_the_dataset():
    run = FlagRun()
    for i in range(30):
        run.add(i, pair("A long and detailed answer about fruit, " * 3, "Short."))
    found = run.finish()
    assert all(any(f.code == "length_bias" for f in found[i]) for i in range(30))
    balanced = FlagRun()
    for i in range(30):
        c, r = ("A long detailed answer about fruit.", "Short.")[:: 1 if i % 2 else -1]
        balanced.add(i, pair(c, r))
    assert not any(f.code == "length_bias" for fs in balanced.finish().values() for f in fs)


# --- token facts -----------------------------------------------------------------------------


def test_token_flags_come_from_token_facts():
    assert token_findings(None, 2048) == []
    assert {f.code for f in token_findings(RowTokens(3000, 0), 2048)} == {
        "too_long",
        "no_trained_tokens",
    }
    assert {f.code for f in token_findings(RowTokens(3000, 12), 2048)} == {"too_long"}
    assert token_findings(RowTokens(100, 12), 2048) == []


# --- false positives found by a new user ------------------------------------------------------


def test_self_overlapping_ngram_coverage_is_never_over_100_percent():
    from inspector.core.flags.repetition import repetition

    reason = repetition("word " * 1000)
    assert reason == "'word' repeated 1000x ('word word' covers 100%)"
    # A phrase that does not overlap itself keeps its count.
    assert "'eat a banana' repeated 2000x" in repetition("Eat a banana! " * 2000)


def test_joiners_inside_emoji_and_words_are_not_control_chars():
    for text in (
        "Our family: 👨\u200d👩\u200d👧 and a rainbow flag 🏳️\u200d🌈.",
        "Persian: می\u200cخواهم بروم.",  # ZWNJ is how Persian is spelled
        "Devanagari: क्\u200dष",
        "Emoji with a variation selector: ❤️ fine.",
    ):
        assert "control_chars" not in codes(sft(text)), text
    for text in ("pass\u200dword in Latin text.", "A stray joiner at the end\u200d"):
        assert "control_chars" in codes(sft(text)), text


def test_cjk_answers_are_counted_in_words_not_as_one_word():
    assert "short_response" not in codes(sft("日本の首都は東京です。", "日本の首都はどこですか？"))
    assert "short_response" in codes(sft("東京", "日本の首都はどこですか？"))
    assert "short_response" not in codes(sft("北京是中国的首都。", "中国的首都是哪里？"))
