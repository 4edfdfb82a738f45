"""A NetworkSpec written back as a network file (sessions, the editor, exported checkpoints)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .optimizers import OPTIMIZERS
from .spec_layers import layer_to_dict
from .spec_race import race_to_dict

if TYPE_CHECKING:
    from .spec import NetworkSpec


def spec_to_dict(spec: NetworkSpec, params=None, stats=()) -> dict:
    """The network file for `spec`, with `params` ((W, b) per layer) written in when given, and
    a batch norm's running statistics from `stats` (TrainState.stats) when given."""
    out: dict[str, Any] = {
        "layers": _layers(spec, params, stats),
        "init": {"scheme": spec.init.scheme, "seed": spec.init.seed},
        "loss": spec.loss,
        "optimizer": _optimizer(spec),
        "regularization": {"l1": spec.regularization.l1, "l2": spec.regularization.l2},
        "training": {
            "batch_size": spec.training.batch_size,
            "shuffle": spec.training.shuffle,
            "seed": spec.training.seed,
        },
    }
    if spec.data is not None:
        out["data"] = _data(spec.data)
    if spec.name:
        out["name"] = spec.name
    if spec.description:
        out["description"] = spec.description
    if spec.race is not None:
        out["race"] = race_to_dict(spec.race)
    return out


def _layers(spec: NetworkSpec, params, stats) -> list[dict]:
    first = spec.layers[0]
    layers: list[dict] = [layer_to_dict(first) if first.kind == "input" else {"units": first.units}]
    for k, lay in enumerate(spec.layers[1:]):
        if lay.kind != "dense":
            w, b = params[k] if params is not None else (None, None)
            layers.append(layer_to_dict(lay, w, b))
            st = stats[k] if k < len(stats) else None
            if st is not None:  # a batch norm's running statistics as they have moved
                layers[-1]["running_mean"] = np.asarray(st.mean).tolist()
                layers[-1]["running_var"] = np.asarray(st.var).tolist()
            continue
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
    return layers


def _optimizer(spec: NetworkSpec) -> dict[str, Any]:
    used = OPTIMIZERS[spec.optimizer.name].hyper  # only the settings this optimizer reads
    opt = {"name": spec.optimizer.name}
    opt.update({k: getattr(spec.optimizer, k) for k in used})
    if opt.get("eps", 0.0) is None:
        del opt["eps"]
    return opt


def _data(dd) -> dict[str, Any]:
    if dd.inputs is not None:
        return {"inputs": [list(r) for r in dd.inputs], "targets": [list(r) for r in dd.targets]}
    if dd.dataset is not None:
        return {"dataset": dd.dataset, **dd.options}
    return {"csv": dd.csv, "target_columns": dd.target_columns}
