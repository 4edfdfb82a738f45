"""The network file (JSON, see DESIGN.md): parsed into frozen dataclasses, every error naming its field."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from engine.safe_io import UnreadableFile, read_json

from . import batchnorm
from . import fields as F
from .activations import ACTIVATIONS
from .fields import NetworkFileError
from .limits import (
    MAX_LAYERS,
    MAX_NETWORK_FILE_BYTES,
    MAX_PARAMETERS,
    MAX_ROWS,
    MAX_UNITS,
)
from .losses import LOSSES
from .optimizers import OPTIMIZERS, OptimizerConfig
from .spec_data import DataSpec, check_inline_shapes, parse_data
from .spec_layers import (
    CONV_KEYS,
    IMAGE_KINDS,
    POOL_KEYS,
    conv_fields,
    flatten_shape,
    input_shape,
    pool_fields,
    shape_text,
    symbols,
)
from .spec_race import RaceSpec, parse_race
from .spec_write import spec_to_dict

__all__ = [
    "DataSpec",
    "NetworkFileError",
    "NetworkSpec",
    "load_network_file",
    "parse_network",
    "spec_to_dict",
]

INIT_SCHEMES = (
    "zeros",
    "uniform",
    "normal",
    "xavier_uniform",
    "xavier_normal",
    "he_uniform",
    "he_normal",
)
FROZEN_PARTS = ("weights", "bias")
MAX_LR = 1e6  # a learning rate above this is a typo, not an experiment
MAX_REGULARIZATION = 1e3  # λ1, λ2: beyond this the penalty is all the loss is


@dataclass(frozen=True)
class LayerSpec:
    units: int  # number of neurons
    activation: str = "linear"  # g for this layer (unused for the input layer)
    weights: tuple[tuple[float, ...], ...] | None = None  # weights[j][i], (units, previous units)
    bias: tuple[float, ...] | None = None  # (units,)
    frozen: frozenset[str] = frozenset()  # subset of {"weights", "bias"}: shown, never updated
    dropout: float = 0.0  # probability of dropping each unit's output while training
    kind: str = "dense"  # dense | conv | maxpool | avgpool | flatten; "input" for a shaped input
    shape: tuple[int, ...] = ()  # the output's shape: (units,) or (C, H, W); () = (units,)
    kernel: tuple[int, int] = (1, 1)  # conv filter or pooling window (rows, columns)
    stride: int = 1  # cells the filter or window moves per step
    padding: int = 0  # zeros around a conv layer's input
    symbols: tuple[str, ...] = ()  # names of the input cells or filter weights (the course's a..l)
    options: Any = None  # a layer type's own settings (batchnorm.Options)

    def __post_init__(self):
        if len(self.shape) != 3 or self.shape[0] * self.shape[1] * self.shape[2] != self.units:
            object.__setattr__(self, "shape", (self.units,))  # also after replace(units=…)
            if self.kind == "input":
                object.__setattr__(self, "kind", "dense")


@dataclass(frozen=True)
class InitSpec:
    scheme: str = "xavier_uniform"  # one of INIT_SCHEMES, for weights not given explicitly
    seed: int = 0  # seed of the initialiser's random generator


@dataclass(frozen=True)
class Regularization:
    l1: float = 0.0  # λ1: adds λ1·Σ|w| to the loss (weights only, not biases)
    l2: float = 0.0  # λ2: adds λ2/2·Σw² to the loss, so its gradient is λ2·w


@dataclass(frozen=True)
class TrainingSpec:
    batch_size: int | None = None  # None = full batch; 1 = one sample per step (SGD)
    shuffle: bool = False  # reshuffle the samples each epoch (seeded)
    seed: int = 0  # seed for shuffling and dropout masks


@dataclass(frozen=True)
class NetworkSpec:
    layers: tuple[LayerSpec, ...]  # layers[0] is the input layer
    init: InitSpec = InitSpec()
    loss: str = "mse"
    optimizer: OptimizerConfig = OptimizerConfig()
    regularization: Regularization = Regularization()
    training: TrainingSpec = TrainingSpec()
    data: DataSpec | None = None
    name: str = ""
    description: str = ""
    race: RaceSpec | None = None  # the Landscape panel's race for this file (spec_race.py)


def _input(obj: Any) -> LayerSpec:
    where = "layers[0]"
    obj = F.keys(obj, where, ("units", "shape", "symbols", "name"))
    if "name" in obj:
        F.text(obj["name"], F.at(where, ".name"))
    if "shape" not in obj:
        return LayerSpec(units=F.whole(obj.get("units"), F.at(where, ".units"), 1, MAX_UNITS))
    shape = input_shape(obj["shape"], F.at(where, ".shape"))
    units = shape[0] * shape[1] * shape[2]
    if "units" in obj and obj["units"] != units:
        raise NetworkFileError(F.at(where, ".units"), f"the shape {list(shape)} has {units} units")
    syms = symbols(obj["symbols"], F.at(where, ".symbols"), units) if "symbols" in obj else ()
    return LayerSpec(units, kind="input", shape=shape, symbols=syms)


def _frozen(obj: dict, where: str) -> frozenset[str]:
    frozen = obj.get("frozen", [])
    if isinstance(frozen, str):
        frozen = [frozen]
    if (
        not isinstance(frozen, list)
        or any(not isinstance(f, str) or f not in FROZEN_PARTS for f in frozen)
        or len(set(frozen)) != len(frozen)
    ):
        raise NetworkFileError(
            F.at(where, ".frozen"),
            f"expected a list of distinct {FROZEN_PARTS}, got {F.describe(frozen)}",
        )
    return frozenset(frozen)


def _image_layer(obj: dict, k: int, prev: LayerSpec, last: bool) -> LayerSpec:
    where, kind = F.layer_field(k), obj["type"]
    if last:
        raise NetworkFileError(
            where,
            f"the output layer must be dense; add a flatten and a dense layer after the {kind}",
        )
    if kind == "conv":
        obj = F.keys(obj, where, CONV_KEYS)
        f = conv_fields(obj, k, prev.shape)
        w = None if f["weights"] is None else tuple(map(tuple, f["weights"]))
        units = f["shape"][0] * f["shape"][1] * f["shape"][2]
        return LayerSpec(
            units, f["activation"], w, f["bias"], _frozen(obj, where), 0.0, kind, f["shape"],
            f["kernel"], f["stride"], f["padding"], f["symbols"],
        )  # fmt: skip
    if kind == "flatten":
        obj = F.keys(obj, where, ("type", "name"))
        shape = flatten_shape(k, prev.shape)
        return LayerSpec(shape[0], kind=kind, shape=shape)
    obj = F.keys(obj, where, POOL_KEYS)
    f = pool_fields(obj, k, kind, prev.shape)
    units = f["shape"][0] * f["shape"][1] * f["shape"][2]
    return LayerSpec(units, kind=kind, shape=f["shape"], kernel=f["kernel"], stride=f["stride"])


def _layer(obj: Any, k: int, prev: LayerSpec | None, last: bool) -> LayerSpec:
    where = F.layer_field(k)
    if prev is None:
        return _input(obj)
    kind = obj.get("type", "dense") if isinstance(obj, dict) else "dense"
    F.choice(kind, F.at(where, ".type"), ("dense", *IMAGE_KINDS, "batchnorm"))
    if kind == "batchnorm":
        if "name" in obj:
            F.text(obj["name"], F.at(where, ".name"))
        f = batchnorm.parse(obj, k, "input" if k == 1 else prev.kind, prev.shape, last)
        C = f["shape"]
        return LayerSpec(
            math.prod(C), f["activation"], f["gamma"], f["beta"], f["frozen"], kind=kind,
            shape=C, options=f["options"],
        )  # fmt: skip
    if kind != "dense":
        if "name" in obj:
            F.text(obj["name"], F.at(where, ".name"))
        return _image_layer(obj, k, prev, last)
    if len(prev.shape) == 3:
        raise NetworkFileError(
            where,
            f"a dense layer needs a flat input but layer {k - 1} gives {shape_text(prev.shape)}; "
            'add {"type": "flatten"} before it',
        )
    prev_units = prev.units
    obj = F.keys(
        obj, where, ("type", "units", "activation", "weights", "bias", "frozen", "dropout", "name")
    )
    units = F.whole(obj.get("units"), F.at(where, ".units"), 1, MAX_UNITS)
    if "name" in obj:
        F.text(obj["name"], F.at(where, ".name"))
    act = F.choice(obj.get("activation", "linear"), F.at(where, ".activation"), tuple(ACTIVATIONS))
    if act == "softmax" and not last:
        raise NetworkFileError(
            F.at(where, ".activation"), "softmax is only allowed on the output layer"
        )
    w = None
    if "weights" in obj:
        w = F.as_tuples(F.matrix(obj["weights"], F.at(where, ".weights"), units, prev_units))
    b = F.vector(obj["bias"], F.at(where, ".bias"), units) if "bias" in obj else None
    frozen = _frozen(obj, where)
    dropout = F.number(
        obj.get("dropout", 0.0), F.at(where, ".dropout"), low=0.0, high=1.0, high_open=True
    )
    if dropout > 0 and last:
        raise NetworkFileError(
            F.at(where, ".dropout"), "dropout is not allowed on the output layer"
        )
    return LayerSpec(units, act, w, b, frozen, dropout, shape=(units,))


# the range of each optimizer setting: (low, high, low open, high open)
OPTION_RANGES = {
    "lr": (0.0, MAX_LR, True, False),
    "momentum": (0.0, 1.0, False, True),
    "beta1": (0.0, 1.0, False, True),
    "beta2": (0.0, 1.0, False, True),
    "rho": (0.0, 1.0, False, True),
    "eps": (0.0, 1.0, True, False),
    "momentum_decay": (0.0, 1.0, False, False),
}


def _optimizer(obj: Any) -> OptimizerConfig:
    """An optimizer and only the settings it reads: beta1 given to sgd is an error."""
    if isinstance(obj, str):
        obj = {"name": obj}
    if not isinstance(obj, dict):
        raise NetworkFileError("optimizer", f"expected an object or a name, got {F.describe(obj)}")
    name = F.choice(obj.get("name", "sgd"), "optimizer.name", tuple(OPTIMIZERS))
    used = OPTIMIZERS[name].hyper
    for key in obj:
        if key != "name" and key not in used:
            known = key in OPTION_RANGES
            raise NetworkFileError(
                f"optimizer.{key}",
                (f"{name} does not use {key}" if known else "unknown key")
                + f"; {name}'s settings are: {', '.join(used)}",
            )
    kw: dict[str, Any] = {"name": name}
    for key, v in obj.items():
        if key == "name" or (key == "eps" and v is None):
            continue
        lo, hi, lo_open, hi_open = OPTION_RANGES[key]
        kw[key] = F.number(
            v, f"optimizer.{key}", low=lo, high=hi, low_open=lo_open, high_open=hi_open
        )
    return OptimizerConfig(**kw)


TOP_KEYS = (
    "layers",
    "init",
    "loss",
    "optimizer",
    "regularization",
    "training",
    "data",
    "name",
    "description",
    "race",
)


def _layers(raw: Any) -> tuple[LayerSpec, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise NetworkFileError("layers", "expected a list of at least 2 layers (input and output)")
    if len(raw) > MAX_LAYERS:
        raise NetworkFileError("layers", f"{len(raw)} layers; the limit is {MAX_LAYERS}")
    layers: list[LayerSpec] = []
    params = 0
    for k, lay in enumerate(raw):
        prev = layers[-1] if layers else None
        if prev is not None:  # count before reading weights: the limit is checked first
            units = lay.get("units") if isinstance(lay, dict) else None
            if isinstance(lay, dict) and lay.get("type") == "conv":
                units = lay.get("filters")  # a filter has C·kh·kw weights and a bias
            if isinstance(units, int) and not isinstance(units, bool) and 1 <= units <= MAX_UNITS:
                params += units * (_fan_in(lay, prev) + 1)
                if params > MAX_PARAMETERS:
                    raise NetworkFileError(
                        F.layer_field(k),
                        f"the network would have over {params:,} parameters; "
                        f"the limit is {MAX_PARAMETERS:,}",
                    )
        layers.append(_layer(lay, k, prev, k == len(raw) - 1))
    return tuple(layers)


def _fan_in(lay: dict, prev: LayerSpec) -> int:
    if lay.get("type") != "conv":
        return prev.units
    k = lay.get("kernel")
    sides = k if isinstance(k, list) else [k, k]
    ok = all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 64 for v in sides)
    return prev.shape[0] * sides[0] * sides[-1] if ok and len(prev.shape) == 3 else 0


def _training(obj: Any) -> TrainingSpec:
    tr = F.keys(obj, "training", ("batch_size", "shuffle", "seed"))
    bs = tr.get("batch_size")
    return TrainingSpec(
        None if bs is None else F.whole(bs, "training.batch_size", 1, MAX_ROWS),
        F.boolean(tr.get("shuffle", False), "training.shuffle"),
        F.seed(tr.get("seed", 0), "training.seed"),
    )


def parse_network(obj: Any) -> NetworkSpec:
    """Validate a decoded network file. Raises NetworkFileError naming the offending field."""
    obj = F.keys(obj, "", TOP_KEYS)
    layers = _layers(obj.get("layers"))
    init = F.keys(obj.get("init", {}), "init", ("scheme", "seed"))
    init_spec = InitSpec(
        F.choice(init.get("scheme", "xavier_uniform"), "init.scheme", INIT_SCHEMES),
        F.seed(init.get("seed", 0), "init.seed"),
    )
    loss = F.choice(obj.get("loss", "mse"), "loss", tuple(LOSSES))
    if loss == "cce" and layers[-1].units < 2:
        raise NetworkFileError("loss", "cce needs at least 2 output units (use bce for one)")
    reg = F.keys(obj.get("regularization", {}), "regularization", ("l1", "l2"))
    reg_spec = Regularization(
        F.number(reg.get("l1", 0.0), "regularization.l1", low=0.0, high=MAX_REGULARIZATION),
        F.number(reg.get("l2", 0.0), "regularization.l2", low=0.0, high=MAX_REGULARIZATION),
    )
    tr_spec = _training(obj.get("training", {}))
    data = parse_data(obj["data"], layers[0].shape) if "data" in obj else None
    if data is not None and data.inputs is not None:
        check_inline_shapes(data, layers)
    name = F.text(obj.get("name", ""), "name")
    description = F.text(obj.get("description", ""), "description")
    race = parse_race(obj["race"]) if "race" in obj else None
    return NetworkSpec(
        layers,
        init_spec,
        loss,
        _optimizer(obj.get("optimizer", {})),
        reg_spec,
        tr_spec,
        data,
        name,
        description,
        race,
    )


def load_network_file(path: str | Path) -> NetworkSpec:
    """Read and validate a network file; every failure is a NetworkFileError with a clear message.

    Only a regular file of at most MAX_NETWORK_FILE_BYTES is read; its JSON is parsed with the
    guards of engine.safe_io (nesting depth, integer length, no NaN or Infinity).
    """
    p = Path(path)
    try:
        obj = read_json(p, MAX_NETWORK_FILE_BYTES, "network file")
    except UnreadableFile as e:
        raise NetworkFileError("", str(e)) from None
    spec = parse_network(obj)
    if spec.data is not None and spec.data.csv is not None:
        csv_path = Path(spec.data.csv)
        if not csv_path.is_absolute():
            csv_path = p.parent / csv_path
        spec = replace(spec, data=replace(spec.data, csv=str(csv_path)))
    return spec


def classifier_mlp(
    sizes=(784, 256, 128, 10), lr: float = 1e-3, batch_size: int | None = 128, seed: int = 0
) -> NetworkSpec:
    """The course's MLP classifier: ReLU hidden layers, softmax + cross-entropy, Adam, He init
    (784-256-128-10 by default, the MNIST MLP the NumPy engine trains beside PyTorch)."""
    layers = [{"units": sizes[0]}] + [{"units": u, "activation": "relu"} for u in sizes[1:-1]]
    layers.append({"units": sizes[-1], "activation": "softmax"})
    return parse_network(
        {
            "layers": layers,
            "init": {"scheme": "he_uniform", "seed": seed},
            "loss": "cce",
            "optimizer": {"name": "adam", "lr": lr},
            "training": {"batch_size": batch_size, "shuffle": True, "seed": seed},
        }
    )
