"""Labelled flag cases drawn from the real files: (file, row, code, fires, reason).

Each case is one real row, read as the file has it, and whether `code` must fire on it. Cases
marked "edited" take a real row and change one thing, written down in the reason, for a
situation the real files do not hold (a role-play prompt). `test_flag_precision.py` checks
every case; the README's flag table gives each code's precision on this set.
"""

from __future__ import annotations

ALPACA = "llamafactory_alpaca_en_demo.json"
DPO_EN = "llamafactory_dpo_en_demo.json"
DPO_ZH = "llamafactory_dpo_zh_demo.json"
GLAIVE_EN = "llamafactory_glaive_toolcall_en_demo.json"
GLAIVE_ZH = "llamafactory_glaive_toolcall_zh_demo.json"
KTO = "llamafactory_kto_en_demo.json"
C4 = "llamafactory_c4_demo.jsonl"
TOY = "openai-cookbook_toy_chat_fine_tuning.jsonl"

CASES: list[tuple[str, int, str, bool, str]] = [
    # truncated_response
    (ALPACA, 898, "truncated_response", True, "ends mid-sentence: 'While Bitcoin'"),
    (ALPACA, 463, "truncated_response", True, "ends on 'the importance of'"),
    (KTO, 94, "truncated_response", True, "stops at 'The neighbor'"),
    (KTO, 278, "truncated_response", True, "a reference cut inside its URL '<https'"),
    (ALPACA, 382, "truncated_response", False, "a quotation ending in its attribution"),
    (KTO, 166, "truncated_response", False, "ends on a list of places, one per line"),
    (KTO, 58, "truncated_response", False, "ends on a list of names, one per line"),
    (ALPACA, 33, "truncated_response", False, "a letter ending in its signature"),
    # refusal
    (GLAIVE_EN, 0, "refusal", True, "'I'm sorry, but as an AI, I don't have the capability'"),
    (GLAIVE_ZH, 5, "refusal", True, "'很抱歉，我无法帮助您' declines the task"),
    (GLAIVE_ZH, 58, "refusal", True, "'很抱歉，作为一个AI，我无法执行订购披萨'"),
    (DPO_ZH, 149, "refusal", True, "'对不起，我无法回答那个请求'"),
    (DPO_ZH, 254, "refusal", False, "'我无法提供…确切时间' hedges a number, then answers"),
    (ALPACA, 0, "refusal", False, "an ordinary answer"),
    # ai_boilerplate
    (ALPACA, 43, "ai_boilerplate", True, "'As an AI, I don't have access to real-time data'"),
    (DPO_ZH, 159, "ai_boilerplate", True, "'作为一个AI语言模型，我无法访问'"),
    (DPO_ZH, 242, "ai_boilerplate", True, "'作为人工智能，我没有个人观点或感情'"),
    (GLAIVE_ZH, 27, "ai_boilerplate", True, "'作为一个人工智能，我无法执行'"),
    (
        "edited:" + ALPACA,
        43,
        "ai_boilerplate",
        False,
        "edited: the prompt asks 'Pretend you are an AI robot', so 'As an AI' is the task",
    ),
    # placeholder
    (ALPACA, 33, "placeholder", True, "a letter signed '[Your Name]'"),
    (ALPACA, 360, "placeholder", True, "'[insert date]' left in the answer"),
    (GLAIVE_ZH, 22, "placeholder", False, "'Lorem ipsum' inside a LaTeX example's code block"),
    # repetition
    (TOY, 4, "repetition", True, "'eat a banana' 2000 times"),
    (DPO_EN, 76, "repetition", True, "a song whose lines repeat 'Oh, Canada, oh Canada,'"),
    (ALPACA, 0, "repetition", False, "an ordinary answer"),
    # short_response
    (ALPACA, 35, "short_response", True, "the answer is '3'"),
    (DPO_ZH, 44, "short_response", True, "the answer is '不。' (one character)"),
    (DPO_ZH, 0, "short_response", False, "a full Chinese answer: not short by character count"),
    # pii
    (C4, 0, "pii_phone", True, "a business's phone number 780-800-7092"),
    (ALPACA, 91, "pii_phone", False, "(555) 123-4567: a number reserved for fiction"),
    (C4, 64, "pii_email", True, "a real person's university address"),
    # encoding
    (DPO_EN, 15, "mojibake", True, "'fiancÃ©' for 'fiancé'"),
    (DPO_EN, 67, "control_chars", True, "byte-order marks inside the text"),
    # markup and structure
    (KTO, 257, "template_leak", True, "'<|user|>' inside an answer"),
    (TOY, 3, "no_user_turn", True, "system -> assistant only"),
    (ALPACA, 0, "no_user_turn", False, "an Alpaca row has its instruction as the user turn"),
]
