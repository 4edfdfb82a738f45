"""Flatten: the maps (C, H, W) become one vector of C·H·W units, channel by channel, row by row.

No arithmetic: the forward is a reshape, the backward the reverse reshape. One event per sample
says what happened; the dense layer after it writes ∂L/∂a of the maps' cells directly (its
`input_grad_event`, with the flattened position named), so a flatten has no backward events.
"""

from __future__ import annotations

import numpy as np

from .blocks import Declared, run
from .fmt import num
from .ids import node
from .layer_def import LayerDef
from .trace_events import Event, StepArrays


def forward(d: LayerDef, W, b, x: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), -1)  # (n, C, H, W) -> (n, C·H·W)


def backward(d: LayerDef, W, x: np.ndarray, delta: np.ndarray, need_dx: bool):
    empty = np.zeros(0, dtype=x.dtype)
    return empty, empty, delta.reshape(len(x), *d.in_shape) if need_dx else None


def events(d: LayerDef, masked: bool) -> Declared:
    """One forward event per sample; nothing else (the dense layer after it writes ∂L/∂a)."""
    return Declared(forward=(run("flatten", 1),))


def event(c: StepArrays, kind: str, k: int, s: int | None, u: int) -> Event:
    return fw_event(c, s, k, u)


def fw_event(c: StepArrays, s: int, k: int, r: int) -> Event:
    l, d = k + 1, c.model.layer(k)
    ch, h, w = d.in_shape
    first = float(c.fw.A[l][s, 0])
    # one event for the whole vector: its value is the vector's first entry, and says so
    return Event(
        "forward",
        f"a[{l}][0]",
        f"a[{l}] = flatten(a[{k}]): a[{l}][(c·{h} + y)·{w} + x] = a[{k}][c][y][x]",
        f"{ch}×{h}×{w} maps → {d.units} values;  the first: a[{l}][0] = a[{k}][0][0][0] = "
        f"{num(first)}",
        first,
        tuple(node(l, j) for j in range(min(d.units, 16))),
        (),
        c.rows[s],
        c.step,
        "no arithmetic: the maps are laid out as one vector, channel by channel, row by row",
        kind="flatten",
        layer=l,
        index=(),
    )
