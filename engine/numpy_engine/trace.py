"""The trace: every number of a training step as an ordered, index-addressable sequence of events.

Reading event i builds that event only (its layer module's writer), never its phase: the
order is fixed arithmetic over the network's layer shapes (`Layout`), so len(), phase starts and the
position of any neuron's or weight's event are known without building anything. The view uses
those positions to draw the units it shows without scanning the events before the current one.

Order within a step (dense layers; conv, pooling and flatten: see their modules):
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
from .ids import bias_id, edge, node
from .layers import module
from .trace_delta import delta_block_event, delta_count
from .trace_events import MAX_TERMS, Event, StepArrays, loss_term_event, loss_total_event
from .trace_update import update_event

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


def _starts(counts: list[int]) -> list[int]:
    return [sum(counts[:k]) for k in range(len(counts))]


class Layout:
    """Where each event of a step sits, from the layer shapes alone (layers 1..L; k = l − 1).

    Each layer module gives its counts (forward events per sample, gradient events); the δ block
    is per sample and unit (trace_delta.py); updates are every weight, then every bias."""

    def __init__(self, model: Model, n: int, masked: tuple[bool, ...]):
        self.model, self.sizes, self.n, self.masked = model, model.sizes, n, masked
        defs = model.layers
        depth = len(defs)
        self.fw_off = _starts([module(d.kind).fw_count(d, masked[k]) for k, d in enumerate(defs)])
        self.per_sample = self.fw_off[-1] + module(defs[-1].kind).fw_count(defs[-1], masked[-1])
        n_fwd, n_loss = n * self.per_sample, n * self.sizes[-1] + 1
        blocks: list[tuple[int, str, int]] = []  # (start within the phase, kind, k)
        pos = 0
        for k in range(depth - 1, -1, -1):
            dc = delta_count(model, k, n)
            blocks += [(pos, "delta", k), (pos + dc, "grad", k)]
            pos += dc + defs[k].n_params
        if model.input_grad:  # the input's gradient, routed by the first (pooling) layer
            blocks.append((pos, "delta", -1))
            pos += delta_count(model, -1, n)
        self.bw_blocks, n_bwd = blocks, pos
        self._bw_keys = [st for st, _, _ in blocks]
        n_up = [d.n_params for d in defs]
        self.up_off = _starts(n_up)
        self.counts = (n_fwd, n_loss, n_bwd, sum(n_up))
        self.starts = (0, n_fwd, n_fwd + n_loss, n_fwd + n_loss + n_bwd)
        self._bw_start = {(kind, k): st for st, kind, k in blocks}

    def __len__(self) -> int:
        return sum(self.counts)

    # ---- positions (global event indices) ----
    def z(self, s: int, l: int, j: int) -> int:
        """The z event of unit j (flat) of a dense or conv layer; a pooling or flatten event."""
        return s * self.per_sample + self.fw_off[l - 1] + j

    def a(self, s: int, l: int, j: int) -> int:
        """The activation event (with dropout, the masked value follows at +1)."""
        k = l - 1
        d = self.model.layer(k)
        if d.kind not in ("dense", "conv"):
            return self.z(s, l, j)
        return s * self.per_sample + self.fw_off[k] + d.units + j * (1 + self.masked[k])

    def da(self, l: int, s: int, j: int) -> int:
        d = self.model.layer(l - 1)
        per = 1 if d.kind in ("maxpool", "avgpool") else 2
        return self.starts[2] + self._bw_start["delta", l - 1] + per * (s * d.units + j)

    def delta(self, l: int, s: int, j: int) -> int:
        d = self.model.layer(l - 1)
        return self.da(l, s, j) + (d.kind not in ("maxpool", "avgpool"))

    def grad_w(self, l: int, j: int, i: int) -> int:
        return self.starts[2] + self._bw_start["grad", l - 1] + j * (self.sizes[l - 1] + 1) + i

    def grad_b(self, l: int, j: int) -> int:
        return self.grad_w(l, j, self.sizes[l - 1])

    def grad(self, l: int, r: int) -> int:
        """The r-th gradient event of layer l (conv: filter by filter, weights then bias)."""
        return self.starts[2] + self._bw_start["grad", l - 1] + r

    def update_w(self, l: int, j: int, i: int) -> int:
        return self.starts[3] + self.up_off[l - 1] + j * self.sizes[l - 1] + i

    def update_b(self, l: int, j: int) -> int:
        return self.starts[3] + self.up_off[l - 1] + self.sizes[l] * self.sizes[l - 1] + j

    def update(self, l: int, r: int) -> int:
        """The r-th update event of layer l (every weight in row order, then every bias)."""
        return self.starts[3] + self.up_off[l - 1] + r

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
        return module(self.model.layer(k).kind).fw_event(c, s, k, r - self.fw_off[k])

    def _backward(self, c: StepArrays, r: int) -> Event:
        b = bisect_right(self._bw_keys, r) - 1
        start, kind, k = self.bw_blocks[b]
        if kind == "delta":
            return delta_block_event(c, k, r - start)
        return module(self.model.layer(k).kind).grad_event(c, k, r - start)

    def _update(self, c: StepArrays, r: int) -> Event:
        k = bisect_right(self.up_off, r) - 1
        r -= self.up_off[k]
        w_shape, _ = self.model.layer(k).param_shapes()
        n_w = c.params[k][0].size
        if r < n_w:
            idx = tuple(int(v) for v in np.unravel_index(r, w_shape))
            return update_event(c, k, "weights", idx)
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

    @property
    def arrays(self) -> StepArrays | None:
        """The arrays the events are written from (read-only use: drawing the maps)."""
        return self._arrays

    def phase_start(self, name: str) -> int:
        """Index of the first event of phase `name` (forward, loss, backward, update)."""
        return self.layout.starts[PHASES.index(name)] if self.layout is not None else 0


def build_trace(
    model: Model, params, fw: Forward, bw: Backward, Y, rows, step, reg, new_params, old_state,
    new_state, t=None,
) -> Trace:  # fmt: skip
    """The lazy trace of one step: a Layout over the sizes and the arrays the step computed."""
    masked = tuple(m is not None for m in fw.masks)
    layout = Layout(model, len(rows), masked)
    arrays = StepArrays(
        model, params, fw, bw, Y, tuple(rows), step, reg, new_params, old_state, new_state
    )
    return Trace(layout, arrays)
