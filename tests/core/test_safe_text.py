"""The one sanitizer: which characters become which placeholders, and JSON that stays exact."""

from __future__ import annotations

import json

from inspector.core.safe_text import dumps, is_safe, placeholder, safe_line, safe_text


def test_c0_controls_become_control_pictures_but_newline_and_tab_stay():
    assert safe_text("a\x1b]0;title\x07b") == "a␛]0;title␇b"
    assert safe_text("\x00\x08\r\x1f") == "␀␈␍␟"
    assert safe_text("line one\n\tline two") == "line one\n\tline two"


def test_del_c1_and_lone_surrogates_become_visible():
    assert safe_text("x\x7fy") == "x␡y"
    assert safe_text("\x9b2J") == "<U+009B>2J"
    assert safe_text("\x80\x9f") == "<U+0080><U+009F>"
    assert safe_text("a\ud800b\udfff") == "a<U+D800>b<U+DFFF>"
    assert placeholder("\x1b") == "␛"


def test_printable_text_is_returned_unchanged_with_its_unicode():
    text = "Unicode ünïcödé 🚀, 中文, emoji 👨\u200d👩\u200d👧, non-breaking\u00a0space"
    assert safe_text(text) is text
    assert is_safe(text) and not is_safe("\x1b")
    assert safe_text(42) == "42"  # anything shown is made a string first


def test_one_line_form_turns_newline_and_tab_into_spaces():
    assert safe_line("a\nb\tc\x1b[2J") == "a b c␛[2J"


def test_dumps_escapes_every_control_and_round_trips():
    value = {"text": "osc \x1b]52;c;x\x07 c1 \x9b del \x7f sur \ud800 ok ü", "n": [1, 2]}
    text = dumps(value, indent=1)
    assert is_safe(text.replace("\n", ""))
    assert "\\u009b" in text and "\\u007f" in text and "\\ud800" in text and "ü" in text
    assert json.loads(text) == value
    assert dumps({"a": "plain"}) == json.dumps({"a": "plain"}, ensure_ascii=False)
