"""The convolution layer (cross-correlation, as torch's conv2d): its forward beside its backward,
its events and their count.

z[f][y][x] = Σ_c Σ_i Σ_j w[f][c][i][j]·a[c][y·s+i−p][x·s+j−p] + b[f]  (zeros outside the image).
Events of layer l = k + 1, per sample: z of every output cell (filter by filter, row by row), then
a of every cell. Gradients: per filter, ∂L/∂w of each weight (channel, row, column), then ∂L/∂b.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .blocks import Block, Declared, interleave, run
from .dense import a_event, regularized
from .fmt import joined_sum, num, par, shown
from .ids import cell, kernel, kernel_bias
from .layer_def import LayerDef
from .trace_events import MAX_TERMS, Event, StepArrays, where

SHOWN_TERMS = 12  # a 2×2 or 3×3 filter's products are written out in full


# ---- the maths ----
def windows(d: LayerDef, x: np.ndarray) -> np.ndarray:
    """Every receptive field, as a strided view: (n, C, H, W) -> (n, C, OH, OW, kh, kw)."""
    p, s = d.padding, d.stride
    if p:
        x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    v = sliding_window_view(x, d.kernel, axis=(2, 3))
    _, oh, ow = d.out_shape
    return v[:, :, ::s, ::s][:, :, :oh, :ow]


def forward(d: LayerDef, W: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    z = np.einsum("nchwij,kcij->nkhw", windows(d, x), W, optimize=True)  # (n, K, OH, OW)
    return z + b[:, None, None]


def forward_points(d: LayerDef, W: np.ndarray, b: np.ndarray, A: np.ndarray, shared: bool):
    """The forward at G points of parameter space at once (the loss landscape): W (G, K, C, kh,
    kw), b (G, K); A (n, C, H, W) when `shared` (the same input for every point) else (G, n, …)."""
    if shared:
        z = np.einsum("nchwij,gkcij->gnkhw", windows(d, A), W, optimize=True)
    else:
        g, n = A.shape[:2]
        win = windows(d, A.reshape(g * n, *A.shape[2:]))
        win = win.reshape(g, n, *win.shape[1:])
        z = np.einsum("gnchwij,gkcij->gnkhw", win, W, optimize=True)
    return z + b[:, None, :, None, None]


def backward(d: LayerDef, W: np.ndarray, x: np.ndarray, delta: np.ndarray, need_dx: bool):
    """(∂L/∂W (K, C, kh, kw), ∂L/∂b (K,), ∂L/∂x (n, C, H, W) or None) from δ (n, K, OH, OW)."""
    dW = np.einsum("nkhw,nchwij->kcij", delta, windows(d, x), optimize=True)
    db = delta.sum(axis=(0, 2, 3))
    if not need_dx:
        return dW, db, None
    n, (c, h, w), p, s = len(x), d.in_shape, d.padding, d.stride
    _, oh, ow = d.out_shape
    dxp = np.zeros((n, c, h + 2 * p, w + 2 * p), dtype=x.dtype)
    for i in range(d.kernel[0]):
        for j in range(d.kernel[1]):  # each filter tap sends δ back to the cells it read
            dxp[:, :, i : i + s * oh : s, j : j + s * ow : s] += np.einsum(
                "nkhw,kc->nchw", delta, W[:, :, i, j]
            )
    return dW, db, dxp[:, :, p : p + h, p : p + w]


def param_shapes(d: LayerDef) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(W: (K, C, kh, kw), b: (K,))."""
    return (d.out_shape[0], d.in_shape[0], *d.kernel), (d.out_shape[0],)


# ---- the events, in order ----
def events(d: LayerDef, masked: bool) -> Declared:
    """Per sample: z of every output cell (filter by filter, row by row), then a of every cell;
    ∂L/∂a then δ per cell. Gradients filter by filter: ∂L/∂w of each of its weights (channel,
    row, column), then ∂L/∂b; updates: every weight (W's order), then every bias."""
    n, n_f, per_f = d.units, d.out_shape[0], d.in_shape[0] * d.kernel[0] * d.kernel[1]
    return Declared(
        forward=(run("z", n), run("a", n)),
        delta=(interleave(n, "da", "delta"),),
        grads=(Block((("grad_w", per_f), ("grad_b", 1)), n_f),),
        updates=(Block((("update_w", n_f * per_f), ("update_b", n_f))),),
    )


def event(c: StepArrays, kind: str, k: int, s: int | None, u: int) -> Event:
    """The event of this kind about unit u (a flat index, see blocks.py) of layer k + 1."""
    if kind == "z":
        return z_event(c, s, k, u)
    if kind == "a":
        return a_event(c, s, k, u)
    if kind == "grad_w":
        d = c.model.layer(k)
        f, ch, i, j = np.unravel_index(u, (d.out_shape[0], d.in_shape[0], *d.kernel))
        return grad_w_event(c, k, int(f), int(ch), int(i), int(j))
    return grad_b_event(c, k, u)


# ---- names ----
def _in_name(c: StepArrays, k: int, ch: int, y: int, x: int) -> str:
    """The course's name of an input cell (a..l) when the file gives names, else a[l−1][c][y][x]."""
    m = c.model
    d = m.layer(k)
    if k == 0 and m.in_symbols:
        _, h, w = d.in_shape
        return m.in_symbols[(ch * h + y) * w + x]
    return f"a[{k}][{ch}][{y}][{x}]"


def _w_name(c: StepArrays, k: int, f: int, ch: int, i: int, j: int) -> str:
    d = c.model.layer(k)
    if d.symbols:
        kh, kw = d.kernel
        return d.symbols[((f * d.in_shape[0] + ch) * kh + i) * kw + j]
    return f"w[{k + 1}][{f}][{ch}][{i}][{j}]"


def _taps(d: LayerDef, y: int, x: int):
    """(c, i, j, row, col) of every product in output cell (y, x); row/col may be padding."""
    s, p = d.stride, d.padding
    for ch in range(d.in_shape[0]):
        for i in range(d.kernel[0]):
            for j in range(d.kernel[1]):
                yield ch, i, j, y * s + i - p, x * s + j - p


def _inside(d: LayerDef, r: int, q: int) -> bool:
    return 0 <= r < d.in_shape[1] and 0 <= q < d.in_shape[2]


# ---- forward events ----
def z_event(c: StepArrays, s: int, k: int, jf: int) -> Event:
    l, d = k + 1, c.model.layer(k)
    f, y, x = (int(v) for v in np.unravel_index(jf, d.out_shape))
    W, b = c.params[k]
    a_in, z = c.fw.A[k][s], c.fw.Z[k][s, f, y, x]
    taps = list(_taps(d, y, x))
    lim = max(MAX_TERMS, SHOWN_TERMS)
    written = shown(len(taps), lim)  # only the products the text writes out are formatted
    sym, terms, cells = [], [], []
    for n, (ch, i, j, r, q) in enumerate(taps):
        ok = _inside(d, r, q)
        if n in written:
            v = a_in[ch, r, q] if ok else 0.0
            sym.append(f"{_w_name(c, k, f, ch, i, j)}·{_in_name(c, k, ch, r, q) if ok else '0'}")
            terms.append(f"{par(W[f, ch, i, j])}·{par(v)}")
        if ok:
            cells.append(cell(k, ch, r, q))
    at = f"[{l}][{f}][{y}][{x}]"
    bname = "b" if d.symbols else f"b[{l}][{f}]"
    named = d.symbols or (k == 0 and c.model.in_symbols)
    # a 5×5 filter's 25 products: the symbolic sum written as a sum, the numbers as they are
    total = len(taps)
    sym_sum = _tap_sum(c, k, f, y, x) if total > lim and not named else joined_sum(sym, lim, total)
    return Event(
        "forward",
        f"z{at}",
        f"z{at} = {sym_sum} + {bname}",
        f"{joined_sum(terms, lim, total)} + {par(b[f])} = {num(z)}",
        float(z),
        (cell(l, f, y, x), *cells),
        (*(kernel(l, f, ch, i, j) for ch, i, j, _, _ in taps), kernel_bias(l, f)),
        c.rows[s],
        c.step,
        "the filter slides over the input: each output cell is one sum of products",
        {"filter": f, "top": y * d.stride - d.padding, "left": x * d.stride - d.padding},
        kind="z",
        layer=l,
        index=(f, y, x),
    )


def _tap_sum(c: StepArrays, k: int, f: int, y: int, x: int) -> str:
    """Σ_c Σ_i Σ_j w[l][f][c][i][j]·a[l−1][c][y0+i][x0+j], the window's corner written out."""
    d, l = c.model.layer(k), k + 1
    y0, x0 = y * d.stride - d.padding, x * d.stride - d.padding

    def at(o: int, v: str) -> str:
        return v if o == 0 else f"{o}+{v}" if o > 0 else f"{v}−{-o}"

    return f"Σ_c Σ_i Σ_j w[{l}][{f}][c][i][j]·a[{k}][c][{at(y0, 'i')}][{at(x0, 'j')}]"


# ---- backward events ----
def input_grad_event(c: StepArrays, kn: int, k: int, s: int, i: int) -> Event:
    """∂L/∂a of cell i (flat) of layer k+1 = Σ over every filter position that read it."""
    d, l, ln = c.model.layer(kn), k + 1, kn + 1
    at, (ch, y, x) = where(l, d.in_shape, i)
    W, delta = c.params[kn][0], c.bw.delta[kn][s]
    _, oh, ow = d.out_shape
    sym, terms, cells, edges = [], [], [], []
    for f in range(d.out_shape[0]):
        for oy in range(oh):
            ti = y + d.padding - oy * d.stride
            if not 0 <= ti < d.kernel[0]:
                continue
            for ox in range(ow):
                tj = x + d.padding - ox * d.stride
                if 0 <= tj < d.kernel[1]:
                    sym.append(f"w[{ln}][{f}][{ch}][{ti}][{tj}]·δ[{ln}][{f}][{oy}][{ox}]")
                    terms.append(f"{par(W[f, ch, ti, tj])}·{par(delta[f, oy, ox])}")
                    cells.append(cell(ln, f, oy, ox))
                    edges.append(kernel(ln, f, ch, ti, tj))
    da = c.da(k)[s].reshape(-1)[i]
    return Event(
        "backward",
        f"∂L/∂a{at}",
        f"∂L/∂a{at} = Σ over the filter positions that read it of w·δ[{ln}]"
        + (f": {joined_sum(sym, 4)}" if sym else ""),
        f"{joined_sum(terms, MAX_TERMS)} = {num(da)}",
        float(da),
        (cell(l, ch, y, x), *cells),
        tuple(edges),
        c.rows[s],
        c.step,
        "" if sym else "no filter position read this cell: its gradient is 0",
        kind="da",
        layer=l,
        index=(ch, y, x),
    )


def grad_w_event(c: StepArrays, k: int, f: int, ch: int, i: int, j: int) -> Event:
    l, d, n = k + 1, c.model.layer(k), len(c.rows)
    _, oh, ow = d.out_shape
    delta, A = c.bw.delta[k], c.fw.A[k]
    sym, terms, cells = [], [], []
    st, p = d.stride, d.padding
    for y in range(oh):
        for x in range(ow):
            r, q = y * st + i - p, x * st + j - p
            ok = _inside(d, r, q)
            if ok:
                cells.append(cell(k, ch, r, q))
            for s in range(n) if len(sym) < SHOWN_TERMS else ():
                if len(sym) < SHOWN_TERMS:
                    sym.append(f"δ[{l}][{f}][{y}][{x}]·{_in_name(c, k, ch, r, q) if ok else '0'}")
                    terms.append(f"{par(delta[s, f, y, x])}·{par(A[s, ch, r, q] if ok else 0.0)}")
    total = n * oh * ow
    wname = _w_name(c, k, f, ch, i, j)
    at = f"a[{k}][{ch}][y·{st}+{i - p}][x·{st}+{j - p}]".replace("·1+", "+").replace("+0]", "]")
    formula = f"∂L/∂{wname} = Σ_s Σ_y Σ_x δ[{l}][{f}][y][x]·{at}"
    if d.symbols or (k == 0 and c.model.in_symbols):
        formula = f"∂L/∂{wname} = {joined_sum(sym, SHOWN_TERMS, total)}"
    raw = float(np.einsum("nhw,nhw->", delta[:, f], _tap_map(d, A, ch, i, j)))  # Σ δ·a
    sub = f"{joined_sum(terms, SHOWN_TERMS, total)} = {num(raw)}"
    formula, sub, note = regularized(
        c, k, f"w[{l}][{f}][{ch}][{i}][{j}]", (f, ch, i, j), formula, sub
    )
    return Event(
        "backward",
        f"∂L/∂w[{l}][{f}][{ch}][{i}][{j}]",
        formula,
        sub,
        float(c.bw.grads[k][0][f, ch, i, j]),
        (*(cell(l, f, y, x) for y in range(oh) for x in range(ow)), *cells),
        (kernel(l, f, ch, i, j),),
        None,
        c.step,
        note or "one weight is used at every position, so its gradient sums over all of them",
        kind="grad_w",
        layer=l,
        index=(f, ch, i, j),
    )


def _tap_map(d: LayerDef, A: np.ndarray, ch: int, i: int, j: int) -> np.ndarray:
    """The input values filter tap (i, j) of channel ch read at each output cell: (n, OH, OW)."""
    return windows(d, A[:, ch : ch + 1])[:, 0, :, :, i, j]


def grad_b_event(c: StepArrays, k: int, f: int) -> Event:
    l = k + 1
    _, oh, ow = c.model.layer(k).out_shape
    flat = c.bw.delta[k][:, f].reshape(-1)
    gb = c.bw.grads[k][1][f]
    terms = [par(v) for v in flat[:MAX_TERMS]]
    return Event(
        "backward",
        f"∂L/∂b[{l}][{f}]",
        f"∂L/∂b[{l}][{f}] = Σ_s Σ_y Σ_x δ[{l}][{f}][y][x]",
        f"{joined_sum(terms, MAX_TERMS, flat.size)} = {num(gb)}",
        float(gb),
        tuple(cell(l, f, y, x) for y in range(oh) for x in range(ow)),
        (kernel_bias(l, f),),
        None,
        c.step,
        "frozen: shown, not applied" if c.model.is_frozen(k, "bias") else "",
        kind="grad_b",
        layer=l,
        index=(f,),
    )
