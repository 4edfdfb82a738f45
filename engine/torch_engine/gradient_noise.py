"""Why batch size matters, measured: for a model at its current weights, how far the gradient of
one random mini-batch is from the gradient of the whole training set, for each batch size.

The mini-batch gradient is an average of B per-sample gradients drawn without replacement from N,
so its root-mean-square error is exactly sigma * sqrt((N - B) / (B (N - 1))) (sigma: the spread of
the per-sample gradients): about 1/sqrt(B) for small batches, exactly 0 at B = N. The model is evaluated in eval mode (dropout off, batch norm with its running
statistics), so the full gradient is exactly the mean of the per-sample gradients."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .models import eval_mode

BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512, 1024, 2048)


@dataclass(frozen=True)
class NoisePoint:
    batch_size: int  # B
    draws: int  # mini-batches drawn of this size
    rel_error: float  # root-mean-square over the draws of |g_B - g| / |g|
    rel_error_std: float  # standard deviation of |g_B - g| / |g| over the draws
    cosine: float  # mean cosine similarity between g_B and g
    law: float  # sqrt((N - B) / (B (N - 1))): how the RMS error must scale (about 1/sqrt(B))


def draws_for(batch_size: int, draws: int) -> int:
    """More draws for small batches (cheap, and their errors vary most): at least `draws`."""
    return max(draws, min(64, 4096 // max(1, batch_size)))


def reference(points: Sequence[NoisePoint]) -> np.ndarray:
    """The sampling law c * sqrt((N - B) / (B (N - 1))) at each point, c fitted to the measured
    errors (least squares on log scale); 0 where the law is 0 (B = N)."""
    law = np.array([p.law for p in points], float)
    err = np.array([p.rel_error for p in points], float)
    ok = (law > 0) & (err > 0)
    c = float(np.exp(np.mean(np.log(err[ok]) - np.log(law[ok])))) if ok.any() else 0.0
    return c * law


def flat_gradient(model: nn.Module, x: torch.Tensor, y: torch.Tensor, chunk: int = 1000):
    """(P,) float64 gradient of the mean cross-entropy over all of x (n, 1, 28, 28), y (n,),
    summed in chunks so any n fits in memory."""
    params = [p for p in model.parameters() if p.requires_grad]
    total = [torch.zeros_like(p, dtype=torch.float64) for p in params]
    for i in range(0, len(x), chunk):
        loss = F.cross_entropy(model(x[i : i + chunk]), y[i : i + chunk], reduction="sum")
        for t, g in zip(total, torch.autograd.grad(loss, params), strict=True):
            t += g.double()
    return torch.cat([t.flatten() for t in total]) / max(1, len(x))


def noise_of_run(model: nn.Module, train_x: np.ndarray, train_y: np.ndarray, n: int, draws: int):
    """gradient_noise for a copy of `model` (the caller's stays untouched) on the first n uint8
    training digits."""
    import copy

    from .mnist import normalise

    x = normalise(train_x[:n])  # (n, 1, 28, 28)
    y = torch.from_numpy(np.asarray(train_y[:n]).astype(np.int64))  # (n,)
    yield from gradient_noise(copy.deepcopy(model), x, y, draws=draws)


def gradient_noise(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    batch_sizes: Sequence[int] = BATCH_SIZES,
    draws: int = 16,
    seed: int = 0,
) -> Iterator[NoisePoint]:
    """One NoisePoint per batch size (those above len(x) are skipped), as each is measured.
    x (n, 1, 28, 28) normalised, y (n,): the set whose gradient counts as "the full gradient"."""
    with eval_mode(model):
        full = flat_gradient(model, x, y)
        norm = float(torch.linalg.vector_norm(full)) or 1.0
        gen = torch.Generator().manual_seed(seed)
        n = len(x)
        for b in batch_sizes:
            if b > n:
                continue
            k = 1 if b == n else draws_for(b, draws)
            errs, coss = [], []
            for _ in range(k):
                if b == n:  # the whole set, in its own order: the full gradient itself
                    g = flat_gradient(model, x, y)
                else:
                    idx = torch.randperm(n, generator=gen)[:b].to(x.device)
                    g = flat_gradient(model, x[idx], y[idx])
                errs.append(float(torch.linalg.vector_norm(g - full)) / norm)
                coss.append(float(F.cosine_similarity(g, full, 0)))
            law = float(np.sqrt((n - b) / (b * max(1, n - 1))))
            rms = float(np.sqrt(np.mean(np.square(errs))))
            yield NoisePoint(b, k, rms, float(np.std(errs)), float(np.mean(coss)), law)
