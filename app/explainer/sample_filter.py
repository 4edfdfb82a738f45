"""The explainer's sample filter: which sample of the batch the learner steps through.

It holds a choice (a batch position, or None for every event) and, for the step shown, the
engine's `Spans` of the events it keeps, made once per step and filter (event_groups.py), so a key
press is a bisect over a few ranges, never a pass over a step's 27,275 events.
"""

from __future__ import annotations

from engine.numpy_engine import StepResult
from engine.numpy_engine.event_groups import check_sample, kept_sample, sample_spans
from engine.numpy_engine.index_sets import Spans


class SampleFilter:
    def __init__(self):
        self.sample: int | None = None  # the chosen batch position; None: every event
        self._cache: dict[int, tuple[StepResult, int | None, Spans]] = {}  # by id(step)

    def choose(self, s, batch: int) -> int | None:
        """Choose sample `s` (None: all) of a batch of `batch`; a ValueError leaves it as it was."""
        self.sample = check_sample(s, batch)
        return self.sample

    def applies_to(self, r: StepResult) -> int | None:
        """The sample the filter keeps in step r: None when it keeps every event (no choice, or
        r's batch, the last of an epoch, is smaller than the chosen position)."""
        return kept_sample(self.sample, len(r.rows))

    def spans(self, r: StepResult) -> Spans:
        """The events of step r that stepping visits."""
        s = self.applies_to(r)
        hit = self._cache.get(id(r))
        if hit is None or hit[0] is not r or hit[1] != s:
            if len(self._cache) > 4:  # the steps around the current one; the rest drop out
                self._cache.clear()
            hit = self._cache[id(r)] = (r, s, sample_spans(r.events.layout, s))
        return hit[2]

    def describe(self, r: StepResult, i: int) -> str:
        """The position, e.g. "event 12 of 808 (sample 3) · 27,275 in the step" ("sample 11, #1
        of the batch" when its place in the batch and its data row differ) or "event 12 / 27,275"."""
        n, s = len(r.events), self.applies_to(r)
        if s is None:
            text = f"event {i + 1:,} / {n:,}"
            if self.sample is not None:
                text += f" (#{self.sample} is not in this batch of {len(r.rows)}: all shown)"
            return text
        spans = self.spans(r)
        p = spans.position(i)
        at = "–" if p is None else f"{p + 1:,}"
        return f"event {at} of {len(spans):,} ({self.who(r)}) · {n:,} in the step"

    def who(self, r: StepResult) -> str:
        """ "sample 3", "sample 11, #1 of the batch" (by its data row, as the formula and the
        drawing name it, and its place) or "every sample"."""
        s = self.applies_to(r)
        if s is None:
            return "every sample"
        row = r.rows[s]
        return f"sample {s}" if row == s else f"sample {row}, #{s} of the batch"
