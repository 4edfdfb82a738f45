"""The batch-norm layer: y = γ·x̂ + β with x̂ = (x − μ)/√(σ² + ε), per unit or per channel.

After a dense layer the statistics are per unit over the batch (x is (n, C)); after a conv layer
per channel over the batch and every cell of its map (x is (n, C, H, W), reduced over N, H, W).
In training mode μ and σ² are the batch's (σ² biased, divided by m), and the running statistics
move as torch's do: running_mean ← (1 − momentum)·running_mean + momentum·μ and running_var the
same with the unbiased variance m/(m − 1)·σ². In evaluation mode the running statistics are used
and nothing moves.

The backward goes through the computational graph the classic explanations draw (Ioffe & Szegedy
2015), each node's gradient kept so that it can be shown:

    ∂L/∂x̂  = ∂L/∂y·γ
    ∂L/∂σ² = Σ ∂L/∂x̂·(x − μ)·(−½)(σ² + ε)^(−3/2)
    ∂L/∂μ  = Σ ∂L/∂x̂·(−1/√(σ² + ε)) + ∂L/∂σ²·Σ −2(x − μ)/m
    ∂L/∂x  = ∂L/∂x̂/√(σ² + ε) + ∂L/∂σ²·2(x − μ)/m + ∂L/∂μ/m
    ∂L/∂γ  = Σ ∂L/∂y·x̂,   ∂L/∂β = Σ ∂L/∂y

(sums over the batch, and over every cell of a channel's maps after a conv layer). In the core's
terms the layer's weights W are γ and its bias b is β, so optimizers update them like any
parameter; δ of the layer is ∂L/∂y (after its activation's derivative).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .blocks import Block, Declared, interleave, run
from .fields import NetworkFileError, describe
from .layer_def import LayerDef

EPS = 1e-5
MOMENTUM = 0.1


class Stats(NamedTuple):
    """The running statistics of one batch-norm layer, per channel (C,)."""

    mean: np.ndarray
    var: np.ndarray


class BNForward(NamedTuple):
    mean: np.ndarray  # μ (C,)
    var: np.ndarray  # σ² (C,), biased in training mode; the running variance in eval mode
    xhat: np.ndarray  # x̂, the shape of x
    y: np.ndarray  # γ·x̂ + β


class BNBackward(NamedTuple):
    dxhat: np.ndarray  # ∂L/∂x̂, the shape of x
    dvar: np.ndarray  # ∂L/∂σ² (C,) (zero in eval mode: σ² is a constant there)
    dmean: np.ndarray  # ∂L/∂μ (C,) (zero in eval mode)
    dx: np.ndarray  # ∂L/∂x, the shape of x
    dgamma: np.ndarray  # ∂L/∂γ (C,)
    dbeta: np.ndarray  # ∂L/∂β (C,)


def axes(x: np.ndarray) -> tuple[int, ...]:
    """The axes a channel's statistics run over: the batch, and the cells of an image's maps."""
    return (0,) if x.ndim == 2 else (0, 2, 3)


def per_channel(v: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A (C,) vector shaped to broadcast against x."""
    return v if x.ndim == 2 else v[None, :, None, None]


def count(x: np.ndarray) -> int:
    """m, the numbers each channel's statistics average over."""
    return x.size // x.shape[1]


def norm_forward(
    x: np.ndarray, gamma, beta, eps: float = EPS, stats: Stats | None = None
) -> BNForward:
    """Training mode (stats None): the batch's μ and biased σ²; evaluation mode: the running ones."""
    if stats is None:
        mean = x.mean(axis=axes(x))
        var = ((x - per_channel(mean, x)) ** 2).mean(axis=axes(x))
    else:
        mean, var = np.asarray(stats.mean), np.asarray(stats.var)
    xhat = (x - per_channel(mean, x)) / np.sqrt(per_channel(var, x) + eps)
    return BNForward(mean, var, xhat, per_channel(gamma, x) * xhat + per_channel(beta, x))


def norm_backward(
    x: np.ndarray, gamma, f: BNForward, dy: np.ndarray, eps: float = EPS, train: bool = True
) -> BNBackward:
    """Back through the graph node by node (see the module's text); dy is ∂L/∂y."""
    ax, m = axes(x), count(x)
    inv = 1.0 / np.sqrt(f.var + eps)  # 1/√(σ² + ε) (C,)
    xmu = x - per_channel(f.mean, x)
    dxhat = dy * per_channel(gamma, x)
    dgamma, dbeta = (dy * f.xhat).sum(axis=ax), dy.sum(axis=ax)
    if not train:  # μ and σ² are constants: only the scaling remains
        zero = np.zeros_like(inv)
        return BNBackward(dxhat, zero, zero.copy(), dxhat * per_channel(inv, x), dgamma, dbeta)
    dvar = (dxhat * xmu).sum(axis=ax) * -0.5 * inv**3
    dmean = (dxhat * -per_channel(inv, x)).sum(axis=ax) + dvar * (-2.0 * xmu).sum(axis=ax) / m
    dx = (
        dxhat * per_channel(inv, x)
        + per_channel(dvar, x) * 2.0 * xmu / m
        + per_channel(dmean, x) / m
    )
    return BNBackward(dxhat, dvar, dmean, dx, dgamma, dbeta)


def next_stats(stats: Stats, f: BNForward, m: int, momentum: float = MOMENTUM) -> Stats:
    """The running statistics after a training step, as torch moves them (unbiased variance)."""
    unbiased = f.var * m / (m - 1) if m > 1 else f.var
    return Stats(
        (1 - momentum) * stats.mean + momentum * f.mean,
        (1 - momentum) * stats.var + momentum * unbiased,
    )


# ---- the layer, as the core chains it: W = γ, b = β ----
class Options(NamedTuple):
    """A batch-norm layer's settings (LayerDef.options); the running statistics as read from the
    file are those evaluation mode uses (a training step moves its own copy, see next_stats)."""

    eps: float = EPS
    momentum: float = MOMENTUM
    train: bool = True  # False: evaluation mode (the running statistics, nothing moves)
    running_mean: tuple[float, ...] = ()
    running_var: tuple[float, ...] = ()


def _stats(o: Options) -> Stats | None:
    return None if o.train else Stats(np.array(o.running_mean), np.array(o.running_var))


def forward(d: LayerDef, W: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    o = d.options or Options()
    return norm_forward(x, W, b, o.eps, _stats(o)).y


def forward_points(d: LayerDef, W: np.ndarray, b: np.ndarray, A: np.ndarray, shared: bool):
    """The forward at G points of parameter space at once (the loss landscape): γ W (G, C), β b
    (G, C); A (n, C[, H, W]) when `shared` else (G, n, C[, H, W]). Each point normalises with its
    own batch's statistics (training mode) or the running ones."""
    o = d.options or Options()
    x = A[None] if shared else A
    ax = (1,) if x.ndim == 3 else (1, 3, 4)
    tail = (1,) * (x.ndim - 3)  # the map's cells
    if o.train:
        mean = x.mean(axis=ax, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=ax, keepdims=True)
    else:
        mean = np.reshape(o.running_mean, (1, 1, -1, *tail))
        var = np.reshape(o.running_var, (1, 1, -1, *tail))
    xhat = (x - mean) / np.sqrt(var + o.eps)
    G = len(W)
    return W.reshape(G, 1, -1, *tail) * xhat + b.reshape(G, 1, -1, *tail)


def backward(d: LayerDef, W: np.ndarray, x: np.ndarray, delta: np.ndarray, need_dx: bool):
    """(∂L/∂γ (C,), ∂L/∂β (C,), ∂L/∂x or None) from δ = ∂L/∂y, recomputing the forward from x."""
    o = d.options or Options()
    f = norm_forward(x, W, np.zeros_like(W), o.eps, _stats(o))
    g = norm_backward(x, W, f, delta, o.eps, o.train)
    return g.dgamma, g.dbeta, g.dx if need_dx else None


def param_shapes(d: LayerDef) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(γ: (C,), β: (C,)), C the units of a dense layer's output or the channels of a conv's."""
    return (d.in_shape[0],), (d.in_shape[0],)


# ---- the network file ----
KEYS = ("type", "activation", "momentum", "eps", "gamma", "beta", "running_mean", "running_var",
        "mode", "frozen", "name")  # fmt: skip
MODES = ("train", "eval")
FROZEN = {"gamma": "weights", "beta": "bias"}  # the file's names, the core's parts


def _frozen(v, where: str) -> frozenset[str]:
    v = [v] if isinstance(v, str) else v
    if not isinstance(v, list) or any(x not in FROZEN for x in v) or len(set(v)) != len(v):
        raise NetworkFileError(where, f"expected a list of distinct gamma, beta; got {describe(v)}")
    return frozenset(FROZEN[x] for x in v)


def parse(obj: dict, k: int, prev_kind: str, prev_shape: tuple[int, ...], last: bool) -> dict:
    """The checked fields of a batchnorm layer `layers[k]` (each error names its field)."""
    from . import fields as F
    from .activations import ACTIVATIONS

    where = f"layers[{k}]"
    if last:
        raise NetworkFileError(where, "the output layer must be dense; add one after the batchnorm")
    if prev_kind not in ("dense", "conv", "maxpool", "avgpool"):
        what = "the input" if prev_kind == "input" else f"a {prev_kind} layer"
        raise NetworkFileError(
            where,
            f"a batchnorm layer normalises a dense, conv or pooling layer's output, not {what}",
        )
    obj = F.keys(obj, where, KEYS)
    C = prev_shape[0]
    act = F.choice(obj.get("activation", "linear"), f"{where}.activation", tuple(ACTIVATIONS))
    if act == "softmax":
        raise NetworkFileError(f"{where}.activation", "softmax is only allowed on the output layer")
    eps = F.number(obj.get("eps", EPS), f"{where}.eps", low=0.0, high=1.0, low_open=True)
    mom = F.number(obj.get("momentum", MOMENTUM), f"{where}.momentum", low=0.0, high=1.0)
    mode = F.choice(obj.get("mode", "train"), f"{where}.mode", MODES)
    vec = {key: F.vector(obj[key], f"{where}.{key}", C) if key in obj else None
           for key in ("gamma", "beta", "running_mean", "running_var")}  # fmt: skip
    var = vec["running_var"] or (1.0,) * C
    for i, v in enumerate(var):
        if v < 0:
            raise NetworkFileError(f"{where}.running_var[{i}]", f"a variance is never negative, got {v:g}")  # fmt: skip
    opts = Options(eps, mom, mode == "train", vec["running_mean"] or (0.0,) * C, var)
    frozen = _frozen(obj.get("frozen", []), f"{where}.frozen")
    return {"shape": prev_shape, "activation": act, "gamma": vec["gamma"], "beta": vec["beta"],
            "options": opts, "frozen": frozen}  # fmt: skip


def to_dict(lay, w=None, b=None) -> dict:
    """A batchnorm layer as written in a network file (γ, β: the given or the trained ones)."""
    o: Options = lay.options
    d = {"type": "batchnorm", "activation": lay.activation, "momentum": o.momentum, "eps": o.eps}
    w = w if w is not None else lay.weights
    b = b if b is not None else lay.bias
    if w is not None:
        d["gamma"] = [float(x) for x in np.ravel(w)]
    if b is not None:
        d["beta"] = [float(x) for x in np.ravel(b)]
    d["running_mean"], d["running_var"] = list(o.running_mean), list(o.running_var)
    if not o.train:
        d["mode"] = "eval"
    if lay.frozen:
        d["frozen"] = sorted(k for k, v in FROZEN.items() if v in lay.frozen)
    return d


# ---- the events (written in batchnorm_events.py) ----
def events(d: LayerDef, masked: bool) -> Declared:
    """Batch: μ then σ² per channel. Per sample: every x̂, every z = γx̂ + β, every a = g(z);
    backward per unit ∂L/∂a, δ = ∂L/∂z, ∂L/∂x̂; batch: ∂L/∂σ², ∂L/∂μ (training mode) per
    channel, then per channel ∂L/∂γ, ∂L/∂β; updates: every γ then every β."""
    n, C = d.units, d.in_shape[0]
    grads = (run("bn_dvar", C), run("bn_dmean", C)) if (d.options or Options()).train else ()
    return Declared(
        forward=(run("xhat", n), run("z", n), run("a", n)),
        delta=(interleave(n, "da", "delta", "dxhat"),),
        grads=(*grads, Block((("grad_w", 1), ("grad_b", 1)), C)),
        updates=(Block((("update_w", C), ("update_b", C))),),
        batch_forward=(run("bn_mean", C), run("bn_var", C)),
    )


def event(c, kind: str, k: int, s: int | None, u: int):
    from .batchnorm_events import event as write

    return write(c, kind, k, s, u)


def input_grad_event(c, kn: int, k: int, s: int, i: int):
    from .batchnorm_events import input_grad_event as write

    return write(c, kn, k, s, i)


def value(c, kind: str, k: int, s: int | None, u: int) -> float:
    """The value of its own kinds' events, read from the step's arrays (Trace.value)."""
    from .batchnorm_events import read

    return float(np.ravel(read(c, kind, k, s))[u])


PARAM_SYMBOLS = ("γ", "β")  # the update events' names of W and b


def update_ids(d: LayerDef, l: int, idx: tuple[int, ...]):
    """(nodes, edges) an update of γ[l][c] or β[l][c] touches: the channel's first unit."""
    from .ids import unit_id

    first = idx[0] * (d.units // d.in_shape[0])
    return (unit_id(l, d.out_shape, first),), ()


SNIPPETS = "batchnorm_code"  # the module writing the Code panel's lines of its events
IN_SCRIPTS = True  # export-code writes it (codegen/numpy_norm.py, torch_script.py)
GROUP_NAMES = {"bn_mean": "μ", "bn_var": "σ²", "xhat": "x̂", "z": "z"}  # the Events tree's rows


def check_batches(d: LayerDef, k: int, sizes: dict[int, int]) -> None:
    """Training mode after a dense layer needs batches of 2 or more samples: over one sample every
    x̂ is 0 (σ² = 0) and torch refuses it ("Expected more than 1 value per channel")."""
    if (d.options or Options()).train and len(d.in_shape) == 1 and min(sizes) < 2:
        raise NetworkFileError(
            "training.batch_size",
            f"layer {k + 1} is a batch norm in training mode after a dense layer: every batch "
            "needs 2 or more samples (a batch of one normalises every unit to 0); use a larger "
            'batch, data whose count the batch size divides, or "mode": "eval"',
        )
