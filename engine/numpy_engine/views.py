"""Data for the GUI's plots, computed here so the widgets only draw: a decision-boundary grid for
2-D inputs and a fitted curve for 1-D regression."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Network, TrainState


@dataclass(frozen=True)
class Grid:
    x: np.ndarray  # (res,) x1 coordinates
    y: np.ndarray  # (res,) x2 coordinates
    values: np.ndarray  # (res, res) the output (or the winning class), indexed [ix, iy]
    classes: int  # 0 for a single output in [0, 1], else the number of classes


GRID_BUDGET = 2e7  # multiply-adds one decision-grid redraw may cost (~10-20 ms of NumPy)


def grid_resolution(net: Network, most: int = 60, least: int = 12) -> int:
    """Points per side of the decision grid: `most` for small nets, fewer for big ones, so a
    redraw of a 2-500-500-1 network's map stays as cheap as a small one's."""
    sizes = net.model.sizes
    macs = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    return int(max(least, min(most, (GRID_BUDGET / max(macs, 1)) ** 0.5)))


def data_bounds(inputs: np.ndarray, margin: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = inputs.min(0), inputs.max(0)
    pad = np.maximum((hi - lo) * margin, 0.5)  # a lone sample still gets a readable window
    return lo - pad, hi + pad


def decision_grid(net: Network, state: TrainState, res: int = 80) -> Grid:
    lo, hi = data_bounds(net.data.inputs)
    xs = np.linspace(lo[0], hi[0], res)
    ys = np.linspace(lo[1], hi[1], res)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    pts = np.stack([gx.ravel(), gy.ravel()], 1)  # (res*res, 2)
    out = net.predict(state, pts)
    if out.shape[1] == 1:
        return Grid(xs, ys, out[:, 0].reshape(res, res), 0)
    return Grid(xs, ys, out.argmax(1).reshape(res, res).astype(float), out.shape[1])


def fit_curve(net: Network, state: TrainState, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = data_bounds(net.data.inputs, 0.05)
    x = np.linspace(lo[0], hi[0], n)[:, None]  # (n, 1)
    return x[:, 0], net.predict(state, x)[:, 0]
