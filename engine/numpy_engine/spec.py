"""The network file (JSON, see DESIGN.md): parsed into frozen dataclasses, every error naming its field."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .activations import ACTIVATIONS
from .losses import LOSSES
from .optimizers import OPTIMIZERS, OptimizerConfig

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


class NetworkFileError(ValueError):
    """A network file that cannot be used. `field` names where, e.g. 'layers[1].weights'."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}" if field_name else message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class LayerSpec:
    units: int  # number of neurons
    activation: str = "linear"  # g for this layer (unused for the input layer)
    weights: tuple[tuple[float, ...], ...] | None = None  # weights[j][i], (units, previous units)
    bias: tuple[float, ...] | None = None  # (units,)
    frozen: frozenset[str] = frozenset()  # subset of {"weights", "bias"}: shown, never updated
    dropout: float = 0.0  # probability of dropping each unit's output while training


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
class DataSpec:
    inputs: tuple[tuple[float, ...], ...] | None = None  # explicit samples (n, inputs)
    targets: tuple[tuple[float, ...], ...] | None = None  # explicit targets (n, outputs)
    dataset: str | None = None  # a built-in dataset name
    options: dict[str, Any] = field(default_factory=dict)  # n, noise, seed for built-ins
    csv: str | None = None  # a CSV path (relative to the network file)
    target_columns: int = 1  # how many trailing CSV columns are targets


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


def _num(v: Any, where: str, *, positive: bool = False, low: float | None = None) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise NetworkFileError(where, f"expected a number, got {v!r}")
    if positive and v <= 0:
        raise NetworkFileError(where, f"must be greater than 0, got {v}")
    if low is not None and v < low:
        raise NetworkFileError(where, f"must be at least {low}, got {v}")
    return float(v)


def _int(v: Any, where: str, low: int = 0) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise NetworkFileError(where, f"expected a whole number, got {v!r}")
    if v < low:
        raise NetworkFileError(where, f"must be at least {low}, got {v}")
    return v


def _keys(obj: Any, where: str, allowed: tuple[str, ...]) -> dict:
    if not isinstance(obj, dict):
        raise NetworkFileError(where, f"expected an object, got {type(obj).__name__}")
    unknown = [k for k in obj if k not in allowed]
    if unknown:
        raise NetworkFileError(
            f"{where}.{unknown[0]}" if where else unknown[0],
            f"unknown key; allowed here: {', '.join(allowed)}",
        )
    return obj


def _choice(v: Any, where: str, options) -> str:
    if not isinstance(v, str) or v not in options:
        raise NetworkFileError(where, f"unknown name {v!r}; choose one of: {', '.join(options)}")
    return v


def _matrix(v: Any, where: str, rows: int, cols: int) -> tuple[tuple[float, ...], ...]:
    if not isinstance(v, list) or len(v) != rows:
        got = f"{len(v)} rows" if isinstance(v, list) else repr(v)
        raise NetworkFileError(where, f"expected {rows} rows of {cols} numbers, got {got}")
    out = []
    for j, row in enumerate(v):
        if not isinstance(row, list) or len(row) != cols:
            raise NetworkFileError(f"{where}[{j}]", f"expected {cols} numbers, got {row!r}")
        out.append(tuple(_num(x, f"{where}[{j}][{i}]") for i, x in enumerate(row)))
    return tuple(out)


def _vector(v: Any, where: str, n: int) -> tuple[float, ...]:
    if not isinstance(v, list) or len(v) != n:
        raise NetworkFileError(where, f"expected a list of {n} numbers, got {v!r}")
    return tuple(_num(x, f"{where}[{i}]") for i, x in enumerate(v))


def _layer(obj: Any, k: int, prev_units: int | None, last: bool) -> LayerSpec:
    where = f"layers[{k}]"
    if prev_units is None:
        obj = _keys(obj, where, ("units", "name"))
        return LayerSpec(units=_int(obj.get("units"), f"{where}.units", 1))
    obj = _keys(obj, where, ("units", "activation", "weights", "bias", "frozen", "dropout", "name"))
    units = _int(obj.get("units"), f"{where}.units", 1)
    act = _choice(obj.get("activation", "linear"), f"{where}.activation", tuple(ACTIVATIONS))
    if act == "softmax" and not last:
        raise NetworkFileError(f"{where}.activation", "softmax is only allowed on the output layer")
    w = _matrix(obj["weights"], f"{where}.weights", units, prev_units) if "weights" in obj else None
    b = _vector(obj["bias"], f"{where}.bias", units) if "bias" in obj else None
    frozen = obj.get("frozen", [])
    if isinstance(frozen, str):
        frozen = [frozen]
    if not isinstance(frozen, list) or any(f not in FROZEN_PARTS for f in frozen):
        raise NetworkFileError(
            f"{where}.frozen", f"expected a list of {FROZEN_PARTS}, got {frozen!r}"
        )
    dropout = _num(obj.get("dropout", 0.0), f"{where}.dropout", low=0.0)
    if dropout >= 1.0 or (dropout > 0 and last):
        raise NetworkFileError(f"{where}.dropout", "must be in [0, 1) and not on the output layer")
    return LayerSpec(units, act, w, b, frozenset(frozen), dropout)


def _optimizer(obj: Any) -> OptimizerConfig:
    if isinstance(obj, str):
        obj = {"name": obj}
    names = tuple(f.name for f in fields(OptimizerConfig))
    obj = _keys(obj, "optimizer", names)
    name = _choice(obj.get("name", "sgd"), "optimizer.name", tuple(OPTIMIZERS))
    kw: dict[str, Any] = {"name": name}
    for key, v in obj.items():
        if key == "name":
            continue
        if key == "eps" and v is None:
            continue
        kw[key] = _num(v, f"optimizer.{key}", positive=key in ("lr", "eps"), low=0.0)
    for key in ("momentum", "beta1", "beta2", "rho"):
        if key in kw and kw[key] >= 1.0:
            raise NetworkFileError(f"optimizer.{key}", f"must be below 1, got {kw[key]}")
    return OptimizerConfig(**kw)


def _data(obj: Any) -> DataSpec:
    obj = _keys(
        obj, "data", ("inputs", "targets", "dataset", "n", "noise", "seed", "csv", "target_columns")
    )
    chosen = [k for k in ("inputs", "dataset", "csv") if k in obj]
    if len(chosen) != 1:
        raise NetworkFileError("data", "give exactly one of: inputs (with targets), dataset, csv")
    if "inputs" in obj:
        inputs, targets = obj["inputs"], obj.get("targets")
        if not isinstance(inputs, list) or not inputs:
            raise NetworkFileError("data.inputs", "expected a non-empty list of rows")
        if not isinstance(targets, list) or len(targets) != len(inputs):
            raise NetworkFileError("data.targets", f"expected {len(inputs)} rows, one per input")
        d_in = len(inputs[0]) if isinstance(inputs[0], list) else -1
        tg = [t if isinstance(t, list) else [t] for t in targets]
        d_out = len(tg[0])
        return DataSpec(
            inputs=_matrix(inputs, "data.inputs", len(inputs), d_in),
            targets=_matrix(tg, "data.targets", len(tg), d_out),
        )
    opts = {}
    for key in ("n", "seed"):
        if key in obj:
            opts[key] = _int(obj[key], f"data.{key}", 1 if key == "n" else 0)
    if "noise" in obj:
        opts["noise"] = _num(obj["noise"], "data.noise", low=0.0)
    if "dataset" in obj:
        from .datasets import DATASETS

        return DataSpec(
            dataset=_choice(obj["dataset"], "data.dataset", tuple(DATASETS)), options=opts
        )
    if not isinstance(obj["csv"], str):
        raise NetworkFileError("data.csv", "expected a file path")
    tc = _int(obj.get("target_columns", 1), "data.target_columns", 1)
    return DataSpec(csv=obj["csv"], target_columns=tc)


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
)


def parse_network(obj: Any) -> NetworkSpec:
    """Validate a decoded network file. Raises NetworkFileError naming the offending field."""
    obj = _keys(obj, "", TOP_KEYS)
    layers_raw = obj.get("layers")
    if not isinstance(layers_raw, list) or len(layers_raw) < 2:
        raise NetworkFileError("layers", "expected a list of at least 2 layers (input and output)")
    layers: list[LayerSpec] = []
    for k, lay in enumerate(layers_raw):
        prev = layers[-1].units if layers else None
        layers.append(_layer(lay, k, prev, k == len(layers_raw) - 1))
    init = _keys(obj.get("init", {}), "init", ("scheme", "seed"))
    init_spec = InitSpec(
        _choice(init.get("scheme", "xavier_uniform"), "init.scheme", INIT_SCHEMES),
        _int(init.get("seed", 0), "init.seed"),
    )
    loss = _choice(obj.get("loss", "mse"), "loss", tuple(LOSSES))
    reg = _keys(obj.get("regularization", {}), "regularization", ("l1", "l2"))
    reg_spec = Regularization(
        _num(reg.get("l1", 0.0), "regularization.l1", low=0.0),
        _num(reg.get("l2", 0.0), "regularization.l2", low=0.0),
    )
    tr = _keys(obj.get("training", {}), "training", ("batch_size", "shuffle", "seed"))
    bs = tr.get("batch_size")
    tr_spec = TrainingSpec(
        None if bs is None else _int(bs, "training.batch_size", 1),
        bool(tr.get("shuffle", False)),
        _int(tr.get("seed", 0), "training.seed"),
    )
    data = _data(obj["data"]) if "data" in obj else None
    if data is not None and data.inputs is not None:
        if len(data.inputs[0]) != layers[0].units:
            raise NetworkFileError(
                "data.inputs",
                f"rows have {len(data.inputs[0])} values but "
                f"the input layer has {layers[0].units} units",
            )
        if len(data.targets[0]) != layers[-1].units:
            raise NetworkFileError(
                "data.targets",
                f"rows have {len(data.targets[0])} values but "
                f"the output layer has {layers[-1].units} units",
            )
    for key in ("name", "description"):
        if key in obj and not isinstance(obj[key], str):
            raise NetworkFileError(key, "expected text")
    return NetworkSpec(
        tuple(layers),
        init_spec,
        loss,
        _optimizer(obj.get("optimizer", {})),
        reg_spec,
        tr_spec,
        data,
        obj.get("name", ""),
        obj.get("description", ""),
    )


def load_network_file(path: str | Path) -> NetworkSpec:
    """Read and validate a network file; every failure is a NetworkFileError with a clear message."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NetworkFileError("", f"no such file: {p}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise NetworkFileError("", f"cannot read {p}: {e}") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise NetworkFileError(
            "", f"{p.name} is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})"
        ) from None
    spec = parse_network(obj)
    if spec.data is not None and spec.data.csv is not None:
        csv_path = Path(spec.data.csv)
        if not csv_path.is_absolute():
            csv_path = p.parent / csv_path
        from dataclasses import replace

        spec = replace(spec, data=replace(spec.data, csv=str(csv_path)))
    return spec


def spec_to_dict(spec: NetworkSpec, params=None) -> dict:
    """The network file for `spec`, with `params` ((W, b) per layer) written in when given."""
    layers: list[dict] = [{"units": spec.layers[0].units}]
    for k, lay in enumerate(spec.layers[1:]):
        d: dict[str, Any] = {"units": lay.units, "activation": lay.activation}
        w = params[k][0].tolist() if params is not None else lay.weights
        b = params[k][1].tolist() if params is not None else lay.bias
        if w is not None:
            d["weights"] = [list(r) for r in w]
        if b is not None:
            d["bias"] = list(b)
        if lay.frozen:
            d["frozen"] = sorted(lay.frozen)
        if lay.dropout:
            d["dropout"] = lay.dropout
        layers.append(d)
    opt = {f.name: getattr(spec.optimizer, f.name) for f in fields(OptimizerConfig)}
    if opt["eps"] is None:
        del opt["eps"]
    out: dict[str, Any] = {
        "layers": layers,
        "init": {"scheme": spec.init.scheme, "seed": spec.init.seed},
        "loss": spec.loss,
        "optimizer": opt,
        "regularization": {"l1": spec.regularization.l1, "l2": spec.regularization.l2},
        "training": {
            "batch_size": spec.training.batch_size,
            "shuffle": spec.training.shuffle,
            "seed": spec.training.seed,
        },
    }
    if spec.data is not None:
        dd = spec.data
        if dd.inputs is not None:
            out["data"] = {
                "inputs": [list(r) for r in dd.inputs],
                "targets": [list(r) for r in dd.targets],
            }
        elif dd.dataset is not None:
            out["data"] = {"dataset": dd.dataset, **dd.options}
        else:
            out["data"] = {"csv": dd.csv, "target_columns": dd.target_columns}
    if spec.name:
        out["name"] = spec.name
    if spec.description:
        out["description"] = spec.description
    return out


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
