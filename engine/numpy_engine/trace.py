"""The trace: every number of a training step as an ordered, index-addressable sequence of events.

Reading event i builds that event only (its layer module's writer), never its phase: the
order is a table of blocks over the network's layer shapes (`Layout`, layout.py), built from what
each layer module declares (blocks.py), so len(), phase starts and the position of any neuron's or
weight's event are known without building anything. The view asks the layout where the units it
shows are, without scanning the events before the current one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .core import Backward, Forward, Model
from .ids import bias_id, edge, node
from .layers import module
from .layout import PHASES, Address, Layout, Span
from .trace_delta import da_event, delta_event
from .trace_events import MAX_TERMS, Event, StepArrays, loss_term_event, loss_total_event
from .trace_update import update_event

__all__ = [
    "MAX_TERMS",
    "PHASES",
    "Address",
    "Event",
    "Layout",
    "Span",
    "Trace",
    "bias_id",
    "build_trace",
    "edge",
    "node",
]


def make_event(lay: Layout, c: StepArrays, i: int) -> Event:
    """Event i of a step, written by whoever owns its kind (the layer's module for its own)."""
    kind, l, s, u = lay.address(i)
    k = l - 1
    if kind == "loss_term":
        return loss_term_event(c, s, u)
    if kind == "loss":
        return loss_total_event(c)
    if kind == "da":
        return da_event(c, k, s, u)
    if kind == "delta":
        return delta_event(c, k, s, u)
    if kind in ("update_w", "update_b"):
        w, b = c.params[k]
        if kind == "update_w":
            return update_event(
                c, k, "weights", tuple(int(v) for v in np.unravel_index(u, w.shape))
            )
        return update_event(c, k, "bias", (u,))
    return module(c.model.layer(k).kind).event(c, kind, k, s, u)


_READ = {  # the array each kind's values are in, for layer k + 1 and sample s
    "z": lambda c, k, s: c.fw.Z[k][s],
    "pool": lambda c, k, s: c.fw.Z[k][s],
    "a": lambda c, k, s: c.fw.G[k][s],
    "dropout": lambda c, k, s: c.fw.A[k + 1][s],
    "flatten": lambda c, k, s: c.fw.A[k + 1][s],
    "da": lambda c, k, s: c.da(k)[s],
    "delta": lambda c, k, s: c.bw.delta[k][s],
    "grad_w": lambda c, k, s: c.bw.grads[k][0],
    "grad_b": lambda c, k, s: c.bw.grads[k][1],
    "update_w": lambda c, k, s: c.new_params[k][0],
    "update_b": lambda c, k, s: c.new_params[k][1],
}


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
                ev = self._cache[i] = make_event(self.layout, self._arrays, i)
        return ev

    @property
    def arrays(self) -> StepArrays | None:
        """The arrays the events are written from (read-only use: drawing the maps)."""
        return self._arrays

    def value(self, kind: str, layer: int, sample: int | None, unit: int) -> float:
        """The value of that event (as `self[i].value`), read from the step's arrays without
        writing the event (the drawing reads hundreds a key press)."""
        read = _READ.get(kind)
        if read is not None:
            return float(np.ravel(read(self._arrays, layer - 1, sample))[unit])
        mod = self._arrays.model.layer(layer - 1).type.module  # a kind of the layer's own
        if hasattr(mod, "value"):
            return float(mod.value(self._arrays, kind, layer - 1, sample, unit))
        return self[self.layout.index(kind, layer, sample, unit)].value

    def phase_start(self, name: str) -> int:
        """Index of the first event of phase `name` (forward, loss, backward, update)."""
        return self.layout.phase_range(name).start if self.layout is not None else 0


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
