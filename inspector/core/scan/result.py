"""The result of `inspector.core.scan.run.scan`: JSON-ready, cached as JSON, read back the same.

Rows are addressed as `{"split", "row"}` everywhere. Keys of `to_json()`:

- `flags`: `{code: [{"split", "row"}, ...]}`; `findings`: the same with severity and evidence.
- `duplicates`: `{"exact" | "prompt" | "near" | "near_prompt" | "semantic": [[row, ...], ...]}`,
  the first row of each group being its representative (near and semantic members carry
  their `similarity` to it). `prompt` groups rows with the same prompt (system, user turns
  and Alpaca input); `near_prompt` compares only the instruction (`scan.instruction_text`);
  `conflicting_prompts`: the prompt groups whose answers differ;
  `duplicate_sweep`: rows each near-duplicate threshold would remove.
- `contamination`: `[{"split", "row", "against", "item", "item_text", "kind", "ngram"}]`.
- `leakage`: `[{"kind": "exact" | "near", "rows": [...]}]`, groups spanning several splits.
- `preambles`: `[{"kind": "prefix" | "line", "chars", "rows", "text"}]`, text shared verbatim by
  many prompts (`inspector.core.data.preamble`), left out of near-duplicate prompts and named
  here once.
- `problems`: rows that could not be normalized, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from inspector.core.flags import SEVERITIES


def group_json(group, ref: Callable[[int], dict], similarity: bool = False) -> list[dict]:
    """A duplicate group as a list of row addresses (with similarities when asked)."""
    out = []
    for i, sim in zip(group.members.tolist(), group.similarity.tolist(), strict=True):
        item = ref(i)
        if similarity:
            item["similarity"] = round(float(sim), 4)
        out.append(item)
    return out


@dataclass
class ScanResult:
    """Everything a scan found (see the module docstring for the JSON layout)."""

    path: str
    format: str
    fingerprint: str
    splits: dict[str, int]
    settings: dict
    findings: list[dict]
    duplicates: dict[str, list[list[dict]]]
    conflicting_prompts: list[list[dict]]
    sweep: list[dict]
    contamination: list[dict]
    leakage: list[dict]
    length_bias: dict
    codes: dict[str, dict]
    problems: list[dict] = field(default_factory=list)
    preambles: list[dict] = field(default_factory=list)

    @property
    def flags(self) -> dict[str, list[dict]]:
        """`{code: [{"split", "row"}, ...]}`, each row once per code, codes by severity."""
        out: dict[str, list[dict]] = {}
        seen = set()
        for f in self.findings:
            key = (f["code"], f["split"], f["row"])
            if key not in seen:
                seen.add(key)
                out.setdefault(f["code"], []).append({"split": f["split"], "row": f["row"]})
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        order = sorted(out, key=lambda c: (rank.get(self.codes.get(c, {}).get("severity"), 9), c))
        return {c: out[c] for c in order}

    def codes_found(self) -> set[str]:
        """Every flag code that occurs, plus `duplicate_<kind>`, `contamination`, `leakage`."""
        found = set(self.flags)
        found |= {f"duplicate_{k}" for k, groups in self.duplicates.items() if groups}
        if self.contamination:
            found.add("contamination")
        if self.leakage:
            found.add("leakage")
        return found

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "format": self.format,
            "fingerprint": self.fingerprint,
            "splits": self.splits,
            "row_count": sum(self.splits.values()),
            "settings": self.settings,
            "flags": self.flags,
            "findings": self.findings,
            "duplicates": self.duplicates,
            "conflicting_prompts": self.conflicting_prompts,
            "duplicate_sweep": self.sweep,
            "contamination": self.contamination,
            "leakage": self.leakage,
            "length_bias": self.length_bias,
            "problems": self.problems,
            "preambles": self.preambles,
            "codes": self.codes,
        }

    @classmethod
    def from_json(cls, data: dict) -> ScanResult:
        return cls(
            path=data["path"],
            format=data["format"],
            fingerprint=data["fingerprint"],
            splits=data["splits"],
            settings=data["settings"],
            findings=data["findings"],
            duplicates=data["duplicates"],
            conflicting_prompts=data["conflicting_prompts"],
            sweep=data["duplicate_sweep"],
            contamination=data["contamination"],
            leakage=data["leakage"],
            length_bias=data["length_bias"],
            codes=data["codes"],
            problems=data.get("problems", []),
            preambles=data.get("preambles", []),
        )
