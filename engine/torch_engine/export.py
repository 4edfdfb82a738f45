"""A trained torch model and a few MNIST digits as a network file (DESIGN.md), so the explainer
steps one real digit through the real model exactly as through the 2-2-2 example.

The exported network is the model's evaluation-mode function: dropout is the identity, and each
BatchNorm2d is folded into the convolution before it (W' = W·γ/√(σ²+ε), b' = β + (b − μ)·γ/√(σ²+ε),
computed in float64) by default (batchnorm="fold"), also across max-pooling when its every scale
is positive (the fast CNN: conv, max-pool, batch norm, ReLU; see _after_pool), else it is kept as
a layer of its own. With batchnorm="keep" (the CLI's --batchnorm
keep) each BatchNorm1d/2d becomes a batchnorm layer of its own in evaluation mode ("mode": "eval",
its γ, β, running mean and variance, ε and momentum): the explainer then steps x̂ = (x − μ)/√(σ²+ε)
and z = γx̂ + β with the running statistics, and the gradients of γ and β; the function is the
same. Folding stays the default: fewer layers to step, and the file any older reader takes. Inputs are normalised by mnist.normalise, as the trainer does; the output
gets a softmax under the cce loss (torch's cross_entropy on the logits), and the optimizer is plain
SGD. A layer the NumPy engine cannot express is refused with an ExportError naming it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from engine.atomic import atomic_write_bytes
from engine.safe_io import check_output_path

from .evaluation import keeps_order
from .mnist import MEAN, STD, normalise

ACT_NAMES = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid", nn.Identity: "linear"}
DEFAULT_LR = 0.01  # SGD's learning rate in the exported file: one visible, unexplosive step
BATCHNORM_CHOICES = ("fold", "keep")  # a batch norm folded into its conv, or kept as a layer


class ExportError(ValueError):
    """A model or digits that cannot be written as a network file; the message says which."""


def _act_name(m: nn.Module) -> str | None:
    if isinstance(m, nn.LeakyReLU) and m.negative_slope == 0.01:
        return "leaky_relu"
    if isinstance(m, nn.ELU) and m.alpha == 1.0:
        return "elu"
    return ACT_NAMES.get(type(m))


def _f64(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().to(torch.float64).numpy()


def _conv(m: nn.Conv2d, where: str) -> dict:
    ok = (
        m.groups == 1
        and m.dilation == (1, 1)
        and m.stride[0] == m.stride[1]
        and isinstance(m.padding, tuple)
        and m.padding[0] == m.padding[1]
        and m.padding_mode == "zeros"
    )
    if not ok:
        raise ExportError(
            f"{where}: the NumPy engine's conv has one stride and one zero padding for both "
            f"sides, no groups and no dilation; this Conv2d ({m}) cannot be expressed"
        )
    w = _f64(m.weight)  # (K, C, kh, kw)
    b = _f64(m.bias) if m.bias is not None else np.zeros(w.shape[0])
    return {"type": "conv", "filters": int(w.shape[0]), "kernel": list(w.shape[2:]),
            "stride": int(m.stride[0]), "padding": int(m.padding[0]), "activation": "linear",
            "weights": w, "bias": b}  # fmt: skip


def _fold(conv: dict, bn: nn.BatchNorm2d) -> None:
    """Fold an eval-mode batch norm into the conv before it (float64)."""
    scale = _f64(bn.weight) / np.sqrt(_f64(bn.running_var) + bn.eps)  # (K,)
    conv["weights"] = conv["weights"] * scale[:, None, None, None]
    conv["bias"] = _f64(bn.bias) + (conv["bias"] - _f64(bn.running_mean)) * scale


def _batchnorm(m: nn.Module, last: dict | None, where: str) -> dict:
    """An eval-mode BatchNorm1d/2d as a batchnorm layer of its own (keep mode)."""
    if last is None or last.get("type", "dense") not in ("dense", "conv", *POOLS):
        raise ExportError(f"{where}: a batch norm must follow a dense, conv or pooling layer")
    if last.get("activation", "linear") != "linear":
        raise ExportError(f"{where}: a batch norm after an activation cannot be expressed")
    if m.running_mean is None or not m.affine:
        raise ExportError(f"{where}: a batch norm without running statistics or scale")
    return {"type": "batchnorm", "activation": "linear", "mode": "eval", "eps": float(m.eps),
            "momentum": float(m.momentum if m.momentum is not None else 0.1),
            "gamma": _f64(m.weight), "beta": _f64(m.bias),
            "running_mean": _f64(m.running_mean), "running_var": _f64(m.running_var)}  # fmt: skip


POOLS = ("maxpool", "avgpool")


def _conv_before_pools(layers: list[dict]) -> tuple[dict | None, list[dict]]:
    """The layer before the pooling layers that end `layers` (None if there is none, or it is no
    conv without an activation), and those pooling layers."""
    k = len(layers)
    while k > 0 and layers[k - 1].get("type") in POOLS:
        k -= 1
    conv = layers[k - 1] if k > 0 else None
    if conv is None or conv.get("type") != "conv" or conv["activation"] != "linear":
        conv = None
    return conv, layers[k:]


def _folded_bn(m: nn.BatchNorm2d, layers: list[dict], following: list, where: str) -> str:
    """A BatchNorm2d in fold mode, folded into the conv right before it, or handled after
    pooling (_after_pool); `following` is the module after it (dropout skipped). Returns the
    note for the description."""
    last = layers[-1] if layers else None
    if last is not None and last.get("type") in POOLS:
        return _after_pool(m, layers, following, where)
    if last is None or last.get("type") != "conv" or last["activation"] != "linear":
        raise ExportError(f"{where}: a batch norm can be folded only into a conv right before it")
    if m.running_mean is None or not m.affine:
        raise ExportError(f"{where}: a batch norm without running statistics or scale cannot be "
                          "folded")  # fmt: skip
    _fold(last, m)
    return "each BatchNorm2d is folded into the conv before it (eval mode)"


def _after_pool(m: nn.BatchNorm2d, layers: list[dict], following: list, where: str) -> str:
    """A batch norm after pooling (the fast CNN: conv, max-pool, batch norm, ReLU), in fold mode.
    With max-pooling only, a ReLU or nothing after it and every scale γ/√(σ²+ε) positive, the
    batch norm keeps the order of each channel's values, so max-pooling picks the same ones and
    it is folded into the conv before the pooling (exact). Otherwise it is a batchnorm layer of
    its own in evaluation mode. Returns the note for the description."""
    conv, pools = _conv_before_pools(layers)
    ok = conv is not None and keeps_order(m) and all(p["type"] == "maxpool" for p in pools)
    ok = ok and (not following or isinstance(following[0], nn.ReLU) or _act_name(following[0])
                 is None)  # fmt: skip
    if ok:
        _fold(conv, m)
        return "each batch norm after max-pooling is folded into the conv before the pooling"
    layers.append(_batchnorm(m, layers[-1], where))
    return "a batch norm after pooling is a layer of its own, in evaluation mode"


def _act_before_pools(layers: list[dict], act: str, where: str) -> None:
    """An activation after pooling: a ReLU after max-pooling is moved onto the conv before it
    (max(relu(z)) = relu(max(z)), and the same value is picked); anything else is refused."""
    conv, pools = _conv_before_pools(layers)
    if act != "relu" or conv is None or any(p["type"] != "maxpool" for p in pools):
        raise ExportError(f"{where}: an activation must follow a dense or conv layer")
    conv["activation"] = act


def _pool(m: nn.Module, where: str) -> dict:
    size, stride, pad = m.kernel_size, m.stride, m.padding
    size = size if isinstance(size, int) else size[0] if size[0] == size[1] else None
    stride = stride if isinstance(stride, int) else stride[0] if stride[0] == stride[1] else None
    bad = size is None or stride is None or pad not in (0, (0, 0))
    bad = bad or getattr(m, "ceil_mode", False) or getattr(m, "dilation", 1) not in (1, (1, 1))
    if bad:
        raise ExportError(f"{where}: this pooling ({m}) has padding, dilation, ceil mode or a "
                          "non-square window, which the NumPy engine cannot express")  # fmt: skip
    kind = "maxpool" if isinstance(m, nn.MaxPool2d) else "avgpool"
    return {"type": kind, "size": int(size), "stride": int(stride)}


def model_layers(model: nn.Module, keep_bn: bool = False) -> tuple[list[dict], list[str]]:
    """The network file's layers 1..L (weights as float64 arrays) and notes for the description;
    keep_bn: batch norms as batchnorm layers in evaluation mode, else folded into their conv."""
    layers: list[dict] = []
    notes: list[str] = []
    mods = list(model) if isinstance(model, nn.Sequential) else [model]
    for k, m in enumerate(mods):
        where = f"model layer {k} ({type(m).__name__})"
        last = layers[-1] if layers else None
        act = _act_name(m)
        if isinstance(m, nn.Linear):
            layers.append({"units": m.out_features, "activation": "linear",
                           "weights": _f64(m.weight), "bias": _f64(m.bias) if m.bias is not None
                           else np.zeros(m.out_features)})  # fmt: skip
        elif isinstance(m, nn.Conv2d):
            layers.append(_conv(m, where))
        elif keep_bn and isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            layers.append(_batchnorm(m, last, where))
            notes.append("each batch norm is a layer of its own, in evaluation mode (the running "
                         "statistics)")  # fmt: skip
        elif isinstance(m, nn.BatchNorm2d):
            after = [x for x in mods[k + 1 :] if not isinstance(x, nn.Dropout)][:1]
            notes.append(_folded_bn(m, layers, after, where))
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
            layers.append(_pool(m, where))
        elif isinstance(m, nn.Flatten):
            if m.start_dim != 1 or m.end_dim != -1:
                raise ExportError(f"{where}: only a flatten of everything but the batch works")
            layers.append({"type": "flatten"})
        elif isinstance(m, nn.Dropout):
            notes.append("dropout is the identity (evaluation mode)")
        elif act is not None and last is not None and last.get("type") in POOLS:
            _act_before_pools(layers, act, where)
        elif act is not None:
            if last is None or last.get("type", "dense") not in ("dense", "conv", "batchnorm"):
                raise ExportError(f"{where}: an activation must follow a dense or conv layer")
            if last["activation"] != "linear":
                raise ExportError(f"{where}: two activations in a row cannot be expressed")
            last["activation"] = act
        else:
            why = f"{where}: the NumPy engine has no {type(m).__name__} layer"
            if isinstance(m, nn.BatchNorm1d):  # folding is for convs; keep mode writes it
                why += " to fold into; with --batchnorm keep it is a batchnorm layer of its own"
            raise ExportError(why)
    if (
        not layers
        or layers[-1].get("type", "dense") != "dense"
        or layers[-1]["activation"] != ("linear")
    ):
        raise ExportError("the model must end with a dense layer giving the logits")
    layers[-1]["activation"] = "softmax"
    return layers, list(dict.fromkeys(notes))


def _as_model(source: Any) -> tuple[nn.Module, str]:
    from .checkpoint import Checkpoint, load_checkpoint

    if isinstance(source, (str, Path)):
        source = load_checkpoint(source)
    if isinstance(source, Checkpoint):
        return source.model, source.config.model.name
    if isinstance(source, nn.Module):
        return source, "model"
    raise ExportError(f"expected a checkpoint or a torch model, got {type(source).__name__}")


def _describe(kind: str, notes: list[str], digits: list[tuple[int | None, int]]) -> str:
    which = ", ".join(f"#{i} (a {y})" if i is not None else f"a {y}" for i, y in digits)
    return " ".join(
        [
            f"A trained MNIST {kind} and test digits {which}, exported for the explainer.",
            f"Inputs are normalised as the trainer does: (pixel/255 − {MEAN}) / {STD}.",
            "The output is a softmax under cross-entropy (torch's cross_entropy on the logits);",
            "the optimizer is plain SGD, one digit per step.",
            *(n[0].upper() + n[1:] + "." for n in notes),
        ]
    )


def export_network(
    source: Any,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    lr: float = DEFAULT_LR,
    indices: list[int] | None = None,
    name: str = "",
    batchnorm: str = "fold",
) -> dict:
    """The network file (a dict, already checked by the NumPy engine's parser) for `source` (a
    Checkpoint, its path or a torch model) and uint8 `images` (n, 28, 28) with their `labels`
    (n,); `indices` are the digits' test-set numbers, for the description; `batchnorm`: "fold"
    (into the conv before) or "keep" (a batchnorm layer in evaluation mode), see above."""
    from engine.numpy_engine.spec import NetworkFileError, parse_network

    model, kind = _as_model(source)
    images, labels = np.asarray(images), np.asarray(labels).astype(int).reshape(-1)
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise ExportError(f"expected n images of 28×28 and n labels, got {images.shape} and "
                          f"{labels.shape}")  # fmt: skip
    if len(images) < 1 or labels.min() < 0 or labels.max() > 9:
        raise ExportError("expected at least one digit, labels between 0 and 9")
    if batchnorm not in BATCHNORM_CHOICES:
        raise ExportError(
            f"batchnorm must be one of {', '.join(BATCHNORM_CHOICES)}, not {batchnorm!r}"
        )
    layers, notes = model_layers(model, keep_bn=batchnorm == "keep")
    x = normalise(images).reshape(len(images), -1).to(torch.float64).numpy()  # (n, 784)
    idx = list(indices) if indices is not None else [None] * len(labels)
    net = {
        "name": name or f"MNIST {kind}, digit {labels[0]}",
        "description": _describe(kind, notes, list(zip(idx, labels.tolist(), strict=True))),
        "layers": [{"shape": [1, 28, 28]}, *(_plain(lay) for lay in layers)],
        "init": {"scheme": "zeros", "seed": 0},
        "loss": "cce",
        "optimizer": {"name": "sgd", "lr": float(lr)},
        "training": {"batch_size": 1, "shuffle": False, "seed": 0},
        "data": {"inputs": x.tolist(), "targets": np.eye(10)[labels].tolist()},
    }
    if isinstance(layers[0], dict) and layers[0].get("type", "dense") == "dense":
        raise ExportError("the model must start with a flatten or a conv for 28×28 images")
    try:
        parse_network(net)
    except NetworkFileError as e:
        raise ExportError(f"the exported network does not fit the explainer: {e}") from None
    return net


def _plain(layer: dict) -> dict:
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in layer.items()}


def write_network_file(path: str | Path, net: dict) -> Path:
    """Write `net` as JSON atomically to `path` (checked first: an UnwritablePath names it)."""
    p = check_output_path(path, "-o")
    return atomic_write_bytes(p, json.dumps(net, allow_nan=False).encode())
