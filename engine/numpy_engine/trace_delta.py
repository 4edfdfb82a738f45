"""The δ block of a layer's backward events (each layer module declares it: dense and conv per
sample and unit ∂L/∂a then δ = ∂L/∂z; pooling ∂L/∂a only), written for every layer type.

∂L/∂a of a unit is written by the layer it feeds (its `input_grad_event`: dense Σ w·δ, conv Σ over
the positions its filter covered the cell, max-pool routed to the winner, average-pool spread
evenly); a flatten in between only renumbers.
"""

from __future__ import annotations

from .activations import get_activation
from .fmt import num, par
from .ids import LOSS, unit_id
from .losses import get_loss
from .trace_events import Event, StepArrays, where


def da_event(c: StepArrays, k: int, s: int, j: int) -> Event:
    m = c.model
    if k < m.depth - 1:
        kn = k + 1 + m.layer(k + 1).type.reshapes  # a flatten between only renumbers
        return m.layer(kn).type.module.input_grad_event(c, kn, k, s, j)
    l = k + 1
    da = c.bw.dA[k][s, j]
    loss = get_loss(m.loss)
    n, outputs = c.Y.shape  # the batch's samples and the outputs: the formula divides by them
    per_output = loss.normaliser(1, 2) != loss.normaliser(1, 1)  # n·K, or n alone
    sizes = f", n = {n}" + (f", K = {outputs}" if per_output else "")
    return Event(
        "backward",
        f"∂L/∂a[{l}][{j}]",
        loss.grad_formula,
        f"with a = {num(c.fw.A[-1][s, j])}, y = {num(c.Y[s, j])}{sizes}: {num(da)}",
        float(da),
        (unit_id(l, (m.sizes[-1],), j), LOSS),
        (),
        c.rows[s],
        c.step,
        kind="da",
        layer=l,
        index=(j,),
    )


def delta_event(c: StepArrays, k: int, s: int, j: int) -> Event:
    l, m = k + 1, c.model
    shape = m.layer(k).out_shape
    at, idx = where(l, shape, j)
    act, loss = get_activation(m.activations[k]), get_loss(m.loss)
    da, d = c.bw.dA[k][s].reshape(-1)[j], c.bw.delta[k][s].reshape(-1)[j]
    mask = c.fw.masks[k]
    mtxt = f"·{int(mask[s, j])}/(1 − {num(m.drop(k))})" if mask is not None else ""
    if k == m.depth - 1 and m.combined_output():
        formula = f"δ{at} = ∂L/∂z{at} = (a − y)/N  ({act.symbol} + {loss.name})"
        norm = loss.normaliser(*c.fw.A[-1].shape)
        sub = f"({num(c.fw.A[-1][s, j])} − {num(c.Y[s, j])}) / {num(norm)} = {num(d)}"
        note = (
            "The combined gradient: the derivatives of the loss and of the output "
            "activation multiply out to a − y, divided by N as the loss is a mean."
        )
    elif not act.elementwise:
        formula = f"δ{at} = a{at}·(∂L/∂a{at} − Σ_k ∂L/∂a[{l}][k]·a[{l}][k])"
        sub = f"= {num(d)}"
        note = "Softmax couples its outputs: each δ depends on every ∂L/∂a."
    else:
        gp = c.gprime(k)[s].reshape(-1)[j]
        formula = f"δ{at} = ∂L/∂a{at}{'·m/(1−p)' if mtxt else ''}·{act.symbol}'(z{at})"
        sub = f"{par(da)}{mtxt}·{par(gp)} = {num(d)}"
        note = act.note if act.name == "step" else ""
    return Event(
        "backward",
        f"δ{at}",
        formula,
        sub,
        float(d),
        (unit_id(l, shape, j),),
        (),
        c.rows[s],
        c.step,
        note,
        kind="delta",
        layer=l,
        index=idx,
    )
