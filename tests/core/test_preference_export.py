"""The preference export is what TRL's DPOTrainer and KTOTrainer read: each trains two steps of
a tiny random Llama (built from a config, nothing downloaded) with a finite loss, and the
exported token ids are exactly DPO's own tokenization of the exported rows."""

from __future__ import annotations

import copy
import json
import math

import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.export.run import ExportSettings, export_dataset
from inspector.core.progress import run
from inspector.core.tokens.tokenize import TokenPipeline, TokenSettings
from inspector.core.tokens.tokenizer import load_tokenizer
from tests.core.test_templates import SEED_MISTRAL

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
trl = pytest.importorskip("trl")
datasets = pytest.importorskip("datasets")

MAX_LENGTH = 256


@pytest.fixture(scope="module")
def tok():
    t = copy.deepcopy(load_tokenizer())
    t.chat_template = SEED_MISTRAL  # seed 000's template, for TRL's conversational rows
    t.pad_token = "<unk>"
    return t


def export(real_data, tmp_path, name, tok, style="auto"):
    ds = open_dataset(real_data / name, state_dir=tmp_path / "state")
    pipe = TokenPipeline(tok, TokenSettings(template="tokenizer", max_length=MAX_LENGTH), ds.format)
    settings = ExportSettings(what=("preference",), preference_style=style)
    result = run(export_dataset(ds, tmp_path / "out", settings, tokens=pipe))
    path = result.path / "preference" / "train.jsonl"
    return ds, result.manifest, [json.loads(line) for line in path.read_text().splitlines()]


def tiny_llama(tok):
    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        vocab_size=len(tok),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=MAX_LENGTH,
        pad_token_id=tok.pad_token_id,
    )
    return transformers.LlamaForCausalLM(config)


def two_steps(trainer_cls, config_cls, rows, tok, out_dir, **extra):
    keep = ("prompt", "chosen", "rejected", "completion", "label")
    data = datasets.Dataset.from_list([{k: r[k] for k in keep if k in r} for r in rows[:16]])
    args = config_cls(
        output_dir=str(out_dir),
        max_steps=2,
        per_device_train_batch_size=4,
        learning_rate=1e-3,
        max_length=MAX_LENGTH,
        report_to=[],
        use_cpu=True,
        save_strategy="no",
        logging_steps=1,
        dataloader_num_workers=0,
        **extra,
    )
    model = tiny_llama(tok)
    trainer = trainer_cls(
        model=model,
        ref_model=copy.deepcopy(model),  # a reference model given: TRL would load one by name
        args=args,
        train_dataset=data,
        processing_class=tok,
    )
    trainer.train()
    assert trainer.state.global_step == 2
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(losses) == 2 and all(math.isfinite(x) for x in losses), losses
    return trainer


def test_dpo_export_trains_dpo_trainer(real_data, tmp_path, tok):
    ds, manifest, rows = export(real_data, tmp_path, "llamafactory_dpo_en_demo.json", tok)
    section = manifest["outputs"]["preference"]
    assert section["for"] == "DPOTrainer" and section["style"] == "conversational"
    assert len(rows) == ds.num_rows("train") == 300
    assert rows[0]["prompt"][0]["role"] in ("system", "user")
    assert rows[0]["chosen"][0]["role"] == "assistant"
    two_steps(trl.DPOTrainer, trl.DPOConfig, rows, tok, tmp_path / "dpo")


def test_dpo_token_ids_are_dpos_own(real_data, tmp_path, tok):
    """prompt_ids / chosen_ids / rejected_ids equal DPOTrainer's own tokenization of the rows."""
    _, manifest, rows = export(real_data, tmp_path, "llamafactory_dpo_en_demo.json", tok)
    keep = ("prompt", "chosen", "rejected")
    data = datasets.Dataset.from_list([{k: r[k] for k in keep} for r in rows[:40]])
    args = trl.DPOConfig(
        output_dir=str(tmp_path / "prep"), max_length=None, report_to=[], use_cpu=True
    )
    model = tiny_llama(tok)
    trainer = trl.DPOTrainer(
        model=model,
        ref_model=copy.deepcopy(model),
        args=args,
        train_dataset=data,
        processing_class=tok,
    )
    theirs = list(trainer.train_dataset)
    for mine, other in zip(rows[:40], theirs, strict=True):
        for col in ("prompt_ids", "chosen_ids", "rejected_ids"):
            assert mine[col] == other[col], col
        n = min(len(mine["prompt_ids"]), MAX_LENGTH)
        assert mine["chosen_labels"][:n] == [-100] * n
        assert mine["chosen_labels"][n:] == (mine["chosen_ids"])[: MAX_LENGTH - n]
    flags = manifest["outputs"]["preference"]["flags"]
    prompt_cut = flags["prompt_truncated"]
    assert prompt_cut["count"] == sum(len(r["prompt_ids"]) >= MAX_LENGTH for r in rows) > 0
    for hit in prompt_cut["rows"]:
        assert len(rows[hit["row"]]["prompt_ids"]) >= MAX_LENGTH
    identical = flags["pair_identical_after_truncation"]["rows"]
    for hit in identical:
        r = rows[hit["row"]]
        full = [r["prompt_ids"] + r["chosen_ids"], r["prompt_ids"] + r["rejected_ids"]]
        assert full[0][:MAX_LENGTH] == full[1][:MAX_LENGTH]


def test_kto_export_trains_kto_trainer(real_data, tmp_path, tok):
    ds, manifest, rows = export(real_data, tmp_path, "llamafactory_kto_en_demo.json", tok)
    assert manifest["outputs"]["preference"]["for"] == "KTOTrainer"
    assert {type(r["label"]) for r in rows} == {bool} and len({r["label"] for r in rows}) == 2
    assert all(r["completion"] and r["completion"][-1]["role"] == "assistant" for r in rows)
    balanced = [r for r in rows if r["label"]][:8] + [r for r in rows if not r["label"]][:8]
    two_steps(trl.KTOTrainer, trl.KTOConfig, balanced, tok, tmp_path / "kto")


def test_text_style_and_refusal(real_data, tmp_path, tok):
    _, _, rows = export(real_data, tmp_path, "llamafactory_dpo_en_demo.json", tok, "text")
    assert isinstance(rows[0]["prompt"], str) and isinstance(rows[0]["chosen"], str)
    from inspector.core.errors import InputError

    ds = open_dataset(real_data / "rasbt_instruction-data.json", state_dir=tmp_path / "s2")
    with pytest.raises(InputError, match="needs preference data"):
        run(export_dataset(ds, tmp_path / "o2", ExportSettings(what=("preference",))))
