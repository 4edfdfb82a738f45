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
from .trace_delta import delta_count


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
    ps, K, lo = lay.per_sample, lay.sizes[-1], lay.starts[1]
    pairs = [(s * ps, (s + 1) * ps), (lo + s * K, lo + (s + 1) * K)]
    pairs.append((lo + lay.counts[1] - 1, lo + lay.counts[1]))  # the total loss
    for st, kind, k in lay.bw_blocks:
        a = lay.starts[2] + st
        if kind == "delta":
            per = delta_count(lay.model, k, lay.n) // lay.n
            pairs.append((a + s * per, a + (s + 1) * per))
        else:
            pairs.append((a, a + lay.model.layer(k).n_params))
    pairs.append((lay.starts[3], len(lay)))
    return Spans(pairs)


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


class StepGroups:
    """The groups of one step under one sample filter; unit rows are made on first use."""

    def __init__(self, lay: Layout, s: int | None):
        self.lay, self.sample = lay, check_sample(s, lay.n)
        self.samples = range(lay.n) if self.sample is None else range(self.sample, self.sample + 1)
        m, ns = lay.model, len(self.samples)
        fw_ends = [*lay.fw_off[1:], lay.per_sample]
        fw = [
            LayerGroup("forward", k, _layer_label(k, d), ns * (fw_ends[k] - lay.fw_off[k]),
                       1 if d.kind == "flatten" else n_keys(d.out_shape))
            for k, d in enumerate(m.layers)
        ]  # fmt: skip
        K = lay.sizes[-1]
        loss = [LayerGroup("loss", m.depth - 1, f"loss ({m.loss})", ns * K + 1, K + 1)]
        bw = []
        for _, kind, k in lay.bw_blocks:
            if kind != "delta":
                continue
            n_params = m.layer(k).n_params if k >= 0 else 0
            count = delta_count(m, k, lay.n) // lay.n * ns + n_params
            if count:
                label = "input" if k < 0 else _layer_label(k, m.layer(k))
                bw.append(LayerGroup("backward", k, label, count, n_keys(self._shape(k))))
        up = [
            LayerGroup("update", k, _layer_label(k, d), d.n_params, n_keys(d.out_shape))
            for k, d in enumerate(m.layers)
            if d.n_params
        ]
        self.layers = {"forward": fw, "loss": loss, "backward": bw, "update": up}
        self._bw = {(kind, k): st for st, kind, k in lay.bw_blocks}  # block starts in the phase

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
    def _forward(self, k: int, u: int) -> UnitGroup:
        lay, d = self.lay, self.lay.model.layer(k)
        l, cells = k + 1, _cells(d.out_shape, u)
        if d.kind == "dense":
            m = int(lay.masked[k])
            a = d.units + u * (1 + m)
            offsets, label = [u, a, a + 1][: 2 + m], f"z, a[{l}][{u}]"
        elif d.kind == "conv":
            offsets, label = np.concatenate([cells, d.units + cells]), f"z, a[{l}][{u}] map"
        elif d.kind == "flatten":
            offsets, label = np.array([0]), f"a[{l}]"
        else:
            offsets, label = cells, f"a[{l}][{u}] map"
        return UnitGroup(
            label, Group([Strided(lay.fw_off[k], lay.per_sample, self.samples, offsets)])
        )

    def _loss(self, k: int, u: int) -> UnitGroup:
        lay, K = self.lay, self.lay.sizes[-1]
        if u == K:
            end = lay.starts[1] + lay.counts[1]
            return UnitGroup("total L", Group([Spans([(end - 1, end)])]))
        return UnitGroup(
            f"ℓ[{u}]", Group([Strided(lay.starts[1] + u, K, self.samples, np.array([0]))])
        )

    def _backward(self, k: int, u: int) -> UnitGroup:
        lay, m = self.lay, self.lay.model
        shape = self._shape(k)
        units = int(np.prod(shape))
        per = 1 if k < 0 or m.layer(k).kind in ("maxpool", "avgpool") else 2
        cells = _cells(shape, u)
        offsets = (per * cells[:, None] + np.arange(per)).ravel()
        base = lay.starts[2] + self._bw["delta", k]
        parts: list = [Strided(base, units * per, self.samples, offsets)]
        l, tail = k + 1, "" if len(shape) == 1 else " map"
        label = f"δ[{l}][{u}]{tail}" if per == 2 else f"∂L/∂a[{l}][{u}]{tail}"
        if k >= 0 and m.layer(k).n_params:
            g = m.layer(k).n_params // n_keys(shape)
            start = lay.starts[2] + self._bw["grad", k] + u * g
            parts.append(Spans([(start, start + g)]))
        return UnitGroup(label, Group(parts))

    def _update(self, k: int, u: int) -> UnitGroup:
        lay, d = self.lay, self.lay.model.layer(k)
        keys = n_keys(d.out_shape)
        n_w = d.n_params - keys  # every layer with parameters has one bias per unit or filter
        per = n_w // keys
        start = lay.starts[3] + lay.up_off[k]
        spans = Spans(
            [(start + u * per, start + (u + 1) * per), (start + n_w + u, start + n_w + u + 1)]
        )
        return UnitGroup(f"w[{k + 1}][{u}][·], b[{k + 1}][{u}]", Group([spans]))


def _layer_label(k: int, d: LayerDef) -> str:
    size = "×".join(str(v) for v in d.out_shape)
    return f"layer {k + 1} · {d.kind}, {size}"
