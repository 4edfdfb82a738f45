"""Jumps through a big step (a 784-256-128-10 net has about 470,000 events): to the next or the
previous part (a layer's z, its a, its δ block, its gradients, its updates) and to the number that
matters most in this part (the most active unit, the largest δ, the largest gradient and that
weight's update). With a sample chosen, the parts are that sample's and the batch's. Qt-free: positions come from the trace's layout, values from the step's arrays.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import numpy as np

from engine.numpy_engine.trace_delta import delta_count


def part_starts(lay, s: int | None = None) -> list[int]:
    """The first event index of every part of a step, in order; with a sample s, the parts of
    that sample (its layers' z and a, its loss terms, its δ blocks) and of the batch."""
    m, out = lay.model, []
    samples = range(lay.n) if s is None else (s,)
    for q in samples:
        for k, d in enumerate(m.layers):
            out.append(q * lay.per_sample + lay.fw_off[k])
            if d.kind in ("dense", "conv"):
                out.append(lay.a(q, k + 1, 0))
    out.append(lay.starts[1] + (0 if s is None else s * lay.sizes[-1]))
    out.append(lay.starts[1] + lay.counts[1] - 1)  # the total loss
    for st, kind, k in lay.bw_blocks:
        per = delta_count(m, k, lay.n) // lay.n if kind == "delta" and s is not None else 0
        out.append(lay.starts[2] + st + per * (s or 0))
    for k, d in enumerate(m.layers):
        if d.n_params:
            out.append(lay.update(k + 1, 0))
    total = len(lay)
    return sorted({i for i in out if 0 <= i < total})


def _starts(ex) -> list[int]:
    r = ex.current
    return part_starts(r.events.layout, ex.filter.applies_to(r))


def next_part(ex) -> None:
    starts = _starts(ex)
    i = bisect_right(starts, ex.event_index)
    if i < len(starts):
        ex.goto(ex.step_index, starts[i])


def previous_part(ex) -> None:
    starts = _starts(ex)
    i = bisect_left(starts, ex.event_index)
    if i > 0:
        ex.goto(ex.step_index, starts[i - 1])


def largest_index(r, idx: int) -> int | None:
    """The event of the part holding event `idx` about the number that matters most there: the
    most active unit (z, a), the largest δ or ∂L/∂a, the largest weight gradient (a gradient or
    an update event: that weight's); None where a part has no such choice (loss, flatten)."""
    ev, lay, c = r.events[idx], r.events.layout, r.events.arrays
    l, kind = ev.layer, ev.kind
    s = r.rows.index(ev.sample) if ev.sample is not None else 0
    if l < 1:
        return None
    d = c.model.layer(l - 1)
    if kind in ("z", "a") and d.kind in ("dense", "conv"):
        j = int(np.argmax(np.abs(c.fw.A[l][s].ravel())))
        return lay.z(s, l, j) if kind == "z" else lay.a(s, l, j)
    if kind in ("da", "delta") and d.kind != "flatten":
        j = int(np.argmax(np.abs(c.bw.delta[l - 1][s].ravel())))
        return lay.da(l, s, j) if kind == "da" else lay.delta(l, s, j)
    if kind in ("grad_w", "grad_b", "update") and d.kind in ("dense", "conv"):
        G = r.grads[l - 1][0]
        flat = int(np.argmax(np.abs(G.ravel())))
        if kind == "update":
            return lay.update(l, flat)
        if d.kind == "dense":
            return lay.grad_w(l, *np.unravel_index(flat, G.shape))
        per_f = G[0].size + 1  # a conv layer's gradients: filter by filter, weights then bias
        f, rest = divmod(flat, G[0].size)
        return lay.grad(l, f * per_f + rest)
    return None


def to_largest(ex) -> None:
    i = largest_index(ex.current, ex.event_index)
    if i is not None:
        ex.goto(ex.step_index, i)
