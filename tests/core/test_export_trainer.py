"""The tokenized and packed exports train a real model: a tiny `LlamaForCausalLM` (random weights,
built from a config, nothing downloaded) takes an optimizer step through transformers' `Trainer`
on each, and a packed batch's loss is exactly the loss over the trained labels of its rows."""

from __future__ import annotations

import math

import datasets
import numpy as np
import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.export.run import ExportSettings, export_dataset
from inspector.core.progress import run

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

PACK = 512


@pytest.fixture(scope="module")
def exported(real_data, tmp_path_factory):
    from inspector.core.tokens.tokenize import TokenPipeline, TokenSettings
    from inspector.core.tokens.tokenizer import load_tokenizer

    tmp = tmp_path_factory.mktemp("trainer")
    ds = open_dataset(real_data / "rasbt_instruction-data.json", state_dir=tmp / "state")
    pipeline = TokenPipeline(
        load_tokenizer(None), TokenSettings(template="alpaca", max_length=256), fmt=ds.format
    )
    settings = ExportSettings(what=("tokenized", "packed"), pack_length=PACK)
    result = run(export_dataset(ds, tmp / "out", settings, tokens=pipeline))
    load = {
        name: datasets.load_dataset(
            "parquet", split="train", data_files=str(result.path / name / "train.parquet")
        )
        for name in ("tokenized", "packed")
    }
    return result, load


def tiny_llama(seed: int = 0):
    torch.manual_seed(seed)
    config = transformers.LlamaConfig(
        vocab_size=32000,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=PACK,
        attn_implementation="sdpa",
        initializer_range=0.2,  # wide weights: context matters
    )
    return transformers.LlamaForCausalLM(config)


def one_step(model, dataset, collator, out_dir) -> float:
    args = transformers.TrainingArguments(
        output_dir=str(out_dir),
        max_steps=1,
        per_device_train_batch_size=4,
        learning_rate=1e-3,
        report_to=[],
        use_cpu=True,
        save_strategy="no",
        logging_steps=1,
        remove_unused_columns=False,
        dataloader_num_workers=0,
    )
    before = [p.detach().clone() for p in model.parameters()]
    trainer = transformers.Trainer(
        model=model, args=args, train_dataset=dataset, data_collator=collator
    )
    trainer.train()
    assert trainer.state.global_step == 1
    changed = any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    assert changed, "the optimizer step changed no weight"
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    return losses[0]


def test_exports_load_with_the_promised_columns(exported):
    result, load = exported
    assert load["tokenized"].column_names == ["input_ids", "attention_mask", "labels"]
    assert load["packed"].column_names == ["input_ids", "labels", "position_ids", "seq_lengths"]
    assert load["tokenized"].num_rows == 1100
    packing = result.manifest["outputs"]["packed"]["packing"]
    assert packing["pack_length"] == PACK and load["packed"].num_rows == packing["packs"]
    assert 0.9 < packing["efficiency"] <= 1.0
    assert sum(len(p) for p in load["packed"]["input_ids"]) == sum(
        len(r) for r in load["tokenized"]["input_ids"]
    )
    assert max(len(p) for p in load["packed"]["input_ids"]) <= PACK
    tokens = result.manifest["tokens"]
    assert tokens["template"] == "alpaca" and tokens["mask"] == "completion"
    assert tokens["max_length"] == 256


def test_trainer_takes_a_step_on_the_tokenized_export(exported, tmp_path):
    from inspector.core.export.collate import PaddingCollator

    loss = one_step(tiny_llama(), exported[1]["tokenized"], PaddingCollator(), tmp_path)
    assert math.isfinite(loss) and loss > 0


def test_trainer_takes_a_step_on_the_packed_export(exported, tmp_path):
    from inspector.core.export.collate import PackedCollator

    loss = one_step(tiny_llama(), exported[1]["packed"], PackedCollator(), tmp_path)
    assert math.isfinite(loss) and loss > 0


def _sum_of_trained_losses(model, ids, labels) -> tuple[float, int]:
    """Cross-entropy summed over a lone row's trained labels (the model shifts by one)."""
    logits = model(input_ids=torch.tensor([ids])).logits[0, :-1]
    target = torch.tensor(labels[1:])
    keep = target != -100
    ce = torch.nn.functional.cross_entropy(logits[keep], target[keep], reduction="sum")
    return float(ce), int(keep.sum())


def test_packed_loss_equals_the_loss_over_trained_labels_only(exported):
    from inspector.core.export.collate import PackedCollator

    _, load = exported
    by_ids = {tuple(r["input_ids"]): r["labels"] for r in load["tokenized"]}
    pack = max(load["packed"], key=lambda p: len(p["seq_lengths"]))
    assert len(pack["seq_lengths"]) >= 3
    model = tiny_llama(1).double().eval()
    with torch.no_grad():
        batch = PackedCollator()([pack])
        packed_loss = float(model(**batch).loss)
        total, count, at = 0.0, 0, 0
        for n in pack["seq_lengths"]:
            ids = pack["input_ids"][at : at + n]
            labels = by_ids[tuple(ids)]  # the row's own labels, as tokenized alone
            s, c = _sum_of_trained_losses(model, ids, labels)
            total, count, at = total + s, count + c, at + n
        # Rotary embeddings and the loss run in float32 whatever the model's dtype: hence 1e-6.
        expected = pytest.approx(total / count, rel=1e-6)
        assert packed_loss == expected
        # Controls: without the position reset, or with a KV cache (which makes transformers
        # skip the packed-sequence mask), sequences see each other and the same check fails,
        # so the equality above really tests the pack boundaries.
        leaky = dict(batch, position_ids=torch.arange(batch["input_ids"].shape[1])[None])
        assert float(model(**leaky).loss) != expected
        assert float(model(**dict(batch, use_cache=True)).loss) != expected


def test_tokenized_and_packed_exports_are_byte_identical_on_rerun(real_data, tmp_path, exported):
    from inspector.core.tokens.tokenize import TokenPipeline, TokenSettings
    from inspector.core.tokens.tokenizer import load_tokenizer

    ds = open_dataset(real_data / "rasbt_instruction-data.json", state_dir=tmp_path / "s")
    pipeline = TokenPipeline(
        load_tokenizer(None), TokenSettings(template="alpaca", max_length=256), fmt=ds.format
    )
    settings = ExportSettings(what=("tokenized", "packed"), pack_length=PACK)
    again = run(export_dataset(ds, tmp_path / "again", settings, tokens=pipeline))
    first = exported[0].path
    for name in ("tokenized/train.parquet", "packed/train.parquet", "manifest.json"):
        assert (again.path / name).read_bytes() == (first / name).read_bytes(), name


def test_packs_match_the_token_layers_assemble(exported):
    from inspector.core.tokens.pack import assemble, pack_bfd

    _, load = exported
    rows = load["tokenized"]
    packing = pack_bfd(np.array([len(r) for r in rows["input_ids"]]), PACK)
    ids, labels = rows["input_ids"], rows["labels"]
    packed = load["packed"]
    assert len(packing) == packed.num_rows
    for p in range(len(packing)):
        want = assemble(packing, p, lambda r: (ids[r], labels[r]))
        got = packed[p]
        for key in ("input_ids", "labels", "position_ids", "seq_lengths"):
            assert got[key] == want[key], (p, key)
