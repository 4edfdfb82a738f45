"""The construct check: do these weights make the network compute its data on every input?

A network's output is read as a class: one output unit is 1 when a ≥ 0.5 (a step unit gives 0 or
1 itself), several are the largest one. Each input that gives the wrong class is named.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.numpy_engine import Network, core
from engine.numpy_engine.fmt import num


@dataclass(frozen=True)
class Verdict:
    right: bool  # every input gives its target
    wrong: tuple[str, ...]  # one sentence per input that does not


def _row(x) -> str:
    return "(" + ", ".join(num(v) for v in np.ravel(x)) + ")"


def construct_check(net: Network, params) -> Verdict:
    """Check `params` ((W, b) per layer) on every input of the network's data."""
    X, Y = net.data.inputs, net.data.targets
    with np.errstate(all="ignore"):
        out = core.forward(net.model, params, X.astype(np.float64)).A[-1]
    wrong = []
    for x, a, y in zip(X, out, Y, strict=True):
        if len(a) == 1:
            got, want = int(a[0] >= 0.5), int(y[0] >= 0.5)
            shown = num(a[0]) if num(a[0]) == str(got) else f"{num(a[0])}, read as {got}"
        else:
            got, want = int(np.argmax(a)), int(np.argmax(y))
            shown = f"class {got}"
        if not np.isfinite(a).all() or got != want:
            wrong.append(f"input {_row(x)}: the output is {shown}, the target is {want}")
    return Verdict(not wrong, tuple(wrong))


def params_from_layers(net: Network, layers: list[dict]):
    """(W, b) per layer from [{"weights", "bias"}, …] in the network file's layout; ValueError
    naming the layer when a shape or a value is wrong."""
    if not isinstance(layers, (list, tuple)) or len(layers) != net.model.depth:
        raise ValueError(f"the solution needs {net.model.depth} layers of weights and biases")
    out = []
    for k, (lay, d) in enumerate(zip(layers, net.model.layers, strict=True)):
        w_shape, b_shape = d.param_shapes()
        try:
            W = np.asarray(lay["weights"], dtype=np.float64)
            b = np.asarray(lay["bias"], dtype=np.float64)
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"layer {k + 1} needs 'weights' and 'bias' as numbers") from None
        if W.shape != tuple(w_shape) or b.shape != tuple(b_shape):
            raise ValueError(f"layer {k + 1}: weights {list(w_shape)} and bias {list(b_shape)}")
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ValueError(f"layer {k + 1} holds a value that is not a finite number")
        out.append((W, b))
    return tuple(out)


__all__ = ["Verdict", "construct_check", "params_from_layers"]
