"""Quality flags: small rules over a normalized row, each finding a reason code with evidence.

`flag_row(conv)` runs every row rule; `FlagRun` runs them over a whole dataset and adds the
dataset-level ones (length bias of preference pairs) and the token-length flags when token
facts are given. `CODES` describes every code a rule may produce.
"""

from __future__ import annotations

from inspector.core.data.conversation import Conversation
from inspector.core.flags.base import SEVERITIES, Finding, Rule
from inspector.core.flags.parallel import FlagPool, worker_count
from inspector.core.flags.preference import LengthBias
from inspector.core.flags.registry import CODES, RULES, flag_row
from inspector.core.flags.tokens import RowTokens, token_findings


class FlagRun:
    """Flags over a whole dataset: row rules as rows arrive, dataset rules at the end.

    Rows are numbered by the caller (`index`); `finish()` returns `{index: [Finding, ...]}`
    for every flagged row, in row order. Given `expected_rows` above `parallel.MIN_ROWS`, the
    row rules run in worker processes (`parallel.FlagPool`); the result is the same. Call
    `close()` when giving up early (cancel, error) so the workers stop.
    """

    def __init__(self, max_length: int | None = None, expected_rows: int = 0) -> None:
        self.max_length = max_length
        self.found: dict[int, list[Finding]] = {}
        self.length_bias = LengthBias()
        self._token_found: dict[int, list[Finding]] = {}
        workers = worker_count(expected_rows)
        self._pool = FlagPool(workers) if workers else None

    def add(self, index: int, conv: Conversation, facts: RowTokens | None = None) -> list[Finding]:
        """Flag one row. Serially, returns its findings; with workers, returns [] (they are
        collected as batches finish, and all are in `finish()`'s result)."""
        tokens = token_findings(facts, self.max_length)
        self.length_bias.observe(index, conv)
        if self._pool is None:
            findings = flag_row(conv) + tokens
            if findings:
                self.found[index] = findings
            return findings
        if tokens:
            self._token_found[index] = tokens
        for done, found in self._pool.add(index, conv):
            self.found[done] = found
        return []

    def finish(self) -> dict[int, list[Finding]]:
        if self._pool is not None:
            for done, found in self._pool.finish():
                self.found[done] = found
            self._pool = None
            for index, tokens in self._token_found.items():
                self.found.setdefault(index, []).extend(tokens)
            self.found = dict(sorted(self.found.items()))  # row order, as the serial pass
        for index, extra in self.length_bias.finish().items():
            self.found.setdefault(index, []).extend(extra)
        return self.found

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


__all__ = [
    "CODES",
    "RULES",
    "SEVERITIES",
    "FlagRun",
    "Finding",
    "Rule",
    "RowTokens",
    "flag_row",
    "token_findings",
]
