"""What one open app works on: the dataset, its triage store, settings, decisions and selection.

Rows are addressed in the UI by a *global id* (gid): the row's position when the splits are laid
end to end in `ds.splits` order. Numpy arrays indexed by gid (decisions, clusters, token counts)
make filtering and sorting a million rows cheap; `locate` turns a gid back into `(split, row)`,
the address every core API and the triage store use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from inspector.core.triage import DROP, KEEP

#: Codes of the decision array (`Decisions.codes`).
NONE_CODE, KEEP_CODE, DROP_CODE = 0, 1, 2
_CODE = {KEEP: KEEP_CODE, DROP: DROP_CODE, None: NONE_CODE}


@dataclass
class Settings:
    """The `inspector open` options that change what the analyses compute."""

    tokenizer: str | None = None
    template: str | None = None
    mask: str = "completion"
    max_length: int = 2048
    against: list[Path] = field(default_factory=list)
    embed_model: str = "auto"
    """The clusters' encoder (`--embed-model`): auto, tfidf, minilm, or a model folder/name."""

    def to_json(self) -> dict:
        return {
            "tokenizer": self.tokenizer,
            "template": self.template,
            "mask": self.mask,
            "max_length": self.max_length,
            "against": [str(p) for p in self.against],
            "embed_model": self.embed_model,
        }


class Decisions:
    """The triage store's decisions mirrored as a gid-indexed array, kept in step with it."""

    def __init__(self, session: Session):
        self.session = session
        self.codes = np.zeros(session.total, dtype=np.int8)
        self.reasons: dict[int, str] = {}
        self.reload()

    def reload(self) -> None:
        """Re-read every decision (after undo/redo, or writes by another app instance)."""
        self.codes[:] = NONE_CODE
        self.reasons.clear()
        self._counts = np.zeros(3, dtype=np.int64)
        s = self.session
        for (split, row), d in s.store.decisions().items():
            gid = s.gid_or_none(split, row)
            if gid is None:  # a decision for a row the data no longer has
                continue
            self.codes[gid] = _CODE.get(d.decision, NONE_CODE)
            if d.reason:
                self.reasons[gid] = d.reason
        # Kept up to date by `set`: the status line asks for the counts on every key press.
        self._counts = np.bincount(self.codes, minlength=3).astype(np.int64)

    def set(self, gids, decision: str | None, reason: str | None) -> None:
        """Mirror a decision just written to the store."""
        gids = np.unique(np.asarray(list(gids), dtype=np.int64))
        self._counts -= np.bincount(self.codes[gids], minlength=3)
        self.codes[gids] = _CODE[decision]
        self._counts[_CODE[decision]] += len(gids)
        for g in gids.tolist():
            if reason and decision:
                self.reasons[g] = reason
            else:
                self.reasons.pop(g, None)

    def of(self, gid: int) -> str | None:
        code = int(self.codes[gid])
        return KEEP if code == KEEP_CODE else DROP if code == DROP_CODE else None

    def counts(self) -> dict[str, int]:
        return {KEEP: int(self._counts[KEEP_CODE]), DROP: int(self._counts[DROP_CODE])}


class Session:
    """The dataset, its store and everything the screens share about it."""

    def __init__(self, ds, settings: Settings | None = None, store=None):
        self.ds = ds
        self.settings = settings or Settings()
        self.store = store if store is not None else ds.triage()
        self.splits: list[str] = list(ds.splits)
        sizes = [ds.num_rows(s) for s in self.splits]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.total = int(self.offsets[-1])
        self.decisions = Decisions(self)
        self.selection: set[int] = set()
        #: The `TokenPipeline` of these settings, built on first use (`adapters.token_pipeline`).
        self.pipeline = None

    @property
    def name(self) -> str:
        return self.ds.name

    def gid(self, split: str, row: int) -> int:
        return int(self.offsets[self.splits.index(split)]) + int(row)

    def gid_or_none(self, split: str, row: int) -> int | None:
        if split not in self.splits or not 0 <= row < self.ds.num_rows(split):
            return None
        return self.gid(split, row)

    def locate(self, gid: int) -> tuple[str, int]:
        i = int(np.searchsorted(self.offsets, gid, side="right")) - 1
        return self.splits[i], int(gid - self.offsets[i])

    def split_range(self, split: str) -> tuple[int, int]:
        i = self.splits.index(split)
        return int(self.offsets[i]), int(self.offsets[i + 1])

    def label(self, gid: int) -> str:
        """How a row is named on screen: `train:41`, or just `41` for one-split data."""
        split, row = self.locate(gid)
        return str(row) if len(self.splits) == 1 else f"{split}:{row}"

    def gids_of(self, refs) -> np.ndarray:
        """Gids of `[{"split", "row"}, ...]` references (the scan/cluster JSON), unknown ones
        left out."""
        out = [self.gid_or_none(r["split"], int(r["row"])) for r in refs]
        return np.array([g for g in out if g is not None], dtype=np.int64)

    def save_state(self, key: str, value) -> None:
        self.store.set_state(key, value)

    def load_state(self, key: str, default=None):
        return self.store.get_state(key, default)
