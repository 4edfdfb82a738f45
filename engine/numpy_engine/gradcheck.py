"""Finite differences against the analytic gradient, for every parameter, as rows the GUI can show."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import core
from .network import Network, TrainState


@dataclass(frozen=True)
class GradCheckRow:
    symbol: str  # e.g. "w[1][0][1]"
    analytic: float  # from backpropagation
    numeric: float  # (L(θ + ε) − L(θ − ε)) / 2ε
    abs_error: float
    rel_error: float  # |a − n| / max(|a|, |n|, 1e-12)


def gradient_check(net: Network, state: TrainState, eps: float = 1e-6) -> list[GradCheckRow]:
    """Check the gradient of the next step's batch loss (same rows, same dropout masks)."""
    m = net.model
    _, X, Y, masks = net.batch(state)
    X, Y = X.astype(np.float64), Y.astype(np.float64)
    params = tuple((W.astype(np.float64), b.astype(np.float64)) for W, b in state.params)

    def loss(p) -> float:
        fw = core.forward(m, p, X, masks)
        return core.data_loss(m, fw.A[-1], Y) + core.regularization_loss(m, p)

    grads = core.backward(m, params, core.forward(m, params, X, masks), Y).grads
    out = []
    for k in range(m.depth):
        for part in (0, 1):
            base = params[k][part]
            for idx in np.ndindex(base.shape):
                vals = []
                for sign in (1.0, -1.0):
                    arr = base.copy()
                    arr[idx] += sign * eps
                    p = list(params)
                    p[k] = (arr, params[k][1]) if part == 0 else (params[k][0], arr)
                    vals.append(loss(tuple(p)))
                num = (vals[0] - vals[1]) / (2 * eps)
                ana = float(grads[k][part][idx])
                err = abs(ana - num)
                sym = f"w[{k + 1}][{idx[0]}][{idx[1]}]" if part == 0 else f"b[{k + 1}][{idx[0]}]"
                out.append(GradCheckRow(sym, ana, num, err, err / max(abs(ana), abs(num), 1e-12)))
    return out
