"""Fit a network to a dataset: input and output widths, and an output activation and loss that
suit the task (sigmoid + bce for two classes, softmax + cce for more, linear + mse for regression).
Hidden layers are kept; explicit weights of a layer whose shape changes are dropped."""

from __future__ import annotations

from dataclasses import replace

from .datasets import Dataset
from .spec import DataSpec, LayerSpec, NetworkFileError, NetworkSpec


def _fit(layer: LayerSpec, units: int, prev_units: int | None, prev_changed: bool) -> LayerSpec:
    shape_changed = layer.units != units or prev_changed
    if not shape_changed:
        return layer
    return replace(
        layer, units=units, weights=None, bias=None if layer.units != units else layer.bias
    )


def adapt_to_data(spec: NetworkSpec, data: Dataset, data_spec: DataSpec | None = None):
    if any(lay.kind != "dense" for lay in spec.layers):
        raise NetworkFileError(
            "data",
            "this network has image layers (conv, pooling, flatten): it learns from the images "
            "in its own file, not from a built-in dataset or a CSV",
        )
    d_in, d_out = data.inputs.shape[1], data.targets.shape[1]
    layers = list(spec.layers)
    in_changed = layers[0].units != d_in
    layers[0] = replace(layers[0], units=d_in)
    if len(layers) > 2 and in_changed:
        layers[1] = replace(layers[1], weights=None)
    last = layers[-1]
    if data.task == "regression":  # a linear output can reach any target value
        act, loss = "linear", spec.loss if spec.loss in ("mse", "mae", "half_sse") else "mse"
    elif d_out == 1:
        act, loss = "sigmoid", ("bce" if spec.loss in ("cce", "bce") else spec.loss)
    else:
        act, loss = "softmax", "cce"
    out_changed = last.units != d_out or (len(layers) == 2 and in_changed)
    layers[-1] = replace(
        last,
        units=d_out,
        activation=act,
        weights=None if out_changed else last.weights,
        bias=None if last.units != d_out else last.bias,
    )
    return replace(spec, layers=tuple(layers), loss=loss, data=data_spec)
