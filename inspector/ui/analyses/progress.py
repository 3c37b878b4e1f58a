"""One progress bar per analysis: the core's named steps weighted into a fraction that never
goes backwards.

A core reports `Progress(step, done, total)` for each of its steps in turn, and each step
counts from zero again: shown as it comes, a bar reaches 100% at the end of the row pass and
falls back to 0% for the duplicate search. An analysis lists its steps with a weight each
(their rough share of the time); `Meter` places each report inside its step's share of the
bar, and keeps the largest fraction seen, so a step that reports twice (the near-duplicate
search runs on rows, then on prompts) or a step missing from the list never moves it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inspector.core.progress import Progress


@dataclass(frozen=True)
class Step:
    """A named core step and its weight; `inner` places sub-steps the core reports inside this
    one (`name -> (start, end)` as fractions of this step)."""

    name: str
    weight: float
    inner: dict[str, tuple[float, float]] = field(default_factory=dict)


def step_name(reported: str) -> str:
    """The step a report belongs to: `tokens (train)` is the `tokens` step."""
    return reported.split(" (", 1)[0]


class Meter:
    """Turns one analysis' progress reports into a fraction of its whole run, never decreasing."""

    def __init__(self, steps: tuple[Step, ...]):
        total = sum(s.weight for s in steps) or 1.0
        self.spans: dict[str, tuple[float, float]] = {}
        start = 0.0
        for s in steps:
            end = start + s.weight / total
            self.spans[s.name] = (start, end)
            for sub, (a, b) in s.inner.items():
                self.spans[sub] = (start + a * (end - start), start + b * (end - start))
            start = end
        self.fraction = 0.0

    def update(self, p: Progress) -> float:
        """The fraction of the analysis done after report `p` (the largest seen so far)."""
        span = self.spans.get(step_name(p.step))
        if span is not None:
            lo, hi = span
            within = min(1.0, max(0.0, p.done / p.total)) if p.total else 0.0
            self.fraction = max(self.fraction, lo + within * (hi - lo))
        return self.fraction

    def finish(self) -> float:
        self.fraction = 1.0
        return self.fraction
