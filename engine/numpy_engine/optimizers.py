"""Optimizers as pure functions: (w, g, state, t) -> (new w, new state). Nothing is updated in place,
so a recorded step can be kept and stepped back to. Each update follows torch.optim's algorithm
exactly (tests check it in float64), and `explain` writes one parameter's update with its numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .fmt import num, par

State = dict[str, np.ndarray]


@dataclass(frozen=True)
class OptimizerConfig:
    name: str = "sgd"  # sgd | momentum | nesterov | adagrad | rmsprop | adam | nadam | adadelta
    lr: float = 0.1  # learning rate η
    momentum: float = 0.9  # μ, for momentum and nesterov
    beta1: float = 0.9  # β1, first-moment decay (adam, nadam)
    beta2: float = 0.999  # β2, second-moment decay (adam, nadam)
    rho: float = 0.9  # ρ, squared-gradient decay (rmsprop, adadelta)
    eps: float | None = None  # ε; None takes the optimizer's usual default (torch's)
    momentum_decay: float = 0.004  # ψ, nadam's momentum schedule (torch's default)

    def epsilon(self) -> float:
        return self.eps if self.eps is not None else OPTIMIZERS[self.name].default_eps


@dataclass(frozen=True)
class Optimizer:
    name: str  # name in network files
    formula: str  # the update rule in symbols
    state_names: tuple[str, ...]  # names of per-parameter state arrays
    step: Callable[[OptimizerConfig, np.ndarray, np.ndarray, State, int], tuple[np.ndarray, State]]
    explain: Callable[[OptimizerConfig, int, dict[str, float]], str]  # scalars -> substituted
    default_eps: float = 1e-8
    hyper: tuple[str, ...] = field(default=("lr",))  # config fields this optimizer reads

    def init(self, shape: tuple[int, ...], dtype=np.float64) -> State:
        return {k: np.zeros(shape, dtype) for k in self.state_names}


def _sgd(c, w, g, s, t):
    return w - c.lr * g, {}


def _momentum(c, w, g, s, t):
    v = c.momentum * s["v"] + g if t > 1 else g.copy()  # torch starts the buffer at g
    return w - c.lr * v, {"v": v}


def _nesterov(c, w, g, s, t):
    v = c.momentum * s["v"] + g if t > 1 else g.copy()
    return w - c.lr * (g + c.momentum * v), {"v": v}


def _adagrad(c, w, g, s, t):
    G = s["G"] + g * g
    return w - c.lr * g / (np.sqrt(G) + c.epsilon()), {"G": G}


def _rmsprop(c, w, g, s, t):
    sq = c.rho * s["s"] + (1.0 - c.rho) * g * g
    return w - c.lr * g / (np.sqrt(sq) + c.epsilon()), {"s": sq}


def _adam(c, w, g, s, t):
    m = c.beta1 * s["m"] + (1.0 - c.beta1) * g
    v = c.beta2 * s["v"] + (1.0 - c.beta2) * g * g
    m_hat = m / (1.0 - c.beta1**t)
    v_hat = v / (1.0 - c.beta2**t)
    return w - c.lr * m_hat / (np.sqrt(v_hat) + c.epsilon()), {"m": m, "v": v}


def _nadam_mu(c: OptimizerConfig, t: int) -> float:
    return c.beta1 * (1.0 - 0.5 * 0.96 ** (t * c.momentum_decay))


def _nadam(c, w, g, s, t):
    mu, mu_next = _nadam_mu(c, t), _nadam_mu(c, t + 1)
    prod = (s["mu_prod"] if t > 1 else np.ones_like(w)) * mu  # Π μ_1..μ_t
    m = c.beta1 * s["m"] + (1.0 - c.beta1) * g
    v = c.beta2 * s["v"] + (1.0 - c.beta2) * g * g
    denom = np.sqrt(v / (1.0 - c.beta2**t)) + c.epsilon()
    new = w - c.lr * (1.0 - mu) / (1.0 - prod) * g / denom
    new = new - c.lr * mu_next / (1.0 - prod * mu_next) * m / denom
    return new, {"m": m, "v": v, "mu_prod": prod}


def _adadelta(c, w, g, s, t):
    sq = c.rho * s["s"] + (1.0 - c.rho) * g * g
    delta = np.sqrt(s["d"] + c.epsilon()) / np.sqrt(sq + c.epsilon()) * g
    d = c.rho * s["d"] + (1.0 - c.rho) * delta * delta
    return w - c.lr * delta, {"s": sq, "d": d}


# ---- explanations: one parameter's update with its numbers (x holds scalars: w, g, new, state) ----


def _x_sgd(c, t, x):
    return f"{num(x['w'])} − {num(c.lr)}·{par(x['g'])} = {num(x['new'])}"


def _x_momentum(c, t, x):
    return (
        f"v = {num(c.momentum)}·{par(x['v_old'])} + {par(x['g'])} = {num(x['v'])};  "
        f"w = {num(x['w'])} − {num(c.lr)}·{par(x['v'])} = {num(x['new'])}"
    )


def _x_nesterov(c, t, x):
    return (
        f"v = {num(c.momentum)}·{par(x['v_old'])} + {par(x['g'])} = {num(x['v'])};  "
        f"w = {num(x['w'])} − {num(c.lr)}·({num(x['g'])} + {num(c.momentum)}·{par(x['v'])})"
        f" = {num(x['new'])}"
    )


def _x_adagrad(c, t, x):
    return (
        f"G = {num(x['G_old'])} + {par(x['g'])}² = {num(x['G'])};  "
        f"w = {num(x['w'])} − {num(c.lr)}·{par(x['g'])}/(√{num(x['G'])} + {num(c.epsilon())})"
        f" = {num(x['new'])}"
    )


def _x_rmsprop(c, t, x):
    return (
        f"s = {num(c.rho)}·{num(x['s_old'])} + {num(1 - c.rho)}·{par(x['g'])}² = {num(x['s'])};  "
        f"w = {num(x['w'])} − {num(c.lr)}·{par(x['g'])}/(√{num(x['s'])} + {num(c.epsilon())})"
        f" = {num(x['new'])}"
    )


def _x_adam(c, t, x):
    mh, vh = x["m"] / (1 - c.beta1**t), x["v"] / (1 - c.beta2**t)
    return (
        f"m = {num(c.beta1)}·{par(x['m_old'])} + {num(1 - c.beta1)}·{par(x['g'])} = {num(x['m'])};  "
        f"v = {num(c.beta2)}·{num(x['v_old'])} + {num(1 - c.beta2)}·{par(x['g'])}² = {num(x['v'])};  "
        f"m̂ = {num(mh)}, v̂ = {num(vh)} (t = {t});  "
        f"w = {num(x['w'])} − {num(c.lr)}·{par(mh)}/(√{num(vh)} + {num(c.epsilon())})"
        f" = {num(x['new'])}"
    )


def _x_nadam(c, t, x):
    return (
        f"μ_t = {num(_nadam_mu(c, t))}, μ_t+1 = {num(_nadam_mu(c, t + 1))};  "
        f"m = {num(x['m'])}, v = {num(x['v'])};  "
        f"w = {num(x['w'])} − η·[(1−μ_t)·g/(1−Πμ) + μ_t+1·m/(1−Πμ·μ_t+1)]/(√v̂ + ε)"
        f" = {num(x['new'])}"
    )


def _x_adadelta(c, t, x):
    return (
        f"s = {num(c.rho)}·{num(x['s_old'])} + {num(1 - c.rho)}·{par(x['g'])}² = {num(x['s'])};  "
        f"Δ = √({num(x['d_old'])} + ε)/√({num(x['s'])} + ε)·{par(x['g'])}"
        f" = {num((x['w'] - x['new']) / c.lr if c.lr else 0.0)};  "
        f"w = {num(x['w'])} − {num(c.lr)}·Δ = {num(x['new'])}"
    )


OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o
    for o in [
        Optimizer("sgd", "w ← w − η·g", (), _sgd, _x_sgd),
        Optimizer(
            "momentum",
            "v ← μ·v + g;  w ← w − η·v",
            ("v",),
            _momentum,
            _x_momentum,
            hyper=("lr", "momentum"),
        ),
        Optimizer(
            "nesterov",
            "v ← μ·v + g;  w ← w − η·(g + μ·v)",
            ("v",),
            _nesterov,
            _x_nesterov,
            hyper=("lr", "momentum"),
        ),
        Optimizer(
            "adagrad",
            "G ← G + g²;  w ← w − η·g/(√G + ε)",
            ("G",),
            _adagrad,
            _x_adagrad,
            default_eps=1e-10,
            hyper=("lr", "eps"),
        ),
        Optimizer(
            "rmsprop",
            "s ← ρ·s + (1−ρ)·g²;  w ← w − η·g/(√s + ε)",
            ("s",),
            _rmsprop,
            _x_rmsprop,
            hyper=("lr", "rho", "eps"),
        ),
        Optimizer(
            "adam",
            "m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  m̂ = m/(1−β1^t), v̂ = v/(1−β2^t);  "
            "w ← w − η·m̂/(√v̂ + ε)",
            ("m", "v"),
            _adam,
            _x_adam,
            hyper=("lr", "beta1", "beta2", "eps"),
        ),
        Optimizer(
            "nadam",
            "μ_t = β1·(1 − ½·0.96^(t·ψ));  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  "
            "w ← w − η·[(1−μ_t)·g/(1−Πμ) + μ_t+1·m/(1−Πμ·μ_t+1)]/(√v̂ + ε)",
            ("m", "v", "mu_prod"),
            _nadam,
            _x_nadam,
            hyper=("lr", "beta1", "beta2", "eps", "momentum_decay"),
        ),
        Optimizer(
            "adadelta",
            "s ← ρ·s + (1−ρ)·g²;  Δ = √(d + ε)/√(s + ε)·g;  d ← ρ·d + (1−ρ)·Δ²;  w ← w − η·Δ",
            ("s", "d"),
            _adadelta,
            _x_adadelta,
            default_eps=1e-6,
            hyper=("lr", "rho", "eps"),
        ),
    ]
}


USUAL_LR = {  # each optimizer's usual learning rate for the explainer's small networks
    "sgd": 0.1,
    "momentum": 0.05,
    "nesterov": 0.05,
    "adagrad": 0.05,
    "rmsprop": 0.01,
    "adam": 0.01,
    "nadam": 0.01,
    "adadelta": 1.0,
}


def get_optimizer(name: str) -> Optimizer:
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise KeyError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}") from None
