"""Max and average pooling: forward beside backward, events and their count.

Max: a[c][y][x] = max of its window; the gradient goes to the winner only (the first maximum in
row order, as torch's max_pool2d), the other cells of the window get 0: they did not affect the
output. Average: the mean of the window; the gradient is spread evenly, δ/(kh·kw) to each cell.
Events of layer l, per sample: one per output cell. Backward: ∂L/∂a of each output cell (δ = ∂L/∂a,
pooling has no activation); no parameters, so no gradient or update events.
"""

from __future__ import annotations

import numpy as np

from . import conv
from .blocks import Declared, run
from .fmt import joined_sum, num, par
from .ids import cell
from .layer_def import LayerDef
from .trace_events import Event, StepArrays, where


# ---- the maths ----
def windows(d: LayerDef, x: np.ndarray) -> np.ndarray:
    """(n, C, H, W) -> (n, C, OH, OW, kh·kw), each window's cells in row order."""
    v = conv.windows(d, x)  # the same receptive fields (a pooling layer has no padding)
    return v.reshape(*v.shape[:4], -1)


def winners(d: LayerDef, x: np.ndarray) -> np.ndarray:
    """The index (row order, 0..kh·kw−1) of each window's first maximum: (n, C, OH, OW)."""
    return windows(d, x).argmax(axis=-1)


def forward(d: LayerDef, W, b, x: np.ndarray) -> np.ndarray:
    win = windows(d, x)
    return win.max(axis=-1) if d.kind == "maxpool" else win.mean(axis=-1)


def backward(d: LayerDef, W, x: np.ndarray, delta: np.ndarray, need_dx: bool):
    empty = np.zeros(0, dtype=x.dtype)
    if not need_dx:
        return empty, empty, None
    s, (kh, kw) = d.stride, d.kernel
    _, oh, ow = d.out_shape
    dx = np.zeros_like(x)
    win = winners(d, x) if d.kind == "maxpool" else None
    for i in range(kh):
        for j in range(kw):
            share = delta * (win == i * kw + j) if win is not None else delta / (kh * kw)
            dx[:, :, i : i + s * oh : s, j : j + s * ow : s] += share
    return empty, empty, dx


# ---- the events, in order ----
def events(d: LayerDef, masked: bool) -> Declared:
    """Per sample: one event per output cell; ∂L/∂a of each (δ = ∂L/∂a: no activation). No
    parameters, so no gradient or update events."""
    return Declared(forward=(run("pool", d.units),), delta=(run("da", d.units),))


def event(c: StepArrays, kind: str, k: int, s: int | None, u: int) -> Event:
    return fw_event(c, s, k, u)


# ---- events ----
def _window(d: LayerDef, y: int, x: int) -> list[tuple[int, int]]:
    (kh, kw), s = d.kernel, d.stride
    return [(y * s + i, x * s + j) for i in range(kh) for j in range(kw)]


def window_at(c: StepArrays, k: int, s: int, ch: int, y: int, x: int):
    """(top, left, winner) of output cell (ch, y, x) of layer k + 1 for sample s: the window's
    corner on the input and, for a max-pool, the (row, column) of its first maximum (None for an
    average), as its forward event says, without writing the event."""
    d = c.model.layer(k)
    cells = _window(d, y, x)
    if d.kind != "maxpool":
        return (*cells[0], None)
    a_in = c.fw.A[k][s, ch]
    return (*cells[0], cells[int(np.argmax([a_in[p, q] for p, q in cells]))])


def fw_event(c: StepArrays, s: int, k: int, r: int) -> Event:
    l, d = k + 1, c.model.layer(k)
    ch, y, x = (int(v) for v in np.unravel_index(r, d.out_shape))
    a_in, out = c.fw.A[k][s, ch], float(c.fw.Z[k][s, ch, y, x])
    cells = _window(d, y, x)
    vals = [a_in[p, q] for p, q in cells]
    names = ", ".join(f"a[{k}][{ch}][{p}][{q}]" for p, q in cells)
    at = f"[{l}][{ch}][{y}][{x}]"
    if d.kind == "maxpool":
        w = int(np.argmax(vals))
        first = [cells[w], *(cq for q, cq in enumerate(cells) if q != w)]
        formula, sub = (
            f"a{at} = max({names})",
            f"max({', '.join(num(v) for v in vals)}) = {num(out)}",
        )
        note = (
            f"the winner is a[{k}][{ch}][{cells[w][0]}][{cells[w][1]}]; only it will get a gradient"
        )
        detail = {"winner": list(cells[w])}
    else:
        first = cells
        formula = (
            f"a{at} = ({' + '.join(f'a[{k}][{ch}][{p}][{q}]' for p, q in cells)}) / {len(cells)}"
        )
        sub = f"({joined_sum([par(v) for v in vals], 16)}) / {len(cells)} = {num(out)}"
        note, detail = "the mean of the window", {}
    return Event(
        "forward",
        f"a{at}",
        formula,
        sub,
        out,
        (cell(l, ch, y, x), *(cell(k, ch, p, q) for p, q in first)),
        (),
        c.rows[s],
        c.step,
        note,
        {**detail, "top": cells[0][0], "left": cells[0][1]},
        kind="pool",
        layer=l,
        index=(ch, y, x),
    )


def input_grad_event(c: StepArrays, kn: int, k: int, s: int, i: int) -> Event:
    """∂L/∂a of cell i of the pool's input: routed to the winner (max), or spread (average)."""
    d, l, ln = c.model.layer(kn), k + 1, kn + 1
    at, (ch, y, x) = where(l, d.in_shape, i)
    _, oh, ow = d.out_shape
    delta, a_in = c.bw.delta[kn][s, ch], c.fw.A[kn][s, ch]
    parts, nums, cells, why = [], [], [], []
    for oy in range(oh):
        for ox in range(ow):
            win = _window(d, oy, ox)
            if (y, x) not in win:
                continue
            cells.append(cell(ln, ch, oy, ox))
            dname = f"δ[{ln}][{ch}][{oy}][{ox}]"
            if d.kind == "avgpool":
                parts.append(f"{dname}/{len(win)}")
                nums.append(f"{par(delta[oy, ox])}/{len(win)}")
                continue
            wy, wx = win[int(np.argmax([a_in[p, q] for p, q in win]))]
            if (wy, wx) == (y, x):
                parts.append(dname)
                nums.append(par(delta[oy, ox]))
                why.append(f"the max of window ({oy},{ox}): it gets δ = {num(delta[oy, ox])}")
            else:
                why.append(
                    f"not the max of window ({oy},{ox}) ({num(a_in[y, x])} < "
                    f"{num(a_in[wy, wx])} at ({wy},{wx})): it gets 0"
                )
    da = float(c.da(k)[s].reshape(-1)[i])
    if not cells:
        why.append("in no pooling window: it gets 0")
    rule = "routed to the winner of each window" if d.kind == "maxpool" else "spread evenly"
    return Event(
        "backward",
        f"∂L/∂a{at}",
        f"∂L/∂a{at} = {' + '.join(parts) if parts else '0'}  ({rule})",
        f"{' + '.join(nums)} = {num(da)}" if nums else num(da),
        da,
        (cell(l, ch, y, x), *cells),
        (),
        c.rows[s],
        c.step,
        "; ".join(why) if d.kind == "maxpool" else "each cell of a window gets an equal share",
        {"pool": d.kind},
        kind="da",
        layer=l,
        index=(ch, y, x),
    )
