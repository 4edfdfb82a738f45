"""Where each event of a step sits: one table of blocks, built from the layer modules' declarations.

The step's order (each layer's own order within: its module's `events`, see blocks.py):
- forward: per sample, per layer 1..L: that layer's forward blocks; a layer with batch blocks
  (batch norm's μ, σ²) splits it: every sample up to that layer, the batch's blocks, then every
  sample from that layer's per-sample blocks on
- loss: per sample, one term per output (kind "loss_term", layer L); then the total ("loss", 0)
- backward: per layer from the output down: per sample its delta blocks, then its gradient
  blocks; then, when the first layer pools, per sample ∂L/∂input ("da", layer 0)
- update: per layer 1..L, its update blocks ("update_w", then "update_b")

Every question about the order is asked here, always with the arguments in one order
(kind, layer, sample, unit); layer is the course's l = 1..L, unit the flat index of what the
event writes. Nothing outside this file reads the table.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple

import numpy as np

from .blocks import Block, run

PHASES = ("forward", "loss", "backward", "update")


class Address(NamedTuple):
    """What the event at an index is about (sample None: the batch's)."""

    kind: str
    layer: int
    sample: int | None
    unit: int


class Span(NamedTuple):
    """A placed block: events start ≤ i < stop, of these kinds, layer and sample (None: batch)."""

    phase: str
    kinds: tuple[str, ...]
    layer: int
    sample: int | None
    start: int
    stop: int


class _Placed(NamedTuple):
    offset: int  # within one repetition of its segment
    layer: int
    block: Block


class _Segment(NamedTuple):
    phase: str
    start: int
    size: int  # events in one repetition
    per_sample: bool  # repeated for every sample, or once for the batch
    blocks: tuple[_Placed, ...]
    offsets: tuple[int, ...]


class Layout:
    """The table of one step's event blocks (model, batch size n, which layers have dropout)."""

    def __init__(self, model, n: int, masked: tuple[bool, ...]):
        self.model, self.n, self.masked = model, n, masked
        decl = [d.type.module.events(d, masked[k]) for k, d in enumerate(model.layers)]
        L, K = model.depth, model.sizes[-1]
        segs: list[tuple[str, bool, list[tuple[int, Block]]]] = [("forward", True, [])]
        for k, dc in enumerate(decl):
            if dc.batch_forward:  # the batch's blocks between two runs over the samples
                segs += [("forward", False, [(k + 1, b) for b in dc.batch_forward])]
                segs += [("forward", True, [])]
            segs[-1][2].extend((k + 1, b) for b in dc.forward)
        segs += [("loss", True, [(L, run("loss_term", K))]), ("loss", False, [(0, run("loss", 1))])]
        for k in range(L - 1, -1, -1):
            segs.append(("backward", True, [(k + 1, b) for b in decl[k].delta]))
            segs.append(("backward", False, [(k + 1, b) for b in decl[k].grads]))
        if model.input_grad:  # the input's gradient, routed by a first pooling layer
            segs.append(("backward", True, [(0, run("da", model.sizes[0]))]))
        segs.append(
            ("update", False, [(k + 1, b) for k, dc in enumerate(decl) for b in dc.updates])
        )
        self._segs: list[_Segment] = []
        self._where: dict[tuple[str, int], tuple[int, int, int, int]] = {}
        self._phase: dict[str, list[int]] = {p: [] for p in PHASES}
        pos = 0
        for phase, per_sample, blocks in segs:
            placed, off = [], 0
            for layer, b in blocks:
                if b.size:
                    placed.append(_Placed(off, layer, b))
                    off += b.size
            reps = n if per_sample else 1
            self._phase[phase].append(pos)
            if not off or not reps:
                continue
            q = len(self._segs)
            for p, pb in enumerate(placed):
                inner = 0
                for kind, count in pb.block.pattern:
                    if (kind, pb.layer) in self._where:  # a module's declaration is wrong
                        raise ValueError(f"layer {pb.layer} declares {kind} events twice")
                    self._where[kind, pb.layer] = (q, p, inner, count)
                    inner += count
            offs = tuple(pb.offset for pb in placed)
            self._segs.append(_Segment(phase, pos, off, per_sample, tuple(placed), offs))
            pos += off * reps
        self._len = pos
        self._seg_starts = [sg.start for sg in self._segs]
        self._spans = [  # per segment: (phase, kinds, layer, start, stop) within a repetition
            [(sg.phase, tuple(k for k, _ in pb.block.pattern), pb.layer, pb.offset,
              pb.offset + pb.block.size) for pb in sg.blocks]
            for sg in self._segs
        ]  # fmt: skip
        firsts = [self._phase[p][0] for p in PHASES] + [pos]
        self._bounds = {p: (firsts[q], firsts[q + 1]) for q, p in enumerate(PHASES)}

    def __len__(self) -> int:
        return self._len

    # ---- questions ----
    def has(self, kind: str, layer: int) -> bool:
        """True when the step has events of this kind for this layer."""
        return (kind, layer) in self._where

    def units(self, kind: str, layer: int) -> int:
        """How many units this kind has in this layer (per sample for a per-sample block)."""
        q, p, _, count = self._where[kind, layer]
        return count * self._segs[q].blocks[p].block.groups

    def index(self, kind: str, layer: int, sample: int | None = None, unit: int = 0) -> int:
        """The index of the event of `kind` about `unit` of `layer` (and `sample`, for the events
        of one sample; the batch's ignore it). A KeyError when the step has no such block, an
        IndexError for a unit or sample out of range."""
        q, p, inner, count = self._where[kind, layer]
        seg = self._segs[q]
        pb = seg.blocks[p]
        b = pb.block
        if not 0 <= unit < count * b.groups:
            raise IndexError(f"{kind} of layer {layer} has no unit {unit}")
        g, u = divmod(unit, count)
        return self._base(seg, sample) + pb.offset + g * b.width + inner + u

    def indices(self, kind: str, layer: int, sample: int | None, units) -> np.ndarray:
        """`index` of many units at once (an array of them)."""
        q, p, inner, count = self._where[kind, layer]
        seg = self._segs[q]
        pb = seg.blocks[p]
        units = np.asarray(units, dtype=np.int64)
        if units.size and not (units.min() >= 0 and units.max() < count * pb.block.groups):
            raise IndexError(f"{kind} of layer {layer} has no such units")
        g, u = np.divmod(units, count)
        return self._base(seg, sample) + pb.offset + g * pb.block.width + inner + u

    def sample_stride(self, kind: str, layer: int) -> int:
        """How far apart the same event of two successive samples is (0: a batch event)."""
        seg = self._segs[self._where[kind, layer][0]]
        return seg.size if seg.per_sample else 0

    def kinds(self, phase: str, layer: int) -> tuple[str, ...]:
        """The kinds of a layer's events in a phase, in their order."""
        return tuple(
            kind
            for seg in self._segs
            if seg.phase == phase
            for pb in seg.blocks
            if pb.layer == layer
            for kind, _ in pb.block.pattern
        )

    def _base(self, seg: _Segment, sample: int | None) -> int:
        if not seg.per_sample:
            return seg.start
        if sample is None or not 0 <= sample < self.n:
            raise IndexError(f"sample {sample} is not in this batch of {self.n}")
        return seg.start + sample * seg.size

    def address(self, i: int) -> Address:
        """(kind, layer, sample, unit) of the event at index i."""
        if not 0 <= i < self._len:
            raise IndexError(i)
        seg = self._segs[bisect_right(self._seg_starts, i) - 1]
        s, r = divmod(i - seg.start, seg.size) if seg.per_sample else (None, i - seg.start)
        pb = seg.blocks[bisect_right(seg.offsets, r) - 1]
        g, r = divmod(r - pb.offset, pb.block.width)
        for kind, count in pb.block.pattern:
            if r < count:
                return Address(kind, pb.layer, s, g * count + r)
            r -= count
        raise AssertionError("unreachable")

    def phase(self, i: int) -> str:
        """The phase (forward, loss, backward, update) of the event at index i."""
        return self._segs[bisect_right(self._seg_starts, i) - 1].phase

    def phase_range(self, phase: str) -> range:
        """The indices of a phase's events (empty for a phase without events)."""
        return range(*self._bounds[phase])

    def blocks(self, sample: int | None = None) -> list[Span]:
        """Every block of the step in order; with a sample, that sample's and the batch's."""
        out = []
        for seg, spans in zip(self._segs, self._spans, strict=True):
            if not seg.per_sample:
                out += [
                    Span(p, k, lay, None, seg.start + a, seg.start + b) for p, k, lay, a, b in spans
                ]
                continue
            for s in range(self.n) if sample is None else (sample,):
                base = self._base(seg, s)
                out += [Span(p, k, lay, s, base + a, base + b) for p, k, lay, a, b in spans]
        return out

    def reached(self, kind: str, layer: int, sample: int | None, unit: int, current: int) -> bool:
        """True when that event is at or before event `current` (stepping has shown it)."""
        return self.index(kind, layer, sample, unit) <= current

    def n_reached(self, kind: str, layer: int, sample: int | None, current: int) -> int:
        """How many units of this kind (units 0, 1, … in order) are at or before `current`."""
        q, p, inner, count = self._where[kind, layer]
        pb = self._segs[q].blocks[p]
        first = self._base(self._segs[q], sample) + pb.offset + inner
        if current < first:
            return 0
        g, r = divmod(current - first, pb.block.width)
        return min(g * count + min(r + 1, count), count * pb.block.groups)
