"""Weights over time: at each epoch end, training emits a Histograms record of every layer's
weights (its matrix or kernels: not its bias, nor a batch norm's γ and β beside it) and their
last gradients; `heat_strip` lays a run's records side by side on one value grid
(epochs across, values up), the picture of how a layer's weights spread out as it learns."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from .models import layer_groups
from .records import Histograms, from_dict

BINS = 48  # bins per histogram
LOG_FLOOR = -6.0  # log10 of the fraction an empty bin is shown at


def _hist(values: torch.Tensor) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Symmetric bins around 0 spanning the largest |value|: (edges, counts)."""
    v = values.detach().float().flatten().cpu()
    top = float(v.abs().max()) if v.numel() else 0.0
    top = top if np.isfinite(top) and top > 0 else 1e-12
    counts = torch.histc(v, BINS, -top, top)
    edges = np.linspace(-top, top, BINS + 1)
    return tuple(float(e) for e in edges), tuple(int(c) for c in counts)


def weight_histograms(model: nn.Module, step: int, epoch: float) -> Histograms:
    """The Histograms record of `model` now (gradients: those of the last backward pass)."""
    names, w_e, w_h, g_e, g_h = [], [], [], [], []
    for name, group in layer_groups(model):
        names.append(name)
        kernels = [p for p in group if p.dim() >= 2]  # a layer's weights, not its bias nor a
        params = kernels or group  # batch norm's γ (γ = 1 drew a band and stretched the axis)
        e, h = _hist(torch.cat([p.detach().flatten() for p in params]))
        w_e.append(e)
        w_h.append(h)
        grads = [p.grad.flatten() for p in params if p.grad is not None]
        e, h = _hist(torch.cat(grads) if grads else torch.zeros(0))
        g_e.append(e)
        g_h.append(h)
    return Histograms(step, epoch, tuple(names), tuple(w_e), tuple(w_h), tuple(g_e), tuple(g_h))


def heat_strip(
    records: Sequence[Histograms | dict],
    layer: int,
    which: str = "weight",
    bins: int = 64,
    log: bool = False,
):
    """(epochs (E,), edges (bins + 1,), image (bins, E)): each record's histogram of `layer`
    ("weight" or "grad") moved onto one common grid of values, as fractions of the layer's
    parameters (log: log10 of them, empty bins at LOG_FLOOR, so the thin tails show).
    Records may be Histograms or the run store's dicts."""
    recs = [from_dict(r) if isinstance(r, dict) else r for r in records]
    recs = [r for r in recs if isinstance(r, Histograms)]
    if not recs:
        return np.zeros(0), np.zeros(bins + 1), np.zeros((bins, 0))
    edges_of = [np.asarray(getattr(r, f"{which}_edges")[layer], float) for r in recs]
    hists = [np.asarray(getattr(r, f"{which}_hist")[layer], float) for r in recs]
    top = max(float(np.abs(e).max()) for e in edges_of)
    grid = np.linspace(-top, top, bins + 1)
    image = np.zeros((bins, len(recs)))
    for k, (e, h) in enumerate(zip(edges_of, hists, strict=True)):
        cdf = np.concatenate([[0.0], np.cumsum(h)])  # values spread evenly within a bin
        image[:, k] = np.diff(np.interp(grid, e, cdf)) / max(1.0, h.sum())
    if log:
        image = np.log10(np.maximum(image, 10.0**LOG_FLOOR))
    return np.array([r.epoch for r in recs]), grid, image
