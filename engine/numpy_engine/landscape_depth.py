"""Depth and initialisation: per layer, the spread of the activations and the size of the gradient
at one step, the numbers of the explainer's strip beside the drawing (the vanishing gradient of a
deep sigmoid net, layer by layer).

The step's own batch and dropout masks are used, exactly as `Network.step` computes them, so the
gradient norms are those of the update the learner is looking at.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import core
from .network import Network, TrainState


@dataclass(frozen=True)
class LayerStat:
    layer: int  # 1..L, as in the course
    kind: str  # dense | conv | maxpool | avgpool | flatten
    act_mean: float  # mean of the layer's output a over the batch and its units
    act_std: float  # standard deviation of the same numbers: the activations' spread
    grad_norm: float  # ‖∂L/∂W‖ (Frobenius, with the L1/L2 term); 0 for a layer without weights
    bias_grad_norm: float  # ‖∂L/∂b‖
    has_weights: bool = True  # the layer type has W and b (the strip draws only those)


def layer_strip(net: Network, state: TrainState) -> tuple[LayerStat, ...]:
    """One LayerStat per layer at the step after `state` (its batch, its dropout masks)."""
    m = net.model
    _, X, Y, masks = net.batch(state)
    with np.errstate(all="ignore"):
        fw = core.forward(m, state.params, X, masks)
        bw = core.backward(m, state.params, fw, Y)
    out = []
    for k, (gW, gb) in enumerate(bw.grads):
        a = fw.A[k + 1]
        out.append(
            LayerStat(
                k + 1,
                m.layer(k).kind,
                float(a.mean()),
                float(a.std()),
                float(np.linalg.norm(gW)),
                float(np.linalg.norm(gb)),
                m.layer(k).type.has_weights,
            )  # fmt: skip
        )
    return tuple(out)


INIT_COMPARED = ("zeros", "normal_sigma", "xavier_normal", "he_normal")  # side by side at step 0


@dataclass(frozen=True)
class InitLayer:
    layer: int  # 1..L
    act_std: float  # spread of the layer's activations at step 0
    grad_norm: float  # ‖∂L/∂W‖ at step 0
    act_hist: tuple[np.ndarray, np.ndarray]  # (counts, bin edges) of the activations
    grad_hist: tuple[np.ndarray, np.ndarray]  # (counts, bin edges) of ∂L/∂W's entries


def _hist(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """np.histogram over the values' range, widened to ±0.5 around them when they are (nearly)
    all one number (the zeros scheme), where numpy cannot make `bins` finite-sized bins."""
    v = values[np.isfinite(values)]
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)
    if hi - lo <= 1e-9 * max(1.0, abs(lo), abs(hi)):
        lo, hi = lo - 0.5, hi + 0.5
    return np.histogram(v, bins=bins, range=(lo, hi))


def init_params_as(net: Network, scheme: str, sigma: float = 0.01, seed: int = 0):
    """Every weight drawn by `scheme` (the file's explicit weights ignored, biases 0):
    "normal_sigma" is N(0, σ²) with σ chosen; the others are the network file's schemes."""
    from dataclasses import replace

    from .network import init_params
    from .spec import InitSpec

    if scheme == "normal_sigma":
        if not (np.isfinite(sigma) and 0 < sigma <= 10):
            raise ValueError(f"σ must be a number in (0, 10], not {sigma!r}")
        rng = np.random.default_rng(seed)
        start = init_params(net.spec)
        return tuple(  # a batch norm keeps γ = 1, β = 0, as under every scheme
            (W, b) if net.model.layer(k).kind == "batchnorm"
            else (rng.normal(0, sigma, W.shape), np.zeros_like(b))
            for k, (W, b) in enumerate(start)
        )  # fmt: skip
    bare = tuple(replace(lay, weights=None, bias=None) for lay in net.spec.layers)
    spec = replace(net.spec, layers=bare, init=InitSpec(scheme=scheme, seed=seed))
    return init_params(spec)


def init_compare(net: Network, schemes=INIT_COMPARED, sigma: float = 0.01, bins: int = 30,
                 stop=None):  # fmt: skip
    """{scheme: one InitLayer per layer with weights} at step 0 on the first batch (`stop` asked
    before each scheme: Cancelled when it says yes)."""
    from .landscape_forward import check_stop

    out = {}
    for scheme in schemes:
        check_stop(stop)
        params = init_params_as(net, scheme, sigma)
        state = TrainState(params, core.init_opt_state(net.model, params), 0)
        _, X, Y, masks = net.batch(state)
        with np.errstate(all="ignore"):
            fw = core.forward(net.model, params, X, masks)
            bw = core.backward(net.model, params, fw, Y)
        rows = []
        for k, (gW, _) in enumerate(bw.grads):
            if not net.model.layer(k).type.has_weights:
                continue
            a = fw.A[k + 1]
            rows.append(InitLayer(k + 1, float(a.std()), float(np.linalg.norm(gW)),
                                  _hist(a.ravel(), bins), _hist(gW.ravel(), bins)))  # fmt: skip
        out[scheme] = tuple(rows)
    return out
