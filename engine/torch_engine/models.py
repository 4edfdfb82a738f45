"""MNIST models: the course's MLP, a LeNet-5-style CNN, a fast small CNN, and any model described by
a list of layers (conv, pool, flatten, dense, dropout, batchnorm, activation)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

ACTS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
    "linear": nn.Identity,
}


@dataclass(frozen=True)
class ModelConfig:
    name: str = "mlp"  # mlp | lenet | fast-cnn | custom
    dropout: float = 0.2  # dropout after each hidden dense layer (mlp)
    hidden: tuple[int, ...] = (256, 128)  # hidden sizes (mlp)
    layers: tuple[dict[str, Any], ...] = field(default=())  # the layer list (custom)
    width: float = 1.0  # lenet / fast-cnn: conv filters and hidden dense units times this


class ModelSpecError(ValueError):
    """A layer list that cannot be built; the message names the layer."""


def mlp_layers(hidden=(256, 128), dropout: float = 0.2) -> list[dict]:
    out: list[dict] = [{"type": "flatten"}]
    for h in hidden:
        out.append({"type": "dense", "units": h, "activation": "relu"})
        if dropout:
            out.append({"type": "dropout", "p": dropout})
    out.append({"type": "dense", "units": 10})
    return out


LENET = [  # LeNet-5 (LeCun 1998) with ReLU and max-pooling, 28x28 input padded to keep 28
    {"type": "conv", "out": 6, "kernel": 5, "padding": 2, "activation": "relu"},
    {"type": "pool", "size": 2},
    {"type": "conv", "out": 16, "kernel": 5, "activation": "relu"},
    {"type": "pool", "size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 120, "activation": "relu"},
    {"type": "dense", "units": 84, "activation": "relu"},
    {"type": "dense", "units": 10},
]

# Small enough for a 2-core CPU, batch-normalised so one-cycle converges fast. Each conv is pooled
# before its batch norm and ReLU, so both run on a quarter of the values (issue 21: the training
# step 1.6-1.75x as fast as conv-bn-relu-pool on a CPU, and 99.0% after 1.25-1.5 epochs instead of
# 1.5-1.75). The convs have no bias: the batch norm's beta takes its place.
FAST_CNN = [
    {"type": "conv", "out": 16, "kernel": 5},
    {"type": "pool", "size": 2},
    {"type": "batchnorm", "activation": "relu"},
    {"type": "conv", "out": 32, "kernel": 3},
    {"type": "pool", "size": 2},
    {"type": "batchnorm", "activation": "relu"},
    {"type": "flatten"},
    {"type": "dense", "units": 10},
]
# The fast CNN until 2026-12-06 (conv-bn-relu-pool): checkpoints saved with it still load.
FAST_CNN_BEFORE = (
    {"type": "conv", "out": 16, "kernel": 5, "batchnorm": True, "activation": "relu"},
    {"type": "pool", "size": 2},
    {"type": "conv", "out": 32, "kernel": 3, "batchnorm": True, "activation": "relu"},
    {"type": "pool", "size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 10},
)


def widened(layers: list[dict], width: float) -> list[dict]:
    """A copy of a CNN's layers with each convolution's filters and each hidden dense layer's
    units times `width` (rounded, at least 1); the 10 outputs stay."""
    out = [dict(x) for x in layers]
    if width == 1.0:
        return out
    for i, x in enumerate(out):
        if x["type"] == "conv":
            x["out"] = max(1, round(x["out"] * width))
        elif x["type"] == "dense" and i != len(out) - 1:
            x["units"] = max(1, round(x["units"] * width))
    return out


def layers_for(cfg: ModelConfig) -> list[dict]:
    if cfg.name == "mlp":
        return mlp_layers(cfg.hidden, cfg.dropout)
    if cfg.name == "lenet":
        return widened(LENET, cfg.width)
    if cfg.name == "fast-cnn":
        return widened(FAST_CNN, cfg.width)
    if cfg.name == "custom":
        return [dict(x) for x in cfg.layers]
    raise ModelSpecError(f"unknown model {cfg.name!r}; choose mlp, lenet, fast-cnn or custom")


MAX_PARAMETERS = 20_000_000  # a model larger than this is refused (memory and patience)
MAX_LAYERS = 100  # layers in one model (a custom list's lines): a deeper MNIST model is a typo


def build_layers(layers: list[dict], in_shape=(1, 28, 28)) -> nn.Sequential:
    """Build a Sequential, inferring each layer's input size from the shape so far, each new
    module once (linear in the number of layers)."""
    if len(layers) > MAX_LAYERS:
        raise ModelSpecError(f"{len(layers)} layers; the limit is {MAX_LAYERS}")
    mods: list[nn.Module] = []
    shape = tuple(in_shape)
    for k, spec in enumerate(layers):
        where = f"layer {k} ({spec.get('type')})"
        try:
            new = _layer_modules(spec, shape, where, _normalised_later(layers, k))
            for m in new:
                shape = _out_shape(m, shape)
        except (KeyError, TypeError, ValueError, RuntimeError) as e:
            if isinstance(e, ModelSpecError):
                raise
            raise ModelSpecError(f"{where}: {e}") from None
        mods += new
        if 0 in shape:
            raise ModelSpecError(f"{where}: the image shrank to nothing ({shape})")
    if shape != (10,):
        raise ModelSpecError(f"the model must end with 10 outputs, it ends with shape {shape}")
    return nn.Sequential(*mods)


def _normalised_later(layers: list[dict], k: int) -> bool:
    """Whether layer k, without an activation of its own, reaches a batchnorm layer through
    pooling layers only: a conv's bias would then be a constant per channel that the batch norm
    subtracts again (pooling keeps a constant added to every value of a channel), so the conv is
    built without one. After an activation the bias shifts what it bends, so it stays."""
    if layers[k].get("activation", "linear") not in ("", "linear"):
        return False
    for spec in layers[k + 1 :]:
        if not isinstance(spec, dict) or spec.get("type") != "pool":
            return isinstance(spec, dict) and spec.get("type") == "batchnorm"
    return False


def _layer_modules(
    spec: dict, shape: tuple[int, ...], where: str, normalised_later: bool = False
) -> list[nn.Module]:
    """The modules one layer dict makes, given the shape it receives."""
    kind = spec.get("type")
    mods: list[nn.Module] = []
    if kind in ("conv", "pool") and len(shape) != 3:
        what = "a convolution" if kind == "conv" else "pooling"
        raise ModelSpecError(f"{where}: {what} needs an image input")
    if kind == "conv":
        mods.append(
            nn.Conv2d(
                shape[0],
                int(spec["out"]),
                int(spec.get("kernel", 3)),
                stride=int(spec.get("stride", 1)),
                padding=int(spec.get("padding", 0)),
                bias=not (spec.get("batchnorm", False) or normalised_later),
            )
        )
        if spec.get("batchnorm"):
            mods.append(nn.BatchNorm2d(int(spec["out"])))
    elif kind == "pool":
        pool = nn.AvgPool2d if spec.get("kind", "max") == "avg" else nn.MaxPool2d
        mods.append(pool(int(spec.get("size", 2))))
    elif kind == "flatten":
        mods.append(nn.Flatten())
    elif kind == "dense":
        if len(shape) != 1:
            mods.append(nn.Flatten())
        mods.append(nn.Linear(math.prod(shape), int(spec["units"])))
    elif kind == "dropout":
        mods.append(nn.Dropout(float(spec.get("p", 0.5))))
    elif kind == "activation":
        mods.append(ACTS[spec.get("name", "relu")]())
    elif kind == "batchnorm":  # over the channels of an image, or the units of a flat layer
        mods.append(nn.BatchNorm2d(shape[0]) if len(shape) == 3 else nn.BatchNorm1d(shape[0]))
    else:
        raise ModelSpecError(
            f"{where}: unknown layer type; use conv, pool, batchnorm, flatten, dense, dropout "
            "or activation"
        )
    act = spec.get("activation")
    if act and kind in ("conv", "dense", "batchnorm"):
        if act not in ACTS:
            raise ModelSpecError(f"{where}: unknown activation {act!r}")
        mods.append(ACTS[act]())
    return mods


SAME_SHAPE = (nn.Dropout, nn.BatchNorm1d, nn.BatchNorm2d, *ACTS.values())


def _out_shape(m: nn.Module, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of one sample after `m` (without the batch), worked out as torch's
    documentation gives it (no forward pass); any other module is run on one sample."""
    if isinstance(m, nn.Linear):
        return (m.out_features,)
    if isinstance(m, SAME_SHAPE):
        return shape
    if isinstance(m, nn.Flatten):
        return (math.prod(shape),)
    if isinstance(m, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d):
        k, st, pad = (_pair(getattr(m, a)) for a in ("kernel_size", "stride", "padding"))
        side = [shape[1 + i] + 2 * pad[i] for i in range(2)]
        if any(side[i] < k[i] for i in range(2)):
            raise ValueError(
                f"a {k[0]}x{k[1]} window does not fit its {shape[1]}x{shape[2]} input"
                + (f" (padded to {side[0]}x{side[1]})" if any(pad) else "")
            )
        hw = tuple((side[i] - k[i]) // st[i] + 1 for i in range(2))
        return (m.out_channels if isinstance(m, nn.Conv2d) else shape[0], *hw)
    with torch.no_grad():
        return tuple(m(torch.zeros(1, *shape)).shape[1:])


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


def convolves(cfg: ModelConfig) -> bool:
    """Whether the model `cfg` names has a conv layer (device.has_conv, before it is built)."""
    return any(layer.get("type") == "conv" for layer in layers_for(cfg))


def build_model(cfg: ModelConfig) -> nn.Sequential:
    return build_layers(layers_for(cfg))


def shapes_only(cfg: ModelConfig) -> nn.Sequential:
    """The model built on torch's meta device: shapes and parameter counts, no memory (a typed
    'dense 100000' twice, or a forged checkpoint's claim, would otherwise allocate terabytes
    just to be refused)."""
    with torch.device("meta"):
        return build_model(cfg)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


BATCHNORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


def normalises_units(model: nn.Module) -> bool:
    """Whether a batch norm normalises single units over the batch (a `bn` after a dense layer):
    a batch of one sample then has nothing to normalise, and torch refuses it in training."""
    return any(isinstance(m, nn.BatchNorm1d) for m in model.modules())


def layer_groups(model: nn.Module) -> list[tuple[str, list[nn.Parameter]]]:
    """The trainable parameterised layers in order, with readable names ("conv 1", "dense 2").

    A batch norm joins the layer before it (it rescales that layer's output), so a conv with
    batchnorm is one layer here as in the layer list. Every trainable parameter is in one group.
    """
    groups: list[tuple[str, list[nn.Parameter]]] = []
    counts: dict[str, int] = {}
    for m in model.modules():
        params = [p for p in m.parameters(recurse=False) if p.requires_grad]
        if not params:
            continue
        if isinstance(m, BATCHNORMS) and groups:
            groups[-1][1].extend(params)
            continue
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            kind = "conv"
        elif isinstance(m, nn.Linear):
            kind = "dense"
        else:
            kind = type(m).__name__.lower()
        counts[kind] = counts.get(kind, 0) + 1
        groups.append((f"{kind} {counts[kind]}", params))
    return groups


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """The model in evaluation mode (dropout off, batch norm on its running statistics) for the
    block, then back in the mode it was in, also when the block raises."""
    was = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was)
