"""Jumps through a big step (a 784-256-128-10 net has about 470,000 events): to the next or the
previous part (a layer's z, its a, its δ block, its gradients, its updates) and to the number that
matters most in this part (the most active unit, the largest δ, the largest gradient and that
weight's update). With a sample chosen, the parts are that sample's and the batch's. Qt-free: positions come from the trace's layout, values from the step's arrays.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import numpy as np


def part_starts(lay, s: int | None = None) -> list[int]:
    """The first event index of every part of a step (a block of the layout), in order; with a
    sample s, the parts of that sample (its layers' z and a, its loss terms, its δ blocks) and of
    the batch. Without one, each sample's forward is its own part, the loss terms and δ blocks
    of the batch one part each."""
    first = lay.blocks(0 if s is None else s)
    out = {sp.start for sp in first}
    if s is None:  # every other sample's forward blocks: sample 0's, a stride further each
        fw = [sp.start for sp in first if sp.phase == "forward"]
        step = lay.sample_stride(first[0].kinds[0], first[0].layer)
        out.update(i + q * step for q in range(1, lay.n) for i in fw)
    return sorted(out)


def _starts(ex) -> list[int]:
    r = ex.current
    return part_starts(r.events.layout, ex.filter.applies_to(r))


def next_part_index(ex) -> int | None:
    """Where `]` goes: the first event of the next part, or None in the last part."""
    starts = _starts(ex)
    i = bisect_right(starts, ex.event_index)
    return starts[i] if i < len(starts) else None


def previous_part_index(ex) -> int | None:
    """Where `[` goes: the first event of the part before (of this part, inside it)."""
    starts = _starts(ex)
    i = bisect_left(starts, ex.event_index)
    return starts[i - 1] if i > 0 else None


def next_part(ex) -> None:
    i = next_part_index(ex)
    if i is not None:
        ex.goto(ex.step_index, i)


def previous_part(ex) -> None:
    i = previous_part_index(ex)
    if i is not None:
        ex.goto(ex.step_index, i)


def largest_index(r, idx: int) -> int | None:
    """The event of the part holding event `idx` about the number that matters most there: the
    most active unit (z, a), the largest δ or ∂L/∂a, the largest weight gradient (a gradient or
    an update event: that weight's); None where a part has no such choice (loss, flatten)."""
    lay, c = r.events.layout, r.events.arrays
    kind, l, s, _ = lay.address(idx)
    if l < 1:
        return None
    if kind in ("z", "a"):
        values = c.fw.A[l][s]
    elif kind in ("da", "delta"):
        values = c.bw.delta[l - 1][s]
    elif kind in ("grad_w", "grad_b", "update_w", "update_b"):
        values, kind = r.grads[l - 1][0], "update_w" if kind.startswith("update") else "grad_w"
    else:
        return None
    return lay.index(kind, l, s, int(np.argmax(np.abs(values.ravel()))))


def to_largest(ex) -> None:
    i = largest_index(ex.current, ex.event_index)
    if i is not None:
        ex.goto(ex.step_index, i)
