"""The four-source mix of the clustering acceptance test, read from the real datasets."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path


def _jsonl(path: Path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _first_human_turn(transcript: str) -> str:
    after = transcript.split("\n\nHuman: ", 1)[1]
    return after.split("\n\nAssistant:", 1)[0].strip()


def four_source_mix(real: Path) -> tuple[list[str], list[str]]:
    """(texts, source names): 300 hh-rlhf prompts, 300 GSM8K questions, 164 HumanEval
    prompts, 300 C4 texts, in that order."""
    texts: list[str] = []
    sources: list[str] = []

    def take(name: str, rows, field):
        for i, row in enumerate(rows):
            if i == 300:
                break
            texts.append(field(row))
            sources.append(name)

    take(
        "hh-rlhf",
        _jsonl(real / "hh-rlhf_harmless-base_test.jsonl.gz"),
        lambda r: _first_human_turn(r["chosen"]),
    )
    take("gsm8k", _jsonl(real / "gsm8k_test.jsonl"), lambda r: r["question"])
    take("humaneval", _jsonl(real / "HumanEval.jsonl.gz"), lambda r: r["prompt"])
    take("c4", _jsonl(real / "llamafactory_c4_demo.jsonl"), lambda r: r["text"])
    return texts, sources


def purity(labels, sources) -> float:
    """Share of rows whose cluster's majority source is their own."""
    by_cluster: dict[int, Counter] = {}
    for label, source in zip(labels, sources, strict=True):
        by_cluster.setdefault(int(label), Counter())[source] += 1
    return sum(c.most_common(1)[0][1] for c in by_cluster.values()) / len(sources)


def write_text_dataset(texts: list[str], folder: Path) -> Path:
    """The texts as a plain-text JSONL dataset (`{"text": ...}` per line)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mix.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps({"text": t}) + "\n")
    return path


def mix_with_chinese(real: Path) -> tuple[list[str], list[str]]:
    """(texts, sources): the mix above with hh-rlhf replaced by 300 Chinese prompts (the
    first user turn of each row of LLaMA-Factory's Chinese DPO demo)."""
    texts, sources = four_source_mix(real)
    keep = [i for i, s in enumerate(sources) if s != "hh-rlhf"]
    texts, sources = [texts[i] for i in keep], [sources[i] for i in keep]
    rows = json.loads((real / "llamafactory_dpo_zh_demo.json").read_text(encoding="utf-8"))
    for r in rows[:300]:
        texts.append(r["conversations"][0]["value"])
        sources.append("zh")
    return texts, sources
