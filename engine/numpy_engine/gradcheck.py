"""Finite differences against the analytic gradient, as rows the GUI can show.

L(θ ± ε) is evaluated for one parameter at a time. Moving one weight or bias of layer l changes
one column of Z[l] only, so the forward pass is redone from there: that column, a rank-1 change
of the next layer's Z, then the layers after in full. The same function as a full forward pass,
at a small fraction of its cost, which is what lets a 2-500-500-1 network be checked at all.

`gradient_check_steps` is a generator for a worker thread: it yields progress and returns a
GradCheckResult. Beyond MAX_GRADCHECK_PARAMS parameters it checks a seeded random sample.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from . import core
from .activations import get_activation
from .layer_def import dense_defs
from .limits import MAX_GRADCHECK_PARAMS
from .network import Network, TrainState

EPS = 1e-6  # ε of the central difference


@dataclass(frozen=True)
class GradCheckRow:
    symbol: str  # e.g. "w[1][0][1]"
    analytic: float  # from backpropagation
    numeric: float  # (L(θ + ε) − L(θ − ε)) / 2ε
    abs_error: float
    rel_error: float  # |a − n| / max(|a|, |n|, 1e-12)


@dataclass(frozen=True)
class GradCheckProgress:
    done: int  # parameters checked so far
    total: int  # parameters to check


@dataclass(frozen=True)
class GradCheckResult:
    rows: list[GradCheckRow]
    n_params: int  # parameters the network has (rows may be a sample of them)

    @property
    def sampled(self) -> bool:
        return len(self.rows) < self.n_params


def parameter_sample(model_or_sizes, limit: int, seed: int = 0):
    """(k, part, index) of the parameters to check: all, or a seeded sample of `limit`, in order.
    Takes a Model (any layer kinds) or the sizes of a dense net."""
    if isinstance(model_or_sizes, core.Model):
        defs = model_or_sizes.layers
    else:
        defs = dense_defs(tuple(model_or_sizes))
    blocks = []  # (k, part, shape)
    for k, d in enumerate(defs):
        if d.n_params:
            w, b = d.param_shapes()
            blocks += [(k, 0, w), (k, 1, b)]
    counts = [int(np.prod(shape)) for _, _, shape in blocks]
    total = sum(counts)
    flat = np.arange(total)
    if total > limit:
        flat = np.sort(np.random.default_rng(seed).choice(total, limit, replace=False))
    starts = np.cumsum([0, *counts])
    out = []
    for f in flat.tolist():
        b = int(np.searchsorted(starts, f, side="right")) - 1
        k, part, shape = blocks[b]
        out.append((k, part, tuple(int(v) for v in np.unravel_index(f - starts[b], shape))))
    return out, total


class _Perturber:
    """L(θ) with one parameter moved by δ, recomputed from the layer that parameter feeds."""

    def __init__(self, net: Network, state: TrainState):
        self.m = m = net.model
        _, X, Y, self.masks = net.batch(state)
        self.Y = Y.astype(np.float64)
        self.X = X.astype(np.float64)
        self.params = tuple((W.astype(np.float64), b.astype(np.float64)) for W, b in state.params)
        self.fw = core.forward(m, self.params, X.astype(np.float64), self.masks)
        self.reg = core.regularization_loss(m, self.params)
        self.grads = core.backward(m, self.params, self.fw, self.Y).grads

    def _activate(self, k: int, z: np.ndarray, cols) -> np.ndarray:
        """a = g(z) with layer k's dropout mask, for the columns `cols` of z only."""
        g = get_activation(self.m.activations[k]).forward(z)
        mask = self.masks[k]
        if mask is not None:
            g = g * mask[:, cols] / (1.0 - self.m.drop(k))
        return g

    def _full(self, k: int, part: int, idx: tuple, delta: float) -> float:
        """L with the whole forward pass redone (conv nets: a filter weight moves every cell)."""
        params = [list(p) for p in self.params]
        arr = params[k][part].copy()
        arr[idx] += delta
        params[k][part] = arr
        out = core.forward(self.m, tuple(map(tuple, params)), self.X, self.masks).A[-1]
        return core.data_loss(self.m, out, self.Y) + core.regularization_loss(self.m, params)

    def loss(self, k: int, part: int, idx: tuple, delta: float) -> float:
        if self.m.images or any(W.ndim != 2 for W, _ in self.params):  # not all dense (a batch
            return self._full(k, part, idx, delta)  # norm mixes the batch): the whole forward
        m, fw, j = self.m, self.fw, idx[0]
        col = fw.Z[k][:, j] + delta * (fw.A[k][:, idx[1]] if part == 0 else 1.0)
        if get_activation(m.activations[k]).elementwise:
            cols = [j]
            a_new = self._activate(k, col[:, None], cols)
        else:  # softmax: every output of the row moves
            z = fw.Z[k].copy()
            z[:, j] = col
            cols = slice(None)
            a_new = self._activate(k, z, cols)
        if k == m.depth - 1:
            out = fw.A[k + 1].copy()
            out[:, cols] = a_new
        else:
            W, _ = self.params[k + 1]
            z = fw.Z[k + 1] + (a_new - fw.A[k + 1][:, cols]) @ W[:, cols].T  # a rank-1 change
            a = self._activate(k + 1, z, slice(None))
            for q in range(k + 2, m.depth):
                W, b = self.params[q]
                a = self._activate(q, a @ W.T + b, slice(None))
            out = a
        reg = self.reg
        if part == 0 and (m.l1 or m.l2):
            w = self.params[k][0][idx]
            reg += 0.5 * m.l2 * ((w + delta) ** 2 - w * w) + m.l1 * (abs(w + delta) - abs(w))
        return core.data_loss(m, out, self.Y) + reg


def gradient_check_steps(
    net: Network,
    state: TrainState,
    eps: float = EPS,
    max_params: int = MAX_GRADCHECK_PARAMS,
    every_s: float = 0.1,
) -> Iterator[GradCheckProgress]:
    """Check the gradient of the next step's batch loss (same rows, same dropout masks).

    Yields GradCheckProgress about every `every_s` seconds; returns a GradCheckResult.
    """
    with np.errstate(all="ignore"):
        pert = _Perturber(net, state)
        todo, n_params = parameter_sample(net.model, max_params)
        out: list[GradCheckRow] = []
        last = time.perf_counter()
        for k, part, idx in todo:
            num = (pert.loss(k, part, idx, eps) - pert.loss(k, part, idx, -eps)) / (2 * eps)
            ana = float(pert.grads[k][part][idx])
            err = abs(ana - num)
            names = getattr(net.model.layer(k).type.module, "PARAM_SYMBOLS", ("w", "b"))
            sym = names[part] + f"[{k + 1}]" + "".join(f"[{v}]" for v in idx)
            out.append(GradCheckRow(sym, ana, num, err, err / max(abs(ana), abs(num), 1e-12)))
            if time.perf_counter() - last >= every_s:
                last = time.perf_counter()
                yield GradCheckProgress(len(out), len(todo))
    return GradCheckResult(out, n_params)


def run_gradient_check(net: Network, state: TrainState, **kw) -> GradCheckResult:
    """gradient_check_steps run to the end, in this thread."""
    gen = gradient_check_steps(net, state, **kw)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def gradient_check(net: Network, state: TrainState, eps: float = EPS) -> list[GradCheckRow]:
    """Every checked parameter's row (all of them up to MAX_GRADCHECK_PARAMS)."""
    return run_gradient_check(net, state, eps=eps).rows
