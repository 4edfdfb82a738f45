"""The image parts of a network file: an input `shape`, conv, maxpool/avgpool and flatten layers.

Each reader checks its fields (each error names the field) and the shapes (a kernel larger than its
input, maps fed to a dense layer without a flatten: the message names the layer and the shapes).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import fields as F
from .activations import ACTIVATIONS
from .fields import NetworkFileError
from .layer_def import out_size
from .limits import (
    MAX_CHANNELS,
    MAX_IMAGE_SIDE,
    MAX_KERNEL,
    MAX_MAP_UNITS,
    MAX_PADDING,
    MAX_STRIDE,
    MAX_SYMBOL_CHARS,
)

IMAGE_KINDS = ("conv", "maxpool", "avgpool", "flatten")
CONV_KEYS = ("type", "filters", "kernel", "stride", "padding", "activation", "weights", "bias",
             "frozen", "symbols", "name")  # fmt: skip
POOL_KEYS = ("type", "size", "stride", "name")


def shape_text(shape: tuple[int, ...]) -> str:
    return f"{shape[0]} units" if len(shape) == 1 else "×".join(map(str, shape)) + " maps"


def input_shape(v: Any, where: str) -> tuple[int, int, int]:
    """[C, H, W] or [H, W] (one channel) -> (C, H, W)."""
    if not isinstance(v, list) or len(v) not in (2, 3):
        raise NetworkFileError(where, f"expected [C, H, W] or [H, W], got {F.describe(v)}")
    if len(v) == 2:
        v = [1, *v]
    c = F.whole(v[0], F.at(where, "[0]"), 1, MAX_CHANNELS)
    h = F.whole(v[1], F.at(where, f"[{len(v) - 2}]"), 1, MAX_IMAGE_SIDE)
    w = F.whole(v[2], F.at(where, f"[{len(v) - 1}]"), 1, MAX_IMAGE_SIDE)
    return c, h, w


def symbols(v: Any, where: str, n: int) -> tuple[str, ...]:
    if not isinstance(v, list) or len(v) != n:
        raise NetworkFileError(where, f"expected a list of {n} names, got {F.describe(v)}")
    for i, s in enumerate(v):
        if not isinstance(s, str) or not 1 <= len(s) <= MAX_SYMBOL_CHARS:
            raise NetworkFileError(
                F.at(where, f"[{i}]"), f"expected a name of 1 to {MAX_SYMBOL_CHARS} characters"
            )
    return tuple(v)


def _pair(v: Any, where: str) -> tuple[int, int]:
    if isinstance(v, list):
        if len(v) != 2:
            raise NetworkFileError(where, f"expected k or [kh, kw], got {F.describe(v)}")
        return F.whole(v[0], F.at(where, "[0]"), 1, MAX_KERNEL), F.whole(
            v[1], F.at(where, "[1]"), 1, MAX_KERNEL
        )
    k = F.whole(v, where, 1, MAX_KERNEL)
    return k, k


def nested(v: Any, where: str, shape: tuple[int, ...]) -> np.ndarray:
    """A float64 array of exactly `shape` from nested lists of finite numbers."""
    if len(shape) == 1:
        return np.array(F.vector(v, where, shape[0]))
    if not isinstance(v, list) or len(v) != shape[0]:
        raise NetworkFileError(
            where, f"expected {shape[0]} lists (shape {list(shape)}), got {F.describe(v)}"
        )
    return np.stack([nested(x, F.at(where, f"[{i}]"), shape[1:]) for i, x in enumerate(v)])


def map_out(k: int, kind: str, prev: tuple[int, ...], kernel, stride: int, pad: int, filters: int):
    """The output shape of an image layer, or an error naming the layer and the shapes."""
    where = F.layer_field(k)
    if len(prev) != 3:
        raise NetworkFileError(
            where, f"a {kind} layer needs maps (C, H, W) but layer {k - 1} gives {shape_text(prev)}"
        )
    c, h, w = prev
    oh, ow = out_size(h, kernel[0], stride, pad), out_size(w, kernel[1], stride, pad)
    if oh < 1 or ow < 1:
        raise NetworkFileError(
            where,
            f"the {kernel[0]}×{kernel[1]} {'kernel' if kind == 'conv' else 'window'} does not "
            f"fit the {h}×{w} input from layer {k - 1}" + (f" (padding {pad})" if pad else ""),
        )
    out = (filters if kind == "conv" else c, oh, ow)
    if math.prod(out) > MAX_MAP_UNITS:
        raise NetworkFileError(
            where, f"{shape_text(out)} is over the limit of {MAX_MAP_UNITS:,} cells"
        )
    return out


def conv_fields(obj: dict, k: int, prev: tuple[int, ...]) -> dict:
    """The checked fields of a conv layer: shape, kernel, stride, padding, weights, bias, symbols."""
    where = F.layer_field(k)
    K = F.whole(obj.get("filters"), F.at(where, ".filters"), 1, MAX_CHANNELS)
    kernel = _pair(obj.get("kernel"), F.at(where, ".kernel"))
    stride = F.whole(obj.get("stride", 1), F.at(where, ".stride"), 1, MAX_STRIDE)
    pad = F.whole(obj.get("padding", 0), F.at(where, ".padding"), 0, MAX_PADDING)
    out = map_out(k, "conv", prev, kernel, stride, pad, K)
    act = F.choice(obj.get("activation", "linear"), F.at(where, ".activation"), tuple(ACTIVATIONS))
    if act == "softmax":
        raise NetworkFileError(
            F.at(where, ".activation"), "softmax is only allowed on the output layer"
        )
    wshape = (K, prev[0], *kernel)
    w = nested(obj["weights"], F.at(where, ".weights"), wshape) if "weights" in obj else None
    b = F.vector(obj["bias"], F.at(where, ".bias"), K) if "bias" in obj else None
    syms = (
        symbols(obj["symbols"], F.at(where, ".symbols"), math.prod(wshape))
        if "symbols" in obj
        else ()
    )
    return {
        "shape": out, "kernel": kernel, "stride": stride, "padding": pad, "activation": act,
        "weights": None if w is None else w.tolist(), "bias": b, "symbols": syms,
    }  # fmt: skip


def pool_fields(obj: dict, k: int, kind: str, prev: tuple[int, ...]) -> dict:
    where = F.layer_field(k)
    size = _pair(obj.get("size", 2), F.at(where, ".size"))
    default = size[0] if size[0] == size[1] else None
    if "stride" not in obj and default is None:
        raise NetworkFileError(
            F.at(where, ".stride"), "give a stride for a window that is not square"
        )
    stride = F.whole(obj.get("stride", default), F.at(where, ".stride"), 1, MAX_STRIDE)
    return {"shape": map_out(k, kind, prev, size, stride, 0, 0), "kernel": size, "stride": stride}


def flatten_shape(k: int, prev: tuple[int, ...]) -> tuple[int]:
    if len(prev) != 3:
        raise NetworkFileError(
            F.layer_field(k),
            f"flatten needs maps (C, H, W) but layer {k - 1} gives {shape_text(prev)}",
        )
    return (math.prod(prev),)


def layer_to_dict(lay, w=None, b=None) -> dict:
    """An image layer (or the shaped input) as written in a network file."""
    if lay.kind == "input":
        d: dict[str, Any] = {"shape": list(lay.shape)}
        if lay.symbols:
            d["symbols"] = list(lay.symbols)
        return d
    if lay.kind == "flatten":
        return {"type": "flatten"}
    if lay.kind == "batchnorm":
        from .batchnorm import to_dict

        return to_dict(lay, w, b)
    if lay.kind in ("maxpool", "avgpool"):
        return {"type": lay.kind, "size": list(lay.kernel), "stride": lay.stride}
    d = {
        "type": "conv", "filters": lay.shape[0], "kernel": list(lay.kernel), "stride": lay.stride,
        "padding": lay.padding, "activation": lay.activation,
    }  # fmt: skip
    w = w if w is not None else lay.weights
    b = b if b is not None else lay.bias
    if w is not None:
        d["weights"] = np.asarray(w).tolist()
    if b is not None:
        d["bias"] = list(b)
    if lay.frozen:
        d["frozen"] = sorted(lay.frozen)
    if lay.symbols:
        d["symbols"] = list(lay.symbols)
    return d
