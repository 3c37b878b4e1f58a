"""`inspector tokens` end to end on real and sample data: row, stats and pack views, errors."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from inspector.cli import main
from inspector.core.tokens.tokenizer import load_tokenizer


def tokens(*args, state):
    result = CliRunner().invoke(main, ["tokens", *map(str, args), "--state", str(state)])
    assert "Traceback" not in result.output, result.output
    return result


def tokens_json(*args, state) -> dict:
    result = tokens(*args, "--json", state=state)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture()
def rasbt(real_data):
    return real_data / "rasbt_instruction-data.json"


def test_row_json_masks_the_prompt_and_trains_output_plus_eos(rasbt, tmp_path):
    out = tokens_json(
        rasbt, "--row", 1, "--template", "alpaca", "--mask", "completion", state=tmp_path
    )
    raw = json.loads(rasbt.read_text())[1]
    assert {"tokens", "input_ids", "labels", "roles", "truncated", "trained_tokens"} <= set(out)
    assert len(out["tokens"]) == len(out["input_ids"]) == len(out["labels"]) == len(out["roles"])
    trained = [i for i, lab in zip(out["input_ids"], out["labels"], strict=True) if lab != -100]
    tok = load_tokenizer()
    assert tok.decode(trained) == raw["output"] + "</s>"
    assert out["trained_tokens"] == len(trained) and out["truncated"] is False
    assert out["roles"][-1] == "assistant" and out["tokens"][-1] == "</s>"
    user_labels = [
        lab for lab, role in zip(out["labels"], out["roles"], strict=True) if role == "user"
    ]
    assert user_labels and all(lab == -100 for lab in user_labels)


def test_row_view_marks_trained_special_and_truncation(rasbt, tmp_path):
    r = tokens(rasbt, "--row", 0, state=tmp_path)
    assert r.exit_code == 0
    assert "train row 0" in r.output and "template alpaca" in r.output
    assert "⟨</s>⟩" in r.output and "freind --> friend" in r.output
    cut = tokens(rasbt, "--row", 0, "--max-length", 20, state=tmp_path)
    assert "✂ max_length 20" in cut.output and "trained tokens lost" in cut.output
    out = tokens_json(rasbt, "--row", 0, "--max-length", 20, state=tmp_path)
    assert out["truncated"] is True and out["trained_tokens"] == 0
    assert len(out["input_ids"]) == 20 and out["trained_tokens_lost"] > 0


def test_ids_table_lists_id_label_and_role(rasbt, tmp_path):
    r = tokens(rasbt, "--row", 0, "--ids", state=tmp_path)
    assert r.exit_code == 0
    last = [line for line in r.output.splitlines() if "'</s>'" in line][-1]
    assert " 2 " in last and "assistant" in last and "end" in last
    first = [line for line in r.output.splitlines() if "'<s>'" in line][0]
    assert "-100" in first


def test_stats_json_on_sample_data(sample_data, tmp_path):
    out = tokens_json(sample_data / "sft", "--stats", "--pack-lengths", "2048,4096", state=tmp_path)
    findings = {f["code"]: f for f in out["lint"]["findings"]}
    manifest = json.loads((sample_data / "manifest.json").read_text())
    planted = sorted(
        d["row"] for d in manifest["datasets"]["sft"]["defects"] if d["code"] == "no_trained_tokens"
    )
    assert findings["no_trained_tokens"]["examples"] == planted
    assert out["truncated_rows"] == len(planted)
    assert [(r["length"], r["strategy"]) for r in out["packing"]["rows"]] == [
        (2048, "padding"),
        (2048, "bfd"),
        (2048, "wrapped"),
        (4096, "padding"),
        (4096, "bfd"),
        (4096, "wrapped"),
    ]
    assert out["lengths"]["tokens"]["max"] > 2048
    human = tokens(sample_data / "sft", "--stats", state=tmp_path)
    assert "mask linter" in human.output and "no_trained_tokens" in human.output
    assert "packing simulator" in human.output and "bfd" in human.output


def test_pack_view(rasbt, tmp_path):
    out = tokens_json(rasbt, "--pack", 512, "--pack-index", 2, state=tmp_path)
    assert out["pack_index"] == 2 and out["packs"] > 2 and out["capacity"] == 512
    assert sum(out["seq_lengths"]) == len(out["input_ids"]) <= 512
    assert len(out["position_ids"]) == len(out["input_ids"])
    starts = [i for i, p in enumerate(out["position_ids"]) if p == 0]
    assert len(starts) == len(out["seq_lengths"]) == len(out["rows"])
    human = tokens(rasbt, "--pack", 512, "--pack-index", 2, state=tmp_path)
    assert f"pack 2 of {out['packs']}" in human.output
    assert f"row {out['rows'][0]} (" in human.output
    wrapped = tokens_json(rasbt, "--pack", 512, "--strategy", "wrapped", state=tmp_path)
    assert len(wrapped["input_ids"]) == 512


def test_chat_template_from_a_local_tokenizer_folder(real_data, tmp_path):
    tok = copy.deepcopy(load_tokenizer())
    tok.chat_template = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% if m['role'] == 'assistant' %}"
        "{% generation %}{{ m['content'] }}</s>{% endgeneration %}{% else %}{{ m['content'] }}"
        "</s>{% endif %}{{ '\\n' }}{% endfor %}"
    )
    tok.save_pretrained(tmp_path / "tok")
    data = real_data / "fastchat_dummy_conversation.json"
    out = tokens_json(
        data, "--row", 0, "--tokenizer", tmp_path / "tok", "--mask", "assistant", state=tmp_path
    )
    assert out["template"] == "tokenizer"
    messages = [
        {"role": "user" if t["from"] == "human" else "assistant", "content": t["value"]}
        for t in json.loads(data.read_text())[0]["conversations"]
    ]
    ref = tok.apply_chat_template(
        messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    assert out["input_ids"] == ref["input_ids"]
    assert [int(lab != -100) for lab in out["labels"]] == ref["assistant_masks"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--row", 5000], "has 1,100 rows"),
        (["--split", "test"], "no such split"),
        (["--tokenizer", "acme/not-cached-model"], "never downloads"),
        (["--template", "tokenizer"], "no chat_template"),
        (["--pack", 512, "--pack-index", 10_000], "--pack-index 10000"),
    ],
)
def test_bad_input_exits_2_with_one_clear_message(rasbt, tmp_path, args, message):
    r = tokens(rasbt, *args, state=tmp_path)
    assert r.exit_code == 2 and message in r.output


def test_one_view_at_a_time_and_help(rasbt, tmp_path):
    r = tokens(rasbt, "--row", 1, "--stats", state=tmp_path)
    assert r.exit_code == 2 and "choose one view" in r.output
    r = tokens(rasbt, "--stats", "--pack-lengths", "big", state=tmp_path)
    assert r.exit_code == 2
    help_text = CliRunner().invoke(main, ["tokens", "--help"]).output
    for option in (
        "--row",
        "--split",
        "--tokenizer",
        "--template",
        "--mask",
        "--max-length",
        "--ids",
        "--json",
        "--stats",
        "--pack-lengths",
        "--pack",
        "--pack-index",
    ):
        assert option in help_text


def test_emoji_spelled_in_byte_tokens_print_once(real_data, tmp_path):
    # Row 539 of the LLaMA-Factory alpaca demo ends "take care of them 🌳🌲": neither is in
    # the vocabulary, so each is four byte tokens, which all map to the whole character.
    r = tokens(real_data / "llamafactory_alpaca_en_demo.json", "--row", 539, state=tmp_path)
    assert r.exit_code == 0, r.output
    assert r.output.count("🌳") == 1 and r.output.count("🌲") == 1
    # Rich wraps the dump at the terminal's width (COLUMNS), breaking lines at spaces: compare
    # with runs of whitespace joined, so the assertion holds at any width.
    assert "them ···🌳···🌲 #treelove" in " ".join(r.output.split())


def test_joined_emoji_and_flags_print_once_and_keep_columns(tmp_path):
    data = tmp_path / "emoji.jsonl"
    row = {
        "messages": [
            {"role": "user", "content": "Family 👨\u200d👩\u200d👧 in 🇫🇷?"},
            {"role": "assistant", "content": "Oui 👍🏽"},
        ]
    }
    data.write_text(json.dumps(row, ensure_ascii=False) + "\n")
    out = tokens(data, "--row", 0, state=tmp_path).output
    for char in ("👨", "👩", "👧", "🇫", "🇷"):
        assert out.count(char) == 1, (char, out)
    # The joiner shows as a code, so the terminal cannot glue the family into one glyph
    # narrower than the columns counted; the flag's letters are kept apart by the marks.
    assert "···👨<U+200D>···👩<U+200D>···👧" in out and "···🇫···🇷" in out
    table = tokens(data, "--row", 0, "--ids", state=tmp_path).output
    from rich.cells import cell_len

    widths = {cell_len(line) for line in table.splitlines()[4:] if line.strip()}
    assert len(widths) == 1, widths  # every line of the ids table has the same width


def test_lint_template_json_and_in_stats(real_data, tmp_path):
    from tests.core.tool_templates import TEMPLATES, stock

    tok = copy.deepcopy(load_tokenizer())
    tok.add_special_tokens({"additional_special_tokens": TEMPLATES["hermes"][1]})
    tok.chat_template = stock("hermes")
    tok.save_pretrained(tmp_path / "tok")
    data = real_data / "llamafactory_glaive_toolcall_en_demo.json"
    out = tokens_json(data, "--lint-template", "--tokenizer", tmp_path / "tok", state=tmp_path)
    codes = [f["code"] for f in out["findings"]]
    assert "no_generation_markers" in codes and out["checks"]["renders_tools"] is True
    assert all(f["evidence"] for f in out["findings"])
    stats = tokens_json(data, "--stats", "--tokenizer", tmp_path / "tok", state=tmp_path)
    assert stats["template_lint"]["findings"] == out["findings"]
    human = tokens(data, "--lint-template", "--tokenizer", tmp_path / "tok", state=tmp_path)
    assert human.exit_code == 0 and "no_generation_markers" in human.output
    both = tokens(data, "--lint-template", "--stats", state=tmp_path)
    assert both.exit_code == 2 and "choose one view" in both.output


def test_marker_options_train_pre_formatted_text(tmp_path):
    path = tmp_path / "seed.jsonl"
    rows = ["human: hello \n bot: hi nice to meet you", "human: how are you \n bot: I am fine"]
    path.write_text("".join(json.dumps({"text": r}) + "\n" for r in rows + ["no marker"]))
    plain = tokens_json(path, "--row", 1, state=tmp_path)
    assert plain["trained_tokens"] == plain["total_tokens"] - 1  # all but BOS
    marked = ["--response-template", "bot:", "--instruction-template", "human:"]
    out = tokens_json(path, "--row", 1, *marked, state=tmp_path)
    tok = load_tokenizer()
    trained = [i for i, lab in zip(out["input_ids"], out["labels"], strict=True) if lab != -100]
    assert tok.decode(trained) == "I am fine</s>"
    stats = tokens_json(path, "--stats", *marked, state=tmp_path)
    (missing,) = [
        f for f in stats["lint"]["findings"] if f["code"] == "response_template_not_found"
    ]
    assert missing["count"] == 1 and missing["examples"] == [2]
    suggested = tokens_json(path, "--stats", state=tmp_path)["markers"]["suggested"][0]
    assert suggested["response_template"] == "bot:" and suggested["rows_without_examples"] == [2]
    info = CliRunner().invoke(main, ["info", str(path), "--json", "--state", str(tmp_path)])
    assert json.loads(info.output)["markers"]["suggested"][0]["instruction_template"] == "human:"


def test_markers_on_data_that_is_not_text_is_a_clear_error(rasbt, tmp_path):
    out = tokens(rasbt, "--response-template", "### Response:", state=tmp_path)
    assert out.exit_code == 2 and "pre-formatted text rows" in out.output


def test_help_names_the_mistral_joining_rules():
    out = CliRunner().invoke(main, ["tokens", "--help"]).output
    assert "--mistral-system" in out and "last-user" in out and "blank-line" in out
    assert "--response-template" in out and "--instruction-template" in out


def test_compare_trl_prints_agreement(rasbt, tmp_path):
    pytest.importorskip("trl")
    out = tokens(rasbt, "--compare", "trl", "--rows", 20, "--template", "alpaca", state=tmp_path)
    assert out.exit_code == 0, out.output
    assert "input_ids agree on 20 of 20 rows; trained positions on 20 of 20" in out.output
    diff = tokens(rasbt, "--compare", "trl", "--rows", 5, "--template", "mistral", state=tmp_path)
    assert "bos_doubled" in diff.output and "TRL" in diff.output
    data = tokens_json(
        rasbt, "--compare", "trl", "--rows", 5, "--template", "alpaca", state=tmp_path
    )
    assert data["rows_agree"] == 5 and data["trl_version"]
