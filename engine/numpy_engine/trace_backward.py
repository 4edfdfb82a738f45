"""The backward and update events of a step, one event per call (see trace_events.py)."""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .fmt import joined_sum, num, par, shown
from .losses import get_loss
from .optimizers import get_optimizer
from .trace_events import MAX_TERMS, Event, StepArrays, bias_id, edge, node


# ---- backward: per sample and unit, ∂L/∂a then δ ----
def da_event(c: StepArrays, k: int, s: int, j: int) -> Event:
    l, m = k + 1, c.model
    da = c.bw.dA[k][s, j]
    if k == m.depth - 1:
        sub = f"with a = {num(c.fw.A[-1][s, j])}, y = {num(c.Y[s, j])}: {num(da)}"
        formula, nodes, edges = get_loss(m.loss).grad_formula, (node(l, j), "loss"), ()
    else:
        Wn = c.params[k + 1][0]
        kids = range(Wn.shape[0])
        terms = [
            f"{par(Wn[q, j])}·{par(c.bw.delta[k + 1][s, q])}" for q in shown(len(kids), MAX_TERMS)
        ]
        formula = f"∂L/∂a[{l}][{j}] = Σ_k w[{l + 1}][k][{j}]·δ[{l + 1}][k]"
        sub = f"{joined_sum(terms, MAX_TERMS, len(kids))} = {num(da)}"
        nodes = (node(l, j), *(node(l + 1, q) for q in kids))
        edges = tuple(edge(l + 1, q, j) for q in kids)
    return Event(
        "backward", f"∂L/∂a[{l}][{j}]", formula, sub, float(da), nodes, edges, c.rows[s], c.step
    )


def delta_event(c: StepArrays, k: int, s: int, j: int) -> Event:
    l, m = k + 1, c.model
    act, loss = get_activation(m.activations[k]), get_loss(m.loss)
    da, d = c.bw.dA[k][s, j], c.bw.delta[k][s, j]
    mask = c.fw.masks[k]
    mtxt = f"·{int(mask[s, j])}/(1 − {num(m.drop(k))})" if mask is not None else ""
    if k == m.depth - 1 and m.combined_output():
        formula = f"δ[{l}][{j}] = ∂L/∂z[{l}][{j}] = (a − y)/N  ({act.symbol} + {loss.name})"
        norm = loss.normaliser(*c.fw.A[-1].shape)
        sub = f"({num(c.fw.A[-1][s, j])} − {num(c.Y[s, j])}) / {num(norm)} = {num(d)}"
        note = (
            "The combined gradient: the derivative of the loss and of the output "
            "activation multiply out to a − y."
        )
    elif not act.elementwise:
        formula = f"δ[{l}][{j}] = a[{l}][{j}]·(∂L/∂a[{l}][{j}] − Σ_k ∂L/∂a[{l}][k]·a[{l}][k])"
        sub = f"= {num(d)}"
        note = "Softmax couples its outputs: each δ depends on every ∂L/∂a."
    else:
        gp = c.gprime(k)[s, j]
        formula = (
            f"δ[{l}][{j}] = ∂L/∂a[{l}][{j}]{'·m/(1−p)' if mtxt else ''}·{act.symbol}'(z[{l}][{j}])"
        )
        sub = f"{par(da)}{mtxt}·{par(gp)} = {num(d)}"
        note = act.note if act.name == "step" else ""
    return Event(
        "backward",
        f"δ[{l}][{j}]",
        formula,
        sub,
        float(d),
        (node(l, j),),
        (),
        c.rows[s],
        c.step,
        note,
    )


# ---- backward: per weight, then the unit's bias ----
def _single(c: StepArrays, k: int) -> bool:
    m = c.model
    act = get_activation(m.activations[k])
    return len(c.rows) == 1 and act.elementwise and not (k == m.depth - 1 and m.combined_output())


def grad_w_event(c: StepArrays, k: int, j: int, i: int) -> Event:
    l, m = k + 1, c.model
    W = c.params[k][0]
    gW = c.bw.grads[k][0]
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
    if m.l2:
        formula += f" + λ2·w[{l}][{j}][{i}]"
        sub += f" + {num(m.l2)}·{par(W[j, i])}"
    if m.l1:
        formula += f" + λ1·sign(w[{l}][{j}][{i}])"
        sub += f" + {num(m.l1)}·{par(np.sign(W[j, i]))}"
    if m.l1 or m.l2:
        sub += f" = {num(gW[j, i])}"
    note = (
        "frozen: the gradient is shown but the weight will not change"
        if m.is_frozen(k, "weights")
        else ""
    )
    if m.activations[k] == "step":
        note = (note + " " if note else "") + "zero: the step function blocks the gradient"
    return Event(
        "backward",
        f"∂L/∂w[{l}][{j}][{i}]",
        formula,
        sub,
        float(gW[j, i]),
        (node(l, j), node(l - 1, i)),
        (edge(l, j, i),),
        None,
        c.step,
        note,
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
    )


# ---- update ----
def update_event(c: StepArrays, k: int, part: str, idx: tuple[int, ...]) -> Event:
    l, m = k + 1, c.model
    opt = get_optimizer(m.optimizer.name)
    p = 0 if part == "weights" else 1
    old, new, g = c.params[k][p], c.new_params[k][p], c.bw.grads[k][p]
    s0, s1 = c.old_state[k][p], c.new_state[k][p]
    sym = f"w[{l}][{idx[0]}][{idx[1]}]" if part == "weights" else f"b[{l}][{idx[0]}]"
    eid = edge(l, *idx) if part == "weights" else bias_id(l, idx[0])
    x = {"w": float(old[idx]), "g": float(g[idx]), "new": float(new[idx])}
    for name in opt.state_names:
        x[f"{name}_old"] = float(s0[name][idx]) if name in s0 else 0.0
        x[name] = float(s1[name][idx]) if name in s1 else 0.0
    if m.is_frozen(k, part):
        return Event(
            "update",
            sym,
            f"{sym} frozen: not updated",
            f"stays {num(x['w'])} (gradient {num(x['g'])} ignored)",
            x["new"],
            (node(l, idx[0]),),
            (eid,),
            None,
            c.step,
            "frozen",
            x,
        )
    return Event(
        "update",
        sym,
        f"{opt.name}: {opt.formula}",
        opt.explain(m.optimizer, c.step, x),
        x["new"],
        (node(l, idx[0]),),
        (eid,),
        None,
        c.step,
        "",
        x,
    )
