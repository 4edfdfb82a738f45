"""A step's events filtered to one sample of its batch, and grouped phase → layer → unit.

Both are read from the trace's Layout (arithmetic over the layer shapes), never by building or
scanning the events: a full-batch step of the spiral preset has 27,275 of them, and a key press
or a tree row must not cost a pass over all of them.

The sample filter keeps sample s's events (its forward, its loss terms, its ∂L/∂a and δ) and the
batch's (the total loss, the summed gradients, the updates). `s` is a position in the step's
batch (0 … n−1); the data row it reads is `rows[s]`, the events' `sample` field.

Groups: phase → layer → one row per unit (dense) or per map (conv, pooling; a flatten has one),
each holding that unit's events in trace order: its z and a per sample (forward), its loss term
per sample and the total (loss), its ∂L/∂a and δ per sample then its ∂L/∂w and ∂L/∂b
(backward), the updates of its weights and bias (update).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .index_sets import Group, Spans, Strided
from .layer_def import LayerDef
from .trace import PHASES, Event, Layout


def check_sample(s, n: int) -> int | None:
    """`s` as a batch position 0 … n−1, or None for the whole batch; a ValueError otherwise."""
    if s is None:
        return None
    if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
        raise ValueError(f"a sample is a whole number or 'all', not {s!r}")
    if not 0 <= s < n:
        raise ValueError(f"sample {s} is not in this batch of {n} (0 to {n - 1})")
    return int(s)


def kept_sample(s: int | None, n: int) -> int | None:
    """The sample a choice of batch position `s` keeps in a step of a batch of n: s, or None
    (every event) when that batch, the last of an epoch, is shorter. The window's filter and
    `trace --sample` both follow this rule."""
    return s if s is not None and s < n else None


def sample_events(events, s: int | None) -> list[Event]:
    """The events of one traced step (a Trace) that stepping through batch position s visits,
    in trace order: its own and the batch's, or every event (see kept_sample)."""
    return [events[i] for i in sample_spans(events.layout, kept_sample(s, events.layout.n))]


def sample_event_count(net, s: int | None, steps: int, masked: tuple[bool, ...]) -> int:
    """How many events sample_events keeps over the first `steps` steps of `net`, from the
    batch sizes and layouts alone (no step is run). `masked`: the layers with dropout masks, as
    in a step's layout."""
    total = 0
    for n, count in net.batch_sizes(steps).items():
        total += count * len(sample_spans(Layout(net.model, n, masked), kept_sample(s, n)))
    return total


def sample_spans(lay: Layout, s: int | None) -> Spans:
    """The events of sample `s` of the batch and of the batch itself; every event for None."""
    s = check_sample(s, lay.n)
    if s is None:
        return Spans([(0, len(lay))])
    return Spans((sp.start, sp.stop) for sp in lay.blocks(s))


def n_keys(shape: tuple[int, ...]) -> int:
    """Rows of a layer output of this shape: one per unit, or one per map of an image."""
    return shape[0] if len(shape) == 3 else int(np.prod(shape))


def _cells(shape: tuple[int, ...], u: int) -> np.ndarray:
    """Flat positions of row u's cells: unit u, or every cell of map u."""
    if len(shape) != 3:
        return np.array([u])
    per = shape[1] * shape[2]
    return np.arange(u * per, (u + 1) * per)


@dataclass
class LayerGroup:
    phase: str  # forward | loss | backward | update
    k: int  # layer index k = l − 1 (−1: the input's gradient; the loss: the last layer)
    label: str  # "layer 2 · dense, 16 units"
    count: int  # events in it (under the filter)
    n_units: int  # unit rows in it
    units: dict[int, UnitGroup] = field(default_factory=dict)  # built on first use


@dataclass(frozen=True)
class UnitGroup:
    label: str  # "δ[2][7]"
    events: Group  # its event indices in trace order


def _runs(idx: np.ndarray) -> Spans:
    """Sorted event indices as the ranges of consecutive ones."""
    idx = np.sort(idx)
    cut = np.flatnonzero(np.diff(idx) != 1) + 1
    return Spans((int(r[0]), int(r[-1]) + 1) for r in np.split(idx, cut) if len(r))


class StepGroups:
    """The groups of one step under one sample filter; unit rows are made on first use."""

    def __init__(self, lay: Layout, s: int | None):
        self.lay, self.sample = lay, check_sample(s, lay.n)
        self.samples = range(lay.n) if self.sample is None else range(self.sample, self.sample + 1)
        m, ns = lay.model, len(self.samples)
        size: dict[tuple[str, int], int] = {}  # events per (phase, layer) under the filter
        for sp in lay.blocks(0):
            key = (sp.phase, sp.layer)
            size[key] = size.get(key, 0) + (sp.stop - sp.start) * (
                ns if sp.sample is not None else 1
            )
        fw = [
            LayerGroup("forward", k, _layer_label(k, d), size["forward", k + 1],
                       1 if d.type.reshapes else n_keys(d.out_shape))
            for k, d in enumerate(m.layers)
        ]  # fmt: skip
        K = m.sizes[-1]
        loss = [LayerGroup("loss", m.depth - 1, f"loss ({m.loss})", ns * K + 1, K + 1)]
        bw = []
        for l in range(m.depth, -1, -1):  # the backward phase's order: the output's first
            if size.get(("backward", l)):
                k = l - 1
                label = "input" if k < 0 else _layer_label(k, m.layer(k))
                shape = self._shape(k)
                bw.append(LayerGroup("backward", k, label, size["backward", l], n_keys(shape)))
        up = [
            LayerGroup("update", k, _layer_label(k, d), size["update", k + 1], n_keys(d.out_shape))
            for k, d in enumerate(m.layers)
            if size.get(("update", k + 1))
        ]
        self.layers = {"forward": fw, "loss": loss, "backward": bw, "update": up}

    def _shape(self, k: int) -> tuple[int, ...]:
        return self.lay.model.layer(0).in_shape if k < 0 else self.lay.model.layer(k).out_shape

    def phase_count(self, phase: str) -> int:
        return sum(g.count for g in self.layers[phase])

    def unit(self, phase: str, row: int, u: int) -> UnitGroup:
        """Unit row u of layer row `row` of `phase` (made once, then kept)."""
        g = self.layers[phase][row]
        if not 0 <= u < g.n_units:
            raise IndexError(u)
        if u not in g.units:
            g.units[u] = getattr(self, f"_{phase}")(g.k, u)
        return g.units[u]

    def locate(self, i: int, ev: Event) -> tuple[int, int, int, int] | None:
        """(phase row, layer row, unit row, position in the unit) of event i, which is `ev`;
        None when the filter hides it."""
        rows = self.layers[ev.phase]
        k = len(self.lay.model.layers) - 1 if ev.phase == "loss" else ev.layer - 1
        row = next((r for r, g in enumerate(rows) if g.k == k), None)
        if row is None:
            return None
        u = rows[row].n_units - 1 if ev.kind == "loss" else (ev.index[0] if ev.index else 0)
        if not 0 <= u < rows[row].n_units:
            return None
        pos = self.unit(ev.phase, row, u).events.position(i)
        return None if pos is None else (PHASES.index(ev.phase), row, u, pos)

    # ---- one unit's events, per phase ----
    def _per_sample(self, phase: str, l: int, cells: np.ndarray) -> Strided:
        """The events of these cells of layer l in `phase`, one block per sample."""
        lay = self.lay
        kinds = [kind for kind in lay.kinds(phase, l) if lay.sample_stride(kind, l)]
        idx = np.sort(np.concatenate([lay.indices(kind, l, 0, cells) for kind in kinds]))
        return Strided(idx[0], lay.sample_stride(kinds[0], l), self.samples, idx - idx[0])

    def _forward(self, k: int, u: int) -> UnitGroup:
        l, d = k + 1, self.lay.model.layer(k)
        cells = np.array([0]) if d.type.reshapes else _cells(d.out_shape, u)
        kinds = self.lay.kinds("forward", l)
        names = getattr(d.type.module, "GROUP_NAMES", {"z": "z"})  # batch norm: μ, σ², x̂, z
        z = "".join(f"{names[k]}, " for k in kinds if k in names)
        at = "" if d.type.reshapes else f"[{u}]" + (" map" if len(d.out_shape) == 3 else "")
        own = self._batch("forward", l, u)  # the batch's events of this unit (μ, σ²) first
        return UnitGroup(f"{z}a[{l}]{at}", Group([own, self._per_sample("forward", l, cells)]))

    def _batch(self, phase: str, l: int, u: int, skip=("grad_w", "grad_b")) -> Spans:
        """The batch's events of unit (or channel) u of layer l in `phase` besides its parameters'
        (a batch norm's μ and σ², ∂L/∂σ² and ∂L/∂μ); empty for the other layer types."""
        lay = self.lay
        kinds = [k for k in lay.kinds(phase, l) if k not in skip and not lay.sample_stride(k, l)]
        return _runs(np.array([lay.index(k, l, None, u) for k in kinds], dtype=np.int64))

    def _loss(self, k: int, u: int) -> UnitGroup:
        lay, L = self.lay, self.lay.model.depth
        if u == lay.model.sizes[-1]:
            end = lay.index("loss", 0) + 1
            return UnitGroup("total L", Group([Spans([(end - 1, end)])]))
        return UnitGroup(f"ℓ[{u}]", Group([self._per_sample("loss", L, np.array([u]))]))

    def _backward(self, k: int, u: int) -> UnitGroup:
        lay, l = self.lay, k + 1
        shape = self._shape(k)
        parts: list = (
            [self._per_sample("backward", l, _cells(shape, u))] if lay.has("da", l) else []
        )
        tail = "" if len(shape) == 1 else " map"
        label = f"δ[{l}][{u}]{tail}" if lay.has("delta", l) else f"∂L/∂a[{l}][{u}]{tail}"
        parts.append(self._batch("backward", l, u))
        if lay.has("grad_w", l):
            parts.append(self._params(l, u, "grad_w", "grad_b"))
        return UnitGroup(label, Group(parts))

    def _params(self, l: int, u: int, w: str, b: str) -> Spans:
        """The events of unit u's own parameters: its weights (those of its row or filter), its bias."""
        lay = self.lay
        per = lay.units(w, l) // lay.units(b, l)
        ws = lay.indices(w, l, None, np.arange(u * per, (u + 1) * per))
        return _runs(np.append(ws, lay.index(b, l, None, u)))

    def _update(self, k: int, u: int) -> UnitGroup:
        spans = self._params(k + 1, u, "update_w", "update_b")
        return UnitGroup(f"w[{k + 1}][{u}][·], b[{k + 1}][{u}]", Group([spans]))


def _layer_label(k: int, d: LayerDef) -> str:
    size = "×".join(str(v) for v in d.out_shape)
    return f"layer {k + 1} · {d.kind}, {size}"
