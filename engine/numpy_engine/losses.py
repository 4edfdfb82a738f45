"""Loss functions: value, per-term contributions and gradient side by side.

Conventions (n samples in the batch, K outputs):
- mse:      L = 1/(n·K) Σ (a − y)²              the course's mean squared error
- half_sse: L = 1/n Σ_s ½ Σ_k (y − a)²           the textbook E = ½ Σ (t − o)², averaged over samples
- mae:      L = 1/(n·K) Σ |a − y|
- bce:      L = −1/(n·K) Σ [y·ln a + (1 − y)·ln(1 − a)]
- cce:      L = −1/n Σ_s Σ_k y·ln a
With a sigmoid output under bce, or a softmax output under cce, the engine uses the combined
gradient ∂L/∂z = (a − y)/N directly (it is exact, and it is what the course shows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LOG_EPS = 1e-12  # a is clipped to [eps, 1 - eps] inside logs so a saturated unit gives a number


@dataclass(frozen=True)
class Loss:
    name: str  # name in network files
    formula: str  # L in symbols
    term_formula: str  # one term ℓ in symbols
    grad_formula: str  # ∂L/∂a for one output of one sample
    terms: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (a, y) -> per-element terms (n, K)
    normaliser: Callable[[int, int], float]  # (n, K) -> N with L = Σ terms / N
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (a, y) -> N·∂L/∂a (n, K)
    combined_with: str | None = None  # output activation with a combined (a − y) gradient

    def value(self, a: np.ndarray, y: np.ndarray) -> float:
        n, k = a.shape
        return float(self.terms(a, y).sum() / self.normaliser(n, k))

    def grad_a(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        n, k = a.shape
        return self.grad(a, y) / self.normaliser(n, k)


def _clip(a: np.ndarray) -> np.ndarray:
    return np.clip(a, LOG_EPS, 1.0 - LOG_EPS)


LOSSES: dict[str, Loss] = {
    ls.name: ls
    for ls in [
        Loss(
            "mse",
            "L = 1/(n·K) · Σ (a − y)²",
            "(a − y)²",
            "∂L/∂a = 2·(a − y)/(n·K)",
            lambda a, y: (a - y) ** 2,
            lambda n, k: float(n * k),
            lambda a, y: 2.0 * (a - y),
        ),
        Loss(
            "half_sse",
            "L = 1/n · Σ_s ½ Σ_k (y − a)²",
            "½·(y − a)²",
            "∂L/∂a = (a − y)/n",
            lambda a, y: 0.5 * (y - a) ** 2,
            lambda n, k: float(n),
            lambda a, y: a - y,
        ),
        Loss(
            "mae",
            "L = 1/(n·K) · Σ |a − y|",
            "|a − y|",
            "∂L/∂a = sign(a − y)/(n·K)",
            lambda a, y: np.abs(a - y),
            lambda n, k: float(n * k),
            lambda a, y: np.sign(a - y),
        ),
        Loss(
            "bce",
            "L = −1/(n·K) · Σ [y·ln a + (1 − y)·ln(1 − a)]",
            "−[y·ln a + (1 − y)·ln(1 − a)]",
            "∂L/∂a = (a − y)/(a·(1 − a)·n·K)",
            lambda a, y: -(y * np.log(_clip(a)) + (1.0 - y) * np.log(1.0 - _clip(a))),
            lambda n, k: float(n * k),
            lambda a, y: (_clip(a) - y) / (_clip(a) * (1.0 - _clip(a))),
            combined_with="sigmoid",
        ),
        Loss(
            "cce",
            "L = −1/n · Σ_s Σ_k y·ln a",
            "−y·ln a",
            "∂L/∂a = −y/(a·n)",
            lambda a, y: -y * np.log(_clip(a)),
            lambda n, k: float(n),
            lambda a, y: -y / _clip(a),
            combined_with="softmax",
        ),
    ]
}


def get_loss(name: str) -> Loss:
    try:
        return LOSSES[name]
    except KeyError:
        raise KeyError(f"unknown loss {name!r}; known: {', '.join(LOSSES)}") from None
