"""The Event, the arrays its makers read, and the loss events. Each maker builds exactly one event
from its indices, written from the arrays core.py computed (never recomputed), so what is shown is
what was used. The layer modules (dense, conv, pool, flatten) hold their own makers.

Symbols use bracket indices that the GUI typesets: z[l][j], a[l][j], δ[l][j], w[l][j][i], b[l][j];
image layers add channel and position: a[l][c][y][x], w[l][f][c][i][j]. Ids: see ids.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .activations import get_activation
from .fmt import joined_sum, num, shown
from .ids import bias_id, edge, node, unit_id
from .losses import get_loss

if TYPE_CHECKING:
    from .core import Backward, Forward, Model, OptState, Params

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
    kind: str = (
        ""  # z, a, dropout, pool, flatten, loss_term, loss, da, delta, grad_w, grad_b, update
    )
    layer: int = 0  # the layer l it is about (0 for the loss)
    index: tuple[int, ...] = ()  # the unit, cell or parameter index within that layer

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
            "kind": self.kind,
            "layer": self.layer,
            "index": list(self.index),
        }
        if self.note:
            d["note"] = self.note
        if self.detail:
            d["detail"] = self.detail
        return d


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

    def da(self, k: int) -> np.ndarray:
        """∂L/∂a of layer k+1's output; k = −1: of the input (when traced)."""
        return self.bw.dA[k] if k >= 0 else self.bw.dX

    def gprime(self, k: int) -> np.ndarray:
        """g'(Z) of layer k+1 for the whole batch, computed once when first needed."""
        if k not in self._gprime:
            act = get_activation(self.model.activations[k])
            self._gprime[k] = act.derivative(self.fw.Z[k], self.fw.G[k])
        return self._gprime[k]


def where(l: int, shape: tuple[int, ...], flat: int) -> tuple[str, tuple[int, ...]]:
    """("[l][j]" or "[l][c][y][x]", the index as a tuple) of unit `flat` of layer l."""
    if len(shape) == 1:
        return f"[{l}][{flat}]", (flat,)
    idx = tuple(int(v) for v in np.unravel_index(flat, shape))
    return f"[{l}]" + "".join(f"[{v}]" for v in idx), idx


__all__ = ["MAX_TERMS", "Event", "StepArrays", "bias_id", "edge", "node", "unit_id", "where"]


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
        kind="loss_term",
        layer=L,
        index=(j,),
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
        kind="loss",
    )
