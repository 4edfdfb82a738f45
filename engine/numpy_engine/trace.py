"""The trace: every number of a training step as an ordered, index-addressable sequence of events.

Reading event i builds that event only (trace_events.py, trace_backward.py), never its phase: the
order is fixed arithmetic over the network's sizes (`Layout`), so len(), phase starts and the
position of any neuron's or weight's event are known without building anything. The view uses
those positions to draw the units it shows without scanning the events before the current one.

Order within a step:
- forward: per sample, per layer: z of every unit, then a (and its dropout event) of every unit
- loss: per sample, one term per output; then the total
- backward: per layer from the output down: per sample and unit ∂L/∂a then δ; then per unit
  ∂L/∂w of each input weight and ∂L/∂b
- update: per layer: every weight (row by row), then every bias
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

import numpy as np

from .core import Backward, Forward, Model
from .trace_backward import da_event, delta_event, grad_b_event, grad_w_event, update_event
from .trace_events import (
    MAX_TERMS,
    Event,
    StepArrays,
    a_event,
    bias_id,
    edge,
    loss_term_event,
    loss_total_event,
    mask_event,
    node,
    z_event,
)

__all__ = [
    "MAX_TERMS",
    "PHASES",
    "Event",
    "Layout",
    "Trace",
    "bias_id",
    "build_trace",
    "edge",
    "node",
]

PHASES = ("forward", "loss", "backward", "update")


class Layout:
    """Where each event of a step sits, from the sizes alone (layers 1..L; k = l − 1)."""

    def __init__(self, sizes: tuple[int, ...], n: int, masked: tuple[bool, ...]):
        self.sizes, self.n, self.masked = sizes, n, masked
        depth = len(sizes) - 1
        per_layer = [sizes[k + 1] * (2 + masked[k]) for k in range(depth)]
        self.fw_off = [sum(per_layer[:k]) for k in range(depth)]  # within one sample
        self.per_sample = sum(per_layer)
        n_fwd, n_loss = n * self.per_sample, n * sizes[-1] + 1
        blocks: list[tuple[int, str, int]] = []  # (start within the phase, kind, k)
        pos = 0
        for k in range(depth - 1, -1, -1):
            blocks += [(pos, "delta", k), (pos + 2 * n * sizes[k + 1], "grad", k)]
            pos += 2 * n * sizes[k + 1] + sizes[k + 1] * (sizes[k] + 1)
        self.bw_blocks, n_bwd = blocks, pos
        self.up_off = [sum(sizes[q + 1] * (sizes[q] + 1) for q in range(k)) for k in range(depth)]
        n_up = sum(sizes[k + 1] * (sizes[k] + 1) for k in range(depth))
        self.counts = (n_fwd, n_loss, n_bwd, n_up)
        self.starts = (0, n_fwd, n_fwd + n_loss, n_fwd + n_loss + n_bwd)
        self._bw_start = {(kind, k): s for s, kind, k in blocks}

    def __len__(self) -> int:
        return sum(self.counts)

    # ---- positions (global event indices) ----
    def z(self, s: int, l: int, j: int) -> int:
        return s * self.per_sample + self.fw_off[l - 1] + j

    def a(self, s: int, l: int, j: int) -> int:
        """The activation event (with dropout, the masked value follows at +1)."""
        k = l - 1
        return s * self.per_sample + self.fw_off[k] + self.sizes[l] + j * (1 + self.masked[k])

    def da(self, l: int, s: int, j: int) -> int:
        return self.starts[2] + self._bw_start["delta", l - 1] + 2 * (s * self.sizes[l] + j)

    def delta(self, l: int, s: int, j: int) -> int:
        return self.da(l, s, j) + 1

    def grad_w(self, l: int, j: int, i: int) -> int:
        return self.starts[2] + self._bw_start["grad", l - 1] + j * (self.sizes[l - 1] + 1) + i

    def grad_b(self, l: int, j: int) -> int:
        return self.grad_w(l, j, self.sizes[l - 1])

    def update_w(self, l: int, j: int, i: int) -> int:
        return self.starts[3] + self.up_off[l - 1] + j * self.sizes[l - 1] + i

    def update_b(self, l: int, j: int) -> int:
        return self.starts[3] + self.up_off[l - 1] + self.sizes[l] * self.sizes[l - 1] + j

    # ---- the event at an index ----
    def make(self, c: StepArrays, i: int) -> Event:
        p = bisect_right(self.starts, i) - 1
        while self.counts[p] == 0:  # an empty phase shares its start with the next
            p += 1
        r = i - self.starts[p]
        if p == 0:
            return self._forward(c, r)
        if p == 1:
            if r == self.counts[1] - 1:
                return loss_total_event(c)
            s, j = divmod(r, self.sizes[-1])
            return loss_term_event(c, s, j)
        if p == 2:
            return self._backward(c, r)
        return self._update(c, r)

    def _forward(self, c: StepArrays, r: int) -> Event:
        s, r = divmod(r, self.per_sample)
        k = bisect_right(self.fw_off, r) - 1
        r -= self.fw_off[k]
        units = self.sizes[k + 1]
        if r < units:
            return z_event(c, s, k, r)
        r -= units
        if not self.masked[k]:
            return a_event(c, s, k, r)
        j, which = divmod(r, 2)
        return a_event(c, s, k, j) if which == 0 else mask_event(c, s, k, j)

    def _backward(self, c: StepArrays, r: int) -> Event:
        b = bisect_right([s for s, _, _ in self.bw_blocks], r) - 1
        start, kind, k = self.bw_blocks[b]
        r -= start
        if kind == "delta":
            (s, j), which = divmod(r // 2, self.sizes[k + 1]), r % 2
            return da_event(c, k, s, j) if which == 0 else delta_event(c, k, s, j)
        j, i = divmod(r, self.sizes[k] + 1)
        return grad_b_event(c, k, j) if i == self.sizes[k] else grad_w_event(c, k, j, i)

    def _update(self, c: StepArrays, r: int) -> Event:
        k = bisect_right(self.up_off, r) - 1
        r -= self.up_off[k]
        n_w = self.sizes[k + 1] * self.sizes[k]
        if r < n_w:
            return update_event(c, k, "weights", divmod(r, self.sizes[k]))
        return update_event(c, k, "bias", (r - n_w,))


class Trace(Sequence):
    """The events of one step, each built on first access and kept (the same object after)."""

    __slots__ = ("layout", "_arrays", "_cache")

    def __init__(self, layout: Layout | None = None, arrays: StepArrays | None = None):
        self.layout = layout
        self._arrays = arrays
        self._cache: dict[int, Event] = {}

    def __len__(self) -> int:
        return len(self.layout) if self.layout is not None else 0

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        ev = self._cache.get(i)
        if ev is None:
            with np.errstate(all="ignore"):
                ev = self._cache[i] = self.layout.make(self._arrays, i)
        return ev

    def phase_start(self, name: str) -> int:
        """Index of the first event of phase `name` (forward, loss, backward, update)."""
        return self.layout.starts[PHASES.index(name)] if self.layout is not None else 0

    def phase_count(self, name: str) -> int:
        return self.layout.counts[PHASES.index(name)] if self.layout is not None else 0


def build_trace(
    model: Model, params, fw: Forward, bw: Backward, Y, rows, step, reg, new_params, old_state,
    new_state, t=None,
) -> Trace:  # fmt: skip
    """The lazy trace of one step: a Layout over the sizes and the arrays the step computed."""
    masked = tuple(m is not None for m in fw.masks)
    layout = Layout(model.sizes, len(rows), masked)
    arrays = StepArrays(
        model, params, fw, bw, Y, tuple(rows), step, reg, new_params, old_state, new_state
    )
    return Trace(layout, arrays)
