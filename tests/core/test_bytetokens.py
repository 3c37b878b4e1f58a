"""Byte-fallback tokens grouped into characters, with the real embedded tokenizer."""

from __future__ import annotations

from inspector.core.tokens.bytetokens import byte_chars, visible
from inspector.core.tokens.tokenizer import load_tokenizer


def test_byte_tokens_spell_each_character_once():
    tok = load_tokenizer()
    text = "Family 👨\u200d👩\u200d👧 in 🇫🇷, café, ok\n"
    tokens = tok.convert_ids_to_tokens(tok.encode(text, add_special_tokens=False))
    chars = byte_chars(tokens)
    shown = [c for c in chars.values() if c]
    assert shown == ["👨", "👩", "👧", "🇫", "🇷"]  # é and the newline have tokens of their own
    # Every character is four bytes: three marks, then the character.
    assert sum(1 for c in chars.values() if c == "") == 3 * len(shown)
    for i, c in chars.items():
        assert tokens[i].startswith("<0x") and (c == "" or chars.get(i - 1) == "")


def test_invalid_or_single_bytes_are_left_alone():
    assert byte_chars(["<0x0A>", "<0xF0>", "x", "<0x9F>"]) == {}
    assert byte_chars(["<0xC3>", "<0xA9>"]) == {0: "", 1: "é"}
    assert visible("\u200d") == "<U+200D>" and visible("é") == "é" and visible("") == ""
