"""The dense layer: Z = A W^T + b. Its forward beside its backward, its events and their count.

Events of layer l = k + 1, per sample: z of every unit, then a (and its dropout event) of every
unit. Backward (delta block, trace_delta.py): per sample and unit ∂L/∂a then δ. Gradients: per
unit, ∂L/∂w of each input weight, then ∂L/∂b. `input_grad_event` writes ∂L/∂a of a unit of the
layer below, as this layer sends it back: Σ_k w[l][k][i]·δ[l][k].
"""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .blocks import Block, Declared, interleave, run
from .fmt import LONG_SUM, joined_sum, largest, largest_note, largest_sum, num, par, shown
from .ids import bias_id, edge, node, unit_id
from .layer_def import LayerDef
from .trace_events import MAX_TERMS, Event, StepArrays, where


# ---- the maths ----
def forward(d: LayerDef, W: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    return x @ W.T + b  # (n, in) -> (n, out)


def forward_points(d: LayerDef, W: np.ndarray, b: np.ndarray, A: np.ndarray, shared: bool):
    """The forward at G points of parameter space at once (the loss landscape): W (G, out, in),
    b (G, out); A (n, in) when `shared` (the same input for every point) else (G, n, in)."""
    return A @ W.swapaxes(1, 2) + b[:, None, :]  # (G, n, out)


def backward(d: LayerDef, W: np.ndarray, x: np.ndarray, delta: np.ndarray, need_dx: bool):
    """(∂L/∂W (out, in), ∂L/∂b (out,), ∂L/∂x (n, in) or None) from δ (n, out)."""
    dx = delta @ W if need_dx else None
    return delta.T @ x, delta.sum(axis=0), dx


def param_shapes(d: LayerDef) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(W: (out, in), b: (out,))."""
    return (d.out_shape[0], d.in_shape[0]), (d.out_shape[0],)


# ---- the events, in order ----
def events(d: LayerDef, masked: bool) -> Declared:
    """Per sample: z of every unit, then a (and its dropout) of every unit; ∂L/∂a then δ per unit.
    Gradients unit by unit: ∂L/∂w of each input weight, then ∂L/∂b; updates: every weight in W's
    row order, then every bias."""
    n, n_in = d.units, d.in_shape[0]
    return Declared(
        forward=(run("z", n), interleave(n, "a", "dropout") if masked else run("a", n)),
        delta=(interleave(n, "da", "delta"),),
        grads=(Block((("grad_w", n_in), ("grad_b", 1)), n),),
        updates=(Block((("update_w", n * n_in), ("update_b", n))),),
    )


def event(c: StepArrays, kind: str, k: int, s: int | None, u: int) -> Event:
    """The event of this kind about unit u (a flat index, see blocks.py) of layer k + 1."""
    if kind == "z":
        return z_event(c, s, k, u)
    if kind == "a":
        return a_event(c, s, k, u)
    if kind == "dropout":
        return mask_event(c, s, k, u)
    if kind == "grad_w":
        return grad_w_event(c, k, *divmod(u, c.model.layer(k).in_shape[0]))
    return grad_b_event(c, k, u)


# ---- forward events ----
def z_event(c: StepArrays, s: int, k: int, j: int) -> Event:
    l = k + 1
    W, b = c.params[k]
    a_prev, z = c.fw.A[k][s], c.fw.Z[k][s]
    n_in = W.shape[1]
    top, rest = largest(W[j] * a_prev, MAX_TERMS)
    if n_in > LONG_SUM:  # the symbols of the very terms the numbers below write, in their order
        terms_sym = [f"w[{l}][{j}][{i}]·a[{l - 1}][{i}]" for i in top]
        sym = " + ".join(terms_sym) + f" + … ({n_in - len(top)} more terms) + b[{l}][{j}]"
    else:
        terms_sym = [f"w[{l}][{j}][{i}]·a[{l - 1}][{i}]" for i in range(min(n_in, 3))]
        sym = " + ".join(terms_sym) + (" + …" if n_in > 3 else "") + f" + b[{l}][{j}]"
    terms = [f"{par(W[j, i])}·{par(a_prev[i])}" for i in top]
    prev = c.model.layer(k).in_shape
    return Event(
        "forward",
        f"z[{l}][{j}]",
        f"z[{l}][{j}] = {sym}",
        f"{largest_sum(terms, n_in, rest)} + {par(b[j])} = {num(z[j])}",
        float(z[j]),
        (node(l, j), *(unit_id(l - 1, prev, i) for i in range(n_in))),
        (*(edge(l, j, i) for i in range(n_in)), bias_id(l, j)),
        c.rows[s],
        c.step,
        largest_note(len(top), n_in, f"w[{l}][{j}][i]·a[{l - 1}][i]", rest),
        _terms(top, W[j], a_prev, rest, n_in),
        kind="z",
        layer=l,
        index=(j,),
    )


def _terms(top: list[int], left: np.ndarray, right: np.ndarray, rest: float, total: int) -> dict:
    """The event's detail for a long sum of left·right: its largest terms (index, term, left,
    right), largest first, and the sum and count of the rest."""
    if total <= LONG_SUM:
        return {}
    terms = [(i, float(left[i] * right[i]), float(left[i]), float(right[i])) for i in top]
    return {"terms": terms, "rest": rest, "rest_count": total - len(top)}


def a_event(c: StepArrays, s: int, k: int, j: int) -> Event:
    """a = g(z) of unit j (flat index) of a dense or conv layer."""
    l, d = k + 1, c.model.layer(k)
    act = get_activation(c.model.activations[k])
    z, g = c.fw.Z[k][s].reshape(-1), c.fw.G[k][s].reshape(-1)
    at, idx = where(l, d.out_shape, j)
    if act.name == "softmax":
        den = joined_sum([f"e^{par(z[q])}" for q in shown(len(z), MAX_TERMS)], MAX_TERMS, len(z))
        sub = f"e^{par(z[j])} / ({den}) = {num(g[j])}"
        formula = f"a{at} = e^(z{at}) / Σ_k e^(z[{l}][k])"
    else:
        sub = f"{act.symbol}({num(z[j])}) = {num(g[j])}"
        formula = f"a{at} = {act.symbol}(z{at})"
    note = act.note if act.name == "step" else ""
    return Event(
        "forward",
        f"a{at}",
        formula,
        sub,
        float(g[j]),
        (unit_id(l, d.out_shape, j),),
        (),
        c.rows[s],
        c.step,
        note,
        kind="a",
        layer=l,
        index=idx,
    )


def mask_event(c: StepArrays, s: int, k: int, j: int) -> Event:
    l = k + 1
    m, p, g = c.fw.masks[k][s, j], c.model.drop(k), c.fw.G[k][s, j]
    return Event(
        "forward",
        f"a[{l}][{j}]",
        f"a[{l}][{j}] ← a·m/(1 − p), m ~ Bernoulli(1 − p)",
        f"{num(g)}·{int(m)}/(1 − {num(p)}) = {num(c.fw.A[l][s, j])}",
        float(c.fw.A[l][s, j]),
        (node(l, j),),
        (),
        c.rows[s],
        c.step,
        "dropped" if m == 0 else "kept (scaled up)",
        {"mask": int(m)},
        kind="dropout",
        layer=l,
        index=(j,),
    )


# ---- backward events ----
def input_grad_event(c: StepArrays, kn: int, k: int, s: int, i: int) -> Event:
    """∂L/∂a of unit i (flat) of layer k+1, sent back by this dense layer kn (flatten between)."""
    l, ln = k + 1, kn + 1
    shape = c.model.layer(k).out_shape
    at, idx = where(l, shape, i)
    Wn = c.params[kn][0]
    da = c.da(k)[s].reshape(-1)[i]
    kids = range(Wn.shape[0])
    parts = Wn[:, i] * c.bw.delta[kn][s]
    top, rest = largest(parts, MAX_TERMS)
    terms = [f"{par(Wn[q, i])}·{par(c.bw.delta[kn][s, q])}" for q in top]
    via = f"  (flattened: position {i})" if len(shape) > 1 else ""
    return Event(
        "backward",
        f"∂L/∂a{at}",
        f"∂L/∂a{at} = Σ_k w[{ln}][k][{i}]·δ[{ln}][k]{via}",
        f"{largest_sum(terms, len(kids), rest)} = {num(da)}",
        float(da),
        (unit_id(l, shape, i), *(node(ln, q) for q in kids)),
        tuple(edge(ln, q, i) for q in kids),
        c.rows[s],
        c.step,
        largest_note(len(top), len(kids), f"w[{ln}][k][{i}]·δ[{ln}][k]", rest),
        _terms(top, Wn[:, i], c.bw.delta[kn][s], rest, len(kids)),
        kind="da",
        layer=l,
        index=idx,
    )


def _single(c: StepArrays, k: int) -> bool:
    m = c.model
    act = get_activation(m.activations[k])
    return len(c.rows) == 1 and act.elementwise and not (k == m.depth - 1 and m.combined_output())


def regularized(c: StepArrays, k: int, sym: str, idx, formula: str, sub: str):
    """The formula and substituted text with the weight's regularization terms added."""
    m, W, gW = c.model, c.params[k][0], c.bw.grads[k][0]
    if m.l2:
        formula += f" + λ2·{sym}"
        sub += f" + {num(m.l2)}·{par(W[idx])}"
    if m.l1:
        formula += f" + λ1·sign({sym})"
        sub += f" + {num(m.l1)}·{par(np.sign(W[idx]))}"
    if m.l1 or m.l2:
        sub += f" = {num(gW[idx])}"
    note = (
        "frozen: the gradient is shown but the weight will not change"
        if m.is_frozen(k, "weights")
        else ""
    )
    if m.activations[k] == "step":
        note = (note + " " if note else "") + "zero: the step function blocks the gradient"
    return formula, sub, note


def grad_w_event(c: StepArrays, k: int, j: int, i: int) -> Event:
    l, m = k + 1, c.model
    fw, bw, n = c.fw, c.bw, len(c.rows)
    if _single(c, k):
        drop = fw.masks[k][0, j] / (1 - m.drop(k)) if fw.masks[k] is not None else 1.0
        dadz = c.gprime(k)[0, j] * drop
        formula = (
            f"∂L/∂w[{l}][{j}][{i}] = ∂L/∂a[{l}][{j}]·∂a[{l}][{j}]/∂z[{l}][{j}]·"
            f"∂z[{l}][{j}]/∂w[{l}][{j}][{i}]"
        )
        raw = bw.dA[k][0, j] * dadz * fw.A[k][0, i]
        sub = f"{par(bw.dA[k][0, j])}·{par(dadz)}·{par(fw.A[k][0, i])} = {num(raw)}"
    else:
        formula = f"∂L/∂w[{l}][{j}][{i}] = Σ_s δ[{l}][{j}]·a[{l - 1}][{i}]"
        terms = [f"{par(bw.delta[k][s, j])}·{par(fw.A[k][s, i])}" for s in shown(n, MAX_TERMS)]
        raw = float(bw.delta[k][:, j] @ fw.A[k][:, i])
        sub = f"{joined_sum(terms, MAX_TERMS, n)} = {num(raw)}"
    formula, sub, note = regularized(c, k, f"w[{l}][{j}][{i}]", (j, i), formula, sub)
    read = (unit_id(l - 1, m.layer(k).in_shape, i),)
    if k and m.layer(k - 1).type.reshapes:  # a[l−1][i] is a cell of the maps it flattened
        read += (unit_id(l - 2, m.layer(k - 1).in_shape, i),)
    return Event(
        "backward",
        f"∂L/∂w[{l}][{j}][{i}]",
        formula,
        sub,
        float(bw.grads[k][0][j, i]),
        (node(l, j), *read),
        (edge(l, j, i),),
        None,
        c.step,
        note,
        kind="grad_w",
        layer=l,
        index=(j, i),
    )


def grad_b_event(c: StepArrays, k: int, j: int) -> Event:
    l, n = k + 1, len(c.rows)
    gb = c.bw.grads[k][1]
    terms = [par(c.bw.delta[k][s, j]) for s in shown(n, MAX_TERMS)]
    return Event(
        "backward",
        f"∂L/∂b[{l}][{j}]",
        f"∂L/∂b[{l}][{j}] = Σ_s δ[{l}][{j}]",
        f"{joined_sum(terms, MAX_TERMS, n)} = {num(gb[j])}",
        float(gb[j]),
        (node(l, j),),
        (bias_id(l, j),),
        None,
        c.step,
        "frozen: shown, not applied" if c.model.is_frozen(k, "bias") else "",
        kind="grad_b",
        layer=l,
        index=(j,),
    )
