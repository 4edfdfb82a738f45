"""Activation functions. Each forward sits beside its derivative, with the formulas the trace shows.

`derivative(z, a)` returns g'(z) elementwise; it receives a = g(z) too so the usual shortcuts
(sigmoid' = a(1 - a), tanh' = 1 - a^2) are what is computed and what is shown. Softmax is not
elementwise: its backward is the vector-Jacobian product `softmax_backward`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAKY_SLOPE = 0.01  # slope of leaky ReLU for z < 0
ELU_ALPHA = 1.0  # alpha of ELU


@dataclass(frozen=True)
class Activation:
    name: str  # the name used in network files
    symbol: str  # short symbol shown in formulas, e.g. "σ"
    formula: str  # g(z) in symbols
    derivative_formula: str  # g'(z) in symbols
    forward: Callable[[np.ndarray], np.ndarray]  # z -> a
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (z, a) -> g'(z)
    elementwise: bool = True  # False only for softmax
    note: str = ""  # what a learner should know, shown beside the formula


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # exact and overflow-free


def _elu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))  # (n, k), shifted for stability
    return e / e.sum(axis=-1, keepdims=True)


def softmax_backward(a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
    """dL/dz_j = a_j (dL/da_j - sum_k dL/da_k a_k) for each row."""
    return a * (grad_a - (grad_a * a).sum(axis=-1, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation(
            "step",
            "step",
            "step(z) = 1 if z ≥ 0 else 0",
            "step'(z) = 0 (undefined at 0)",
            lambda z: (z >= 0).astype(z.dtype),
            lambda z, a: np.zeros_like(z),
            note="The step function is flat almost everywhere: its derivative is 0, so no "
            "gradient flows back through it. That is why backpropagation needs smooth activations.",
        ),
        Activation(
            "linear",
            "id",
            "id(z) = z",
            "id'(z) = 1",
            lambda z: z.copy(),
            lambda z, a: np.ones_like(z),
        ),
        Activation(
            "sigmoid",
            "σ",
            "σ(z) = 1 / (1 + e^(−z))",
            "σ'(z) = σ(z)·(1 − σ(z))",
            _sigmoid,
            lambda z, a: a * (1.0 - a),
        ),
        Activation(
            "tanh",
            "tanh",
            "tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))",
            "tanh'(z) = 1 − tanh(z)²",
            np.tanh,
            lambda z, a: 1.0 - a * a,
        ),
        Activation(
            "relu",
            "ReLU",
            "ReLU(z) = max(0, z)",
            "ReLU'(z) = 1 if z > 0 else 0",
            lambda z: np.maximum(z, 0.0),
            lambda z, a: (z > 0).astype(z.dtype),
        ),
        Activation(
            "leaky_relu",
            "LReLU",
            f"LReLU(z) = z if z > 0 else {LEAKY_SLOPE}·z",
            f"LReLU'(z) = 1 if z > 0 else {LEAKY_SLOPE}",
            lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype),
        ),
        Activation(
            "elu",
            "ELU",
            "ELU(z) = z if z > 0 else α·(e^z − 1), α = 1",
            "ELU'(z) = 1 if z > 0 else ELU(z) + α",
            _elu,
            lambda z, a: np.where(z > 0, 1.0, a + ELU_ALPHA).astype(z.dtype),
        ),
        Activation(
            "square",
            "sq",
            "sq(z) = z²",
            "sq'(z) = 2z",
            lambda z: z * z,
            lambda z, a: 2.0 * z,
        ),
        Activation(
            "softmax",
            "softmax",
            "softmax(z)_j = e^(z_j) / Σ_k e^(z_k)",
            "∂a_j/∂z_i = a_j·(1[i=j] − a_i)",
            softmax,
            lambda z, a: a * (1.0 - a),  # diagonal only; backward uses softmax_backward
            elementwise=False,
        ),
    ]
}


def get_activation(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise KeyError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}") from None
