"""The vectorised maths of a network: forward, loss, backward, update. No strings here.

Each layer's own forward and backward sit in its module (dense, conv, pool, flatten); this file
chains them. The trace (trace.py) is written from the arrays these functions return, so the numbers
a learner sees are exactly the numbers the engine used. Layers are numbered as in the course: layer
0 is the input, layers 1..L have parameters W[l] and b[l] (dense: (units, previous units) and
(units,), Z = A W^T + b; conv: (K, C, kh, kw) and (K,); pooling and flatten: empty arrays).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import get_activation, softmax_backward
from .layer_def import LayerDef, dense_defs
from .layers import module
from .losses import get_loss
from .optimizers import OptimizerConfig, get_optimizer

Params = tuple[tuple[np.ndarray, np.ndarray], ...]  # per layer 1..L: (W, b), see above
OptState = tuple[tuple[dict, dict], ...]  # per layer: (state of W, state of b)


@dataclass(frozen=True)
class Model:
    """Everything the maths needs besides the parameters (built from a NetworkSpec)."""

    sizes: tuple[int, ...]  # units per layer, input first
    activations: tuple[str, ...]  # per layer 1..L
    loss: str = "mse"
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    l1: float = 0.0  # λ1
    l2: float = 0.0  # λ2
    dropout: tuple[float, ...] = ()  # per layer 1..L (0 = none)
    frozen: tuple[frozenset, ...] = ()  # per layer 1..L
    layers: tuple[LayerDef, ...] = ()  # per layer 1..L; () = every layer dense over `sizes`
    in_shape: tuple[int, ...] = ()  # the input's shape: (units,) or (C, H, W); () = (sizes[0],)
    in_symbols: tuple[str, ...] = ()  # optional names of the input cells (the course's a..l)

    def __post_init__(self):
        if not self.layers:
            object.__setattr__(self, "layers", dense_defs(self.sizes))
        if not self.in_shape:
            object.__setattr__(self, "in_shape", self.layers[0].in_shape)

    @property
    def depth(self) -> int:
        return len(self.sizes) - 1

    def layer(self, k: int) -> LayerDef:
        return self.layers[k]

    @property
    def input_grad(self) -> bool:
        """True when ∂L/∂input is computed and traced: the first layer is a pooling layer."""
        return self.layers[0].type.is_pool

    @property
    def images(self) -> bool:
        """True when some layer works on maps (conv, pooling, flatten)."""
        return any(len(d.in_shape) == 3 for d in self.layers)

    def drop(self, k: int) -> float:
        return self.dropout[k] if self.dropout else 0.0

    def is_frozen(self, k: int, part: str) -> bool:
        return bool(self.frozen) and part in self.frozen[k]

    def combined_output(self) -> bool:
        """True when the output layer and loss have the combined gradient ∂L/∂z = (a − y)/N."""
        return get_loss(self.loss).combined_with == self.activations[-1]


@dataclass
class Forward:
    """What one forward pass computed (index k = layer k+1; A[0] is the input)."""

    A: list[np.ndarray]  # activations seen by the next layer, A[0] = X   (n, units)
    Z: list[np.ndarray]  # pre-activations per layer 1..L                 (n, units)
    G: list[np.ndarray]  # g(Z) before dropout per layer 1..L             (n, units)
    masks: list[np.ndarray | None]  # dropout keep-masks (0/1) per layer 1..L, None if no dropout


@dataclass
class Backward:
    dA: list[np.ndarray]  # ∂L/∂a per layer 1..L (output: from the loss)       (n, units)
    delta: list[np.ndarray]  # δ = ∂L/∂z per layer 1..L                        (n, units)
    grads: list[tuple[np.ndarray, np.ndarray]]  # (∂L/∂W incl. regularizer, ∂L/∂b) per layer
    dX: np.ndarray | None = None  # ∂L/∂input when the first layer pools it (the routing is shown)


def sample_masks(model: Model, n: int, seed: int, t: int) -> list[np.ndarray | None]:
    """Dropout keep-masks for step t: a pure function of (seed, t), so a step can be replayed."""
    if not any(model.dropout):
        return [None] * model.depth
    rng = np.random.default_rng([seed, t])
    return [
        (rng.random((n, model.sizes[k + 1])) >= p).astype(np.float64) if p > 0 else None
        for k, p in enumerate(model.dropout)
    ]


def forward(model: Model, params: Params, X: np.ndarray, masks=None) -> Forward:
    """X is (n, inputs) flat; an image input is shaped to (n, C, H, W) for the first layer."""
    if len(model.in_shape) > 1:
        X = X.reshape(len(X), *model.in_shape)
    A, Z, G = [X], [], []
    masks = masks if masks is not None else [None] * model.depth
    for k, (W, b) in enumerate(params):
        d = model.layer(k)
        z = module(d.kind).forward(d, W, b, A[-1])  # (n, out) or (n, K, OH, OW)
        g = get_activation(model.activations[k]).forward(z)
        a = g * masks[k] / (1.0 - model.drop(k)) if masks[k] is not None else g
        Z.append(z)
        G.append(g)
        A.append(a)
    return Forward(A, Z, G, list(masks))


def regularization_loss(model: Model, params: Params) -> float:
    r = 0.0
    if model.l2:
        r += 0.5 * model.l2 * sum(float((W * W).sum()) for W, _ in params)
    if model.l1:
        r += model.l1 * sum(float(np.abs(W).sum()) for W, _ in params)
    return r


def data_loss(model: Model, out: np.ndarray, Y: np.ndarray) -> float:
    return get_loss(model.loss).value(out, Y)


def backward(model: Model, params: Params, fw: Forward, Y: np.ndarray) -> Backward:
    L = model.depth
    loss = get_loss(model.loss)
    out = fw.A[-1]
    dA: list = [None] * L
    delta: list = [None] * L
    grads: list = [None] * L
    if model.combined_output():
        n, kk = out.shape
        dA[-1] = loss.grad_a(out, Y)
        delta[-1] = (out - Y) / loss.normaliser(n, kk)  # the combined gradient
    else:
        dA[-1] = loss.grad_a(out, Y)
    for k in range(L - 1, -1, -1):
        act = get_activation(model.activations[k])
        if delta[k] is None:
            dg = dA[k]
            if fw.masks[k] is not None:
                dg = dg * fw.masks[k] / (1.0 - model.drop(k))
            if act.elementwise:
                delta[k] = dg * act.derivative(fw.Z[k], fw.G[k])
            else:
                delta[k] = softmax_backward(fw.G[k], dg)
        W, _ = params[k]
        d = model.layer(k)
        dW, db, dx = module(d.kind).backward(d, W, fw.A[k], delta[k], k > 0 or model.input_grad)
        if model.l2:
            dW = dW + model.l2 * W
        if model.l1:
            dW = dW + model.l1 * np.sign(W)
        grads[k] = (dW, db)
        if k > 0:
            dA[k - 1] = dx  # the shape of layer k's output
    return Backward(dA, delta, grads, dx if model.input_grad else None)


def init_opt_state(model: Model, params: Params) -> OptState:
    opt = get_optimizer(model.optimizer.name)
    return tuple((opt.init(W.shape, W.dtype), opt.init(b.shape, b.dtype)) for W, b in params)


def update(model: Model, params: Params, grads, state: OptState, t: int) -> tuple[Params, OptState]:
    """One optimizer step (t is 1-based). Frozen parts keep their value and their state."""
    opt = get_optimizer(model.optimizer.name)
    cfg = model.optimizer
    new_params, new_state = [], []
    for k, ((W, b), (gW, gb), (sW, sb)) in enumerate(zip(params, grads, state, strict=True)):
        if model.is_frozen(k, "weights"):
            W2, sW2 = W, sW
        else:
            W2, sW2 = opt.step(cfg, W, gW, sW, t)
        if model.is_frozen(k, "bias"):
            b2, sb2 = b, sb
        else:
            b2, sb2 = opt.step(cfg, b, gb, sb, t)
        new_params.append((W2, b2))
        new_state.append((sW2, sb2))
    return tuple(new_params), tuple(new_state)
