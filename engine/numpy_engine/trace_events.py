"""One event of a step, written from the arrays core.py computed (never recomputed), so what is
shown is what was used. Each maker builds exactly one event from its indices: the trace calls
only the makers of the events something reads, so a 500-unit layer costs nothing until shown.

Symbols use bracket indices that the GUI typesets: z[l][j], a[l][j], δ[l][j], w[l][j][i], b[l][j].
Ids the view highlights: node "n{l}_{j}" (layer 0 = inputs), edge "w{l}_{j}_{i}" (from unit i of
layer l−1 into unit j of layer l), bias "b{l}_{j}", and "loss".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .activations import get_activation
from .core import Backward, Forward, Model, OptState, Params
from .fmt import joined_sum, num, par, shown
from .losses import get_loss

MAX_TERMS = 8  # sums longer than this are summarised in the substituted text


@dataclass(frozen=True, slots=True)
class Event:
    phase: str  # forward | loss | backward | update
    symbol: str  # e.g. "a[1][0]", "∂L/∂w[2][0][1]"
    formula: str  # symbolic
    substituted: str  # the same with numbers
    value: float  # the number this event produces
    nodes: tuple[str, ...] = ()  # node ids it touches (the first is the one it computes)
    edges: tuple[str, ...] = ()  # edge ids it touches
    sample: int | None = None  # the data row it is about (None for batch totals)
    step: int = 0  # 1-based training step this event belongs to
    note: str = ""  # a sentence for the learner (frozen, zero gradient, dropout ...)
    detail: dict[str, Any] = field(default_factory=dict)  # extra numbers (optimizer state ...)

    def to_dict(self) -> dict[str, Any]:
        d = {
            "phase": self.phase,
            "symbol": self.symbol,
            "formula": self.formula,
            "substituted": self.substituted,
            "value": self.value,
            "nodes": list(self.nodes),
            "edges": list(self.edges),
            "sample": self.sample,
            "step": self.step,
        }
        if self.note:
            d["note"] = self.note
        if self.detail:
            d["detail"] = self.detail
        return d


def node(l: int, j: int) -> str:
    return f"n{l}_{j}"


def edge(l: int, j: int, i: int) -> str:
    return f"w{l}_{j}_{i}"


def bias_id(l: int, j: int) -> str:
    return f"b{l}_{j}"


@dataclass
class StepArrays:
    """Everything one step computed, as the makers read it (index k = layer k+1)."""

    model: Model
    params: Params
    fw: Forward
    bw: Backward
    Y: np.ndarray  # (n, K) targets of the batch
    rows: tuple[int, ...]  # the data rows of the batch
    step: int  # 1-based step number
    reg: float  # the regularization term of the loss
    new_params: Params
    old_state: OptState
    new_state: OptState
    _gprime: dict[int, np.ndarray] = field(default_factory=dict)

    def gprime(self, k: int) -> np.ndarray:
        """g'(Z) of layer k+1 for the whole batch, computed once when first needed."""
        if k not in self._gprime:
            act = get_activation(self.model.activations[k])
            self._gprime[k] = act.derivative(self.fw.Z[k], self.fw.G[k])
        return self._gprime[k]


# ---- forward ----
def z_event(c: StepArrays, s: int, k: int, j: int) -> Event:
    l = k + 1
    W, b = c.params[k]
    a_prev, z = c.fw.A[k][s], c.fw.Z[k][s]
    n_in = W.shape[1]
    terms_sym = [f"w[{l}][{j}][{i}]·a[{l - 1}][{i}]" for i in range(min(n_in, 3))]
    sym = " + ".join(terms_sym) + (" + …" if n_in > 3 else "") + f" + b[{l}][{j}]"
    terms = [f"{par(W[j, i])}·{par(a_prev[i])}" for i in shown(n_in, MAX_TERMS)]
    return Event(
        "forward",
        f"z[{l}][{j}]",
        f"z[{l}][{j}] = {sym}",
        f"{joined_sum(terms, MAX_TERMS, n_in)} + {par(b[j])} = {num(z[j])}",
        float(z[j]),
        (node(l, j), *(node(l - 1, i) for i in range(n_in))),
        (*(edge(l, j, i) for i in range(n_in)), bias_id(l, j)),
        c.rows[s],
        c.step,
    )


def a_event(c: StepArrays, s: int, k: int, j: int) -> Event:
    l = k + 1
    act = get_activation(c.model.activations[k])
    z, g = c.fw.Z[k][s], c.fw.G[k][s]
    if act.name == "softmax":
        den = joined_sum([f"e^{par(z[q])}" for q in shown(len(z), MAX_TERMS)], MAX_TERMS, len(z))
        sub = f"e^{par(z[j])} / ({den}) = {num(g[j])}"
        formula = f"a[{l}][{j}] = e^(z[{l}][{j}]) / Σ_k e^(z[{l}][k])"
    else:
        sub = f"{act.symbol}({num(z[j])}) = {num(g[j])}"
        formula = f"a[{l}][{j}] = {act.symbol}(z[{l}][{j}])"
    note = act.note if act.name == "step" else ""
    return Event(
        "forward",
        f"a[{l}][{j}]",
        formula,
        sub,
        float(g[j]),
        (node(l, j),),
        (),
        c.rows[s],
        c.step,
        note,
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
    )


# ---- loss ----
def loss_term_event(c: StepArrays, s: int, j: int) -> Event:
    loss = get_loss(c.model.loss)
    out, L = c.fw.A[-1], c.model.depth
    term = loss.terms(out[s : s + 1, j : j + 1], c.Y[s : s + 1, j : j + 1])[0, 0]
    return Event(
        "loss",
        f"ℓ[{j}]",
        f"ℓ[{j}] = {loss.term_formula}  (a = a[{L}][{j}], y = y[{j}])",
        f"a = {num(out[s, j])}, y = {num(c.Y[s, j])}: ℓ = {num(term)}",
        float(term),
        (node(L, j), "loss"),
        (),
        c.rows[s],
        c.step,
    )


def loss_total_event(c: StepArrays) -> Event:
    m = c.model
    loss = get_loss(m.loss)
    out = c.fw.A[-1]
    n, kk = out.shape
    terms = loss.terms(out, c.Y)
    norm = loss.normaliser(n, kk)
    total = float(terms.sum() / norm)
    flat = terms.ravel()
    parts = joined_sum([num(flat[q]) for q in shown(flat.size, MAX_TERMS)], MAX_TERMS, flat.size)
    sub = f"({parts}) / {num(norm)} = {num(total)}"
    formula = loss.formula
    if c.reg:
        formula += " + " + (
            " + ".join(x for x, on in (("λ1·Σ|w|", m.l1), ("λ2/2·Σw²", m.l2)) if on)
        )
        sub += f";  + regularization {num(c.reg)} = {num(total + c.reg)}"
    return Event(
        "loss",
        "L",
        formula,
        sub,
        total + c.reg,
        ("loss",),
        (),
        None,
        c.step,
        detail={"data_loss": total, "regularization": c.reg},
    )
