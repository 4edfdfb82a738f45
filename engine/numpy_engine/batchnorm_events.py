"""The batch-norm layer's events, each with its formula and its numbers (see batchnorm.py).

Layer l normalises a[l−1] (its x) per channel c (a unit after a dense layer, a map after a conv):
forward μ[l][c] and σ²[l][c] for the batch (training mode; evaluation mode shows the running ones),
then per sample x̂[l][j], z[l][j] = γ·x̂ + β and a[l][j] = g(z); backward per sample ∂L/∂a, δ =
∂L/∂z and ∂L/∂x̂, then for the batch ∂L/∂σ², ∂L/∂μ (training mode), ∂L/∂γ and ∂L/∂β; the layer
below reads ∂L/∂a[l−1] from `input_grad_event`.
"""

from __future__ import annotations

import numpy as np

from . import batchnorm as bn
from .fmt import joined_sum, num, par, shown
from .ids import unit_id
from .trace_events import MAX_TERMS, Event, StepArrays, where

_CACHE: dict[tuple[int, int], tuple] = {}  # (id of the step's arrays, k) -> (arrays, numbers)


def _numbers(c: StepArrays, k: int):
    """(x, γ, forward, backward) of layer k + 1 for this step's batch, computed once."""
    hit = _CACHE.get((id(c), k))
    if hit is not None and hit[0] is c:
        return hit[1]
    if len(_CACHE) > 16:
        _CACHE.clear()
    out = _compute(c, k)
    _CACHE[id(c), k] = (c, out)
    return out


def _compute(c: StepArrays, k: int):
    d, (gamma, beta) = c.model.layer(k), c.params[k]
    o = d.options
    x = c.fw.A[k]
    stats = None if o.train else bn.Stats(np.array(o.running_mean), np.array(o.running_var))
    f = bn.norm_forward(x, gamma, beta, o.eps, stats)
    g = bn.norm_backward(x, gamma, f, c.bw.delta[k], o.eps, o.train)
    return x, gamma, f, g


def read(c: StepArrays, kind: str, k: int, s: int | None) -> np.ndarray:
    """The array an event kind of this layer reads its value from (Trace.value)."""
    _, _, f, g = _numbers(c, k)
    per_sample = {"xhat": f.xhat, "dxhat": g.dxhat}
    if kind in per_sample:
        return per_sample[kind][s]
    return {"bn_mean": f.mean, "bn_var": f.var, "bn_dvar": g.dvar, "bn_dmean": g.dmean}[kind]


def _channel(d, j: int) -> int:
    return j if len(d.out_shape) == 1 else j // (d.out_shape[1] * d.out_shape[2])


def _cells(x: np.ndarray, ch: int) -> np.ndarray:
    """Every number of channel ch over the batch (and its map's cells), in order."""
    return x[:, ch].reshape(-1)


def _channel_nodes(c: StepArrays, k: int, ch: int) -> tuple[str, ...]:
    """The units of channel ch of layer k + 1 (a unit after a dense layer; a map's first cell)."""
    d = c.model.layer(k)
    return (unit_id(k + 1, d.out_shape, ch * (d.units // d.in_shape[0])),)


def _ev(c, phase, sym, formula, sub, value, nodes, s, kind, l, idx, note="") -> Event:
    return Event(phase, sym, formula, sub, float(value), tuple(nodes), (), s, c.step, note,
                 kind=kind, layer=l, index=idx)  # fmt: skip


def event(c: StepArrays, kind: str, k: int, s: int | None, u: int) -> Event:
    d, l = c.model.layer(k), k + 1
    o = d.options
    x, gamma, f, g = _numbers(c, k)
    row = c.rows[s] if s is not None else None
    if kind in ("bn_mean", "bn_var", "bn_dvar", "bn_dmean", "grad_w", "grad_b"):
        return _batch_event(c, kind, k, u, x, gamma, f, g)
    at, idx = where(l, d.out_shape, u)
    ch = _channel(d, u)
    xs, xh = x[s].reshape(-1)[u], f.xhat[s].reshape(-1)[u]
    node = (unit_id(l, d.out_shape, u),)
    if kind == "xhat":
        return _ev(
            c,
            "forward",
            f"x̂{at}",
            f"x̂{at} = (a[{l - 1}]{at[len(str(l)) + 2 :]} − μ[{l}][{ch}]) / √(σ²[{l}][{ch}] + ε)",
            f"({num(xs)} − {par(f.mean[ch])}) / √({num(f.var[ch])} + {num(o.eps)}) = {num(xh)}",
            xh,
            node + (unit_id(l - 1, d.in_shape, u),),
            row,
            kind,
            l,
            idx,
        )
    if kind == "z":
        z = c.fw.Z[k][s].reshape(-1)[u]
        return _ev(c, "forward", f"z{at}", f"z{at} = γ[{l}][{ch}]·x̂{at} + β[{l}][{ch}]",
                   f"{par(gamma[ch])}·{par(xh)} + {par(c.params[k][1][ch])} = {num(z)}", z,
                   node, row, kind, l, idx)  # fmt: skip
    if kind == "a":
        from .dense import a_event

        return a_event(c, s, k, u)
    dxh, dl = g.dxhat[s].reshape(-1)[u], c.bw.delta[k][s].reshape(-1)[u]  # kind "dxhat"
    return _ev(
        c,
        "backward",
        f"∂L/∂x̂{at}",
        f"∂L/∂x̂{at} = δ{at}·γ[{l}][{ch}]",
        f"{par(dl)}·{par(gamma[ch])} = {num(dxh)}",
        dxh,
        node,
        row,
        kind,
        l,
        idx,
    )


def _batch_event(c, kind, k, ch, x, gamma, f, g) -> Event:
    d, l, o = c.model.layer(k), k + 1, c.model.layer(k).options
    vals, m = _cells(x, ch), bn.count(x)
    over = "Σ over the batch" + (" and the map's cells" if len(d.in_shape) == 3 else "")
    x_sym = f"a[{l - 1}][{ch}]"
    if kind == "bn_mean":
        if not o.train:
            return _ev(c, "forward", f"μ[{l}][{ch}]", f"μ[{l}][{ch}] = running_mean[{l}][{ch}]",
                       f"{num(f.mean[ch])} (evaluation mode)", f.mean[ch], _channel_nodes(c, k, ch), None, kind, l, (ch,))  # fmt: skip
        terms = [par(vals[q]) for q in shown(len(vals), MAX_TERMS)]
        return _ev(c, "forward", f"μ[{l}][{ch}]", f"μ[{l}][{ch}] = (1/m)·Σ {x_sym}   ({over})",
                   f"({joined_sum(terms, MAX_TERMS, len(vals))}) / {m} = {num(f.mean[ch])}",
                   f.mean[ch], _channel_nodes(c, k, ch), None, kind, l, (ch,))  # fmt: skip
    if kind == "bn_var":
        if not o.train:
            return _ev(c, "forward", f"σ²[{l}][{ch}]", f"σ²[{l}][{ch}] = running_var[{l}][{ch}]",
                       f"{num(f.var[ch])} (evaluation mode)", f.var[ch], _channel_nodes(c, k, ch), None, kind, l, (ch,))  # fmt: skip
        terms = [f"{par(vals[q] - f.mean[ch])}²" for q in shown(len(vals), MAX_TERMS)]
        return _ev(c, "forward", f"σ²[{l}][{ch}]",
                   f"σ²[{l}][{ch}] = (1/m)·Σ ({x_sym} − μ[{l}][{ch}])²   ({over})",
                   f"({joined_sum(terms, MAX_TERMS, len(vals))}) / {m} = {num(f.var[ch])}",
                   f.var[ch], _channel_nodes(c, k, ch), None, kind, l, (ch,),
                   "biased (÷m) for normalising; the running variance takes m/(m − 1) of it")  # fmt: skip
    dxh = _cells(g.dxhat, ch)
    xmu = vals - f.mean[ch]
    here = _channel_nodes(c, k, ch)
    inv = 1 / np.sqrt(f.var[ch] + o.eps)
    if kind == "bn_dvar":
        return _ev(c, "backward", f"∂L/∂σ²[{l}][{ch}]",
                   f"∂L/∂σ²[{l}][{ch}] = Σ ∂L/∂x̂·({x_sym} − μ)·(−½)(σ² + ε)^(−3/2)",
                   f"{num(float(dxh @ xmu))}·(−½)·{par(inv**3)} = {num(g.dvar[ch])}",
                   g.dvar[ch], _channel_nodes(c, k, ch), None, kind, l, (ch,))  # fmt: skip
    if kind == "bn_dmean":
        return _ev(c, "backward", f"∂L/∂μ[{l}][{ch}]",
                   f"∂L/∂μ[{l}][{ch}] = Σ ∂L/∂x̂·(−1/√(σ² + ε)) + ∂L/∂σ²·Σ −2({x_sym} − μ)/m",
                   f"{num(float(dxh.sum()))}·{par(-inv)} + {par(g.dvar[ch])}·"
                   f"{par(float(-2 * xmu.sum() / m))} = {num(g.dmean[ch])}",
                   g.dmean[ch], _channel_nodes(c, k, ch), None, kind, l, (ch,), "The second term is 0: Σ(x − μ) = 0.")  # fmt: skip
    dy = _cells(c.bw.delta[k], ch)
    frozen = c.model.is_frozen(k, "weights" if kind == "grad_w" else "bias")
    note = "frozen: shown, not applied" if frozen else ""
    if kind == "grad_w":
        from .dense import regularized

        terms = [f"{par(dy[q])}·{par(_cells(f.xhat, ch)[q])}" for q in shown(len(dy), MAX_TERMS)]
        formula, sub, note = regularized(
            c,
            k,
            f"γ[{l}][{ch}]",
            (ch,),
            f"∂L/∂γ[{l}][{ch}] = Σ δ[{l}]·x̂[{l}]",
            f"{joined_sum(terms, MAX_TERMS, len(dy))} = {num(g.dgamma[ch])}",
        )  # γ is a weight: L1 and L2 reach it (β, like a bias, is left alone)
        return _ev(c, "backward", f"∂L/∂γ[{l}][{ch}]", formula, sub, c.bw.grads[k][0][ch], here,
                   None, kind, l, (ch,), note)  # fmt: skip
    terms = [par(dy[q]) for q in shown(len(dy), MAX_TERMS)]
    return _ev(c, "backward", f"∂L/∂β[{l}][{ch}]", f"∂L/∂β[{l}][{ch}] = Σ δ[{l}]",
               f"{joined_sum(terms, MAX_TERMS, len(dy))} = {num(g.dbeta[ch])}",
               c.bw.grads[k][1][ch], _channel_nodes(c, k, ch), None, kind, l, (ch,), note)  # fmt: skip


def input_grad_event(c: StepArrays, kn: int, k: int, s: int, i: int) -> Event:
    """∂L/∂a[l−1] of unit i, as the batch norm of layer kn + 1 sends it back (the graph's three
    paths: through x̂, through σ², through μ)."""
    d, ln, l = c.model.layer(kn), kn + 1, k + 1
    x, _, f, g = _numbers(c, kn)
    o, m = d.options, bn.count(x)
    ch = _channel(d, i)
    at, idx = where(l, d.in_shape, i)
    inv = 1 / np.sqrt(f.var[ch] + o.eps)
    dxh, xmu = g.dxhat[s].reshape(-1)[i], x[s].reshape(-1)[i] - f.mean[ch]
    da = c.da(k)[s].reshape(-1)[i]
    if not o.train:
        xh_at = where(ln, d.out_shape, i)[0]
        formula = f"∂L/∂a{at} = ∂L/∂x̂{xh_at}·1/√(σ²[{ln}][{ch}] + ε)"
        sub = f"{par(dxh)}·{par(inv)} = {num(da)}"
    else:
        xh_at = where(ln, d.out_shape, i)[0]
        formula = (f"∂L/∂a{at} = ∂L/∂x̂{xh_at}/√(σ² + ε) + ∂L/∂σ²[{ln}][{ch}]·2(a{at} − μ)/m"
                   f" + ∂L/∂μ[{ln}][{ch}]/m")  # fmt: skip
        sub = (f"{par(dxh)}·{par(inv)} + {par(g.dvar[ch])}·2·{par(xmu)}/{m} + "
               f"{par(g.dmean[ch])}/{m} = {num(da)}")  # fmt: skip
    nodes = (unit_id(l, d.in_shape, i), unit_id(ln, d.out_shape, i))
    return _ev(c, "backward", f"∂L/∂a{at}", formula, sub, da, nodes, c.rows[s], "da", l, idx)
