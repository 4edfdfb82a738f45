"""The loss at many parameter vectors at once: the network's forward pass batched over a leading axis
G of parameter points (a landscape grid, an optimizer's path).

The loss is the one `Network.loss` reports: the data loss over all the file's samples, dropout off,
plus the L1/L2 term. A parameter vector θ is every layer's W then b, flattened in order (`flatten`).
Dense layers are one batched matmul per layer; a conv layer's windows of the shared input are taken
once and contracted with every point's filters; pooling and flatten fold G into the batch.
"""

from __future__ import annotations

import numpy as np

from . import conv
from .activations import get_activation
from .core import Model, Params
from .layers import module
from .losses import get_loss

CHUNK_VALUES = 2_000_000  # floats of one layer's output held at once (G·n·units): ~16 MB


def flatten(params: Params) -> np.ndarray:
    """(P,): every layer's W then b, row-major, layers in order."""
    parts = [a.ravel() for W, b in params for a in (W, b)]
    return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)


def unflatten(theta: np.ndarray, like: Params) -> Params:
    """The inverse of `flatten`, shaped as `like`."""
    out, at = [], 0
    for W, b in like:
        w = theta[at : at + W.size].reshape(W.shape)
        at += W.size
        bb = theta[at : at + b.size].reshape(b.shape)
        at += b.size
        out.append((w, bb))
    return tuple(out)


def weight_mask(like: Params) -> np.ndarray:
    """(P,) bool: True at the weights (the L1/L2 term's arguments), False at the biases."""
    return flatten(tuple((np.ones_like(W), np.zeros_like(b)) for W, b in like)).astype(bool)


def point_cost(model: Model, rows: int) -> int:
    """Multiply-adds of one loss evaluation at one parameter point (all rows)."""
    per_row = 0
    for d in model.layers:
        taps = d.kernel[0] * d.kernel[1] * d.in_shape[0] if d.kind == "conv" else 1
        per_row += max(d.n_params, d.units * taps)
    return rows * max(per_row, 1)


def _chunk(model: Model, rows: int) -> int:
    widest = max(
        d.units * (d.kernel[0] * d.kernel[1] * d.in_shape[0] if d.kind == "conv" else 1)
        for d in model.layers
    )
    return max(1, CHUNK_VALUES // max(1, rows * widest))


def _layer(d, W, b, A, shared: bool) -> np.ndarray:
    """One layer for G points: A is (n, ...) when `shared` (the input) else (G, n, ...)."""
    if d.kind == "dense":
        return A @ W.swapaxes(1, 2) + b[:, None, :]  # (G, n, out)
    if d.kind == "conv":
        if shared:
            z = np.einsum("nchwij,gkcij->gnkhw", conv.windows(d, A), W, optimize=True)
        else:
            g, n = A.shape[:2]
            win = conv.windows(d, A.reshape(g * n, *A.shape[2:]))
            win = win.reshape(g, n, *win.shape[1:])
            z = np.einsum("gnchwij,gkcij->gnkhw", win, W, optimize=True)
        return z + b[:, None, :, None, None]
    if shared:
        return module(d.kind).forward(d, W, b, A)
    g, n = A.shape[:2]
    out = module(d.kind).forward(d, W, b, A.reshape(g * n, *A.shape[2:]))
    return out.reshape(g, n, *out.shape[1:])


def _losses_chunk(model: Model, like: Params, thetas: np.ndarray, X, Y, mask) -> np.ndarray:
    g = len(thetas)
    A = X.reshape(len(X), *model.in_shape) if len(model.in_shape) > 1 else X
    shared = True
    at = 0
    for k, (W0, b0) in enumerate(like):
        d = model.layer(k)
        W = thetas[:, at : at + W0.size].reshape(g, *W0.shape)
        at += W0.size
        b = thetas[:, at : at + b0.size].reshape(g, *b0.shape)
        at += b0.size
        z = _layer(d, W, b, A, shared)
        shared = shared and d.kind not in ("dense", "conv")
        A = get_activation(model.activations[k]).forward(z)
    if shared:  # no layer has parameters: every point gives the same output
        A = np.broadcast_to(A, (g, *A.shape))
    loss = get_loss(model.loss)
    n, kk = Y.shape
    data = loss.terms(A, Y[None]).sum(axis=(1, 2)) / loss.normaliser(n, kk)  # (G,)
    w = thetas[:, mask]
    reg = np.zeros(g)
    if model.l2:
        reg = reg + 0.5 * model.l2 * (w * w).sum(axis=1)
    if model.l1:
        reg = reg + model.l1 * np.abs(w).sum(axis=1)
    return data + reg


class Cancelled(Exception):
    """The learner cancelled a race, a grid or a comparison: `stop()` said yes between chunks."""


def check_stop(stop) -> None:
    """Raise Cancelled when the caller's `stop` (a callable or None) says so."""
    if stop is not None and stop():
        raise Cancelled("cancelled")


def losses_at(model: Model, like: Params, thetas: np.ndarray, X, Y, stop=None) -> np.ndarray:
    """(G,) the loss (data loss over all rows of X, Y + L1/L2, no dropout) at each row of
    `thetas` (G, P). Non-finite numbers give inf or NaN, never a warning. `stop` is asked
    between chunks (Cancelled when it says yes)."""
    thetas = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    mask = weight_mask(like)
    step = _chunk(model, len(X))
    out = np.empty(len(thetas))
    with np.errstate(all="ignore"):
        for s in range(0, len(thetas), step):
            check_stop(stop)
            out[s : s + step] = _losses_chunk(model, like, thetas[s : s + step], X, Y, mask)
    return out


def work(model: Model, rows: int, points: int) -> int:
    """Multiply-adds of `points` loss evaluations (what the limits compare)."""
    return points * point_cost(model, rows)


__all__ = [
    "Cancelled",
    "check_stop",
    "flatten",
    "losses_at",
    "point_cost",
    "unflatten",
    "weight_mask",
    "work",
]
