"""How a layer module declares its events: the blocks, their kinds and the order of units within.

Every layer module (dense.py, conv.py, pool.py, flatten.py) has one function

    def events(d: LayerDef, masked: bool) -> Declared

that says, from the layer's shape alone, which events it has and in which order:

- `forward`: per sample, the blocks of the forward pass (dense: every z, then every a);
- `delta`: per sample, the blocks of the backward pass through it (∂L/∂a and δ);
- `grads`: per batch, its gradient blocks; `updates`: per batch, its update blocks.

A `Block` is `groups` repetitions of a `pattern` of (kind, count) runs. Unit u of a kind is
repetition u // count, position u % count in its run, so a unit is always the flat index of the
number the event writes (a weight's index into W.ravel(), a cell's into the map's ravel()):

    run("z", 6)                          z0 z1 … z5
    interleave(3, "a", "dropout")        a0 dropout0 a1 dropout1 a2 dropout2
    Block((("grad_w", 4), ("grad_b", 1)), 2)
                                         grad_w0..3 grad_b0 grad_w4..7 grad_b1   (per filter)

The trace's Layout (layout.py) places these blocks in the step's order and alone answers where an
event is (`index`) and what is at an index (`address`); nothing else knows the order. The module
also writes each event: `event(c, kind, k, s, u)` builds the event of kind `kind`, unit u, of
layer k + 1 and sample s (the δ block's ∂L/∂a and δ, and the updates, are written by
trace_delta.py and trace_update.py for every layer type). The drawing reads an event's number
without writing it (`Trace.value`): the kinds above are read from the step's arrays; a module
with kinds of its own adds `value(c, kind, k, s, u)` (else the event is written to read it).
"""

from __future__ import annotations

from typing import NamedTuple


class Block(NamedTuple):
    """`groups` repetitions of `pattern`, a tuple of (kind, count) runs."""

    pattern: tuple[tuple[str, int], ...]
    groups: int = 1

    @property
    def width(self) -> int:
        """Events in one repetition of the pattern."""
        return sum(n for _, n in self.pattern)

    @property
    def size(self) -> int:
        return self.groups * self.width


class Declared(NamedTuple):
    """A layer's event blocks, from its module's `events(d, masked)`."""

    forward: tuple[Block, ...] = ()  # per sample
    delta: tuple[Block, ...] = ()  # per sample, the backward pass through the layer
    grads: tuple[Block, ...] = ()  # per batch
    updates: tuple[Block, ...] = ()  # per batch
    # per batch, before its per-sample forward blocks (batch norm's μ and σ²): the forward then
    # runs every sample up to this layer first, the batch's blocks, then every sample on from it
    batch_forward: tuple[Block, ...] = ()


def run(kind: str, n: int) -> Block:
    """n events of one kind, unit 0 to n − 1."""
    return Block(((kind, n),))


def interleave(n: int, *kinds: str) -> Block:
    """Per unit, one event of each kind in turn (a then its dropout; ∂L/∂a then δ)."""
    return Block(tuple((k, 1) for k in kinds), n)
