"""Collators for exported rows, for a `transformers.Trainer` or a plain PyTorch loop.

`PackedCollator` flattens a batch of packs into one row of `input_ids`, `labels` and the packs'
own `position_ids`, with no `attention_mask`: from position ids restarting at 0, transformers
builds a block-diagonal causal mask (its `find_packed_sequence_indices`) and flash-attention
its varlen boundaries, so no sequence attends to another. Transformers only does so when no
KV cache is in play, which a model whose config says `use_cache=True` creates even for a
training forward pass outside `Trainer` (which turns it off), so the batch says
`use_cache=False` itself. `PaddingCollator` pads tokenized rows
to the longest of the batch (labels with -100, attention mask 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

IGNORE_INDEX = -100


@dataclass
class PackedCollator:
    """Batch packed rows (`input_ids`, `labels`, `position_ids`) as one flattened row."""

    with_flash_attn_kwargs: bool = False
    """Also return `cu_seq_lens_q/k` and `max_length_q/k` (flash-attention varlen kernels)."""

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        ids: list[int] = []
        labels: list[int] = []
        positions: list[int] = []
        lengths: list[int] = []
        for f in features:
            ids.extend(f["input_ids"])
            labels.extend(f["labels"])
            positions.extend(f["position_ids"])
            lengths.extend(f.get("seq_lengths") or [len(f["input_ids"])])
        batch: dict[str, Any] = {
            "input_ids": torch.tensor([ids], dtype=torch.long),
            "labels": torch.tensor([labels], dtype=torch.long),
            "position_ids": torch.tensor([positions], dtype=torch.long),
            "use_cache": False,
        }
        if self.with_flash_attn_kwargs:
            cu = torch.tensor([0, *lengths], dtype=torch.int32).cumsum(0, dtype=torch.int32)
            batch.update(
                cu_seq_lens_q=cu,
                cu_seq_lens_k=cu,
                max_length_q=max(lengths),
                max_length_k=max(lengths),
            )
        return batch


@dataclass
class PaddingCollator:
    """Batch tokenized rows, right-padded to the longest row with `pad_id`."""

    pad_id: int = 0

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        width = max(len(f["input_ids"]) for f in features)

        def padded(key: str, fill: int) -> list[list[int]]:
            return [list(f[key]) + [fill] * (width - len(f[key])) for f in features]

        return {
            "input_ids": torch.tensor(padded("input_ids", self.pad_id), dtype=torch.long),
            "attention_mask": torch.tensor(padded("attention_mask", 0), dtype=torch.long),
            "labels": torch.tensor(padded("labels", IGNORE_INDEX), dtype=torch.long),
        }
