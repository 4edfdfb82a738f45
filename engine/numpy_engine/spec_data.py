"""The `data` part of a network file: inline samples, a built-in dataset, or a CSV path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import fields as F
from .fields import NetworkFileError
from .limits import MAX_COLUMNS, MAX_ROWS

MAX_NOISE = 100.0  # noise of a built-in dataset (its points lie in about [-1.5, 1.5])


@dataclass(frozen=True)
class DataSpec:
    inputs: tuple[tuple[float, ...], ...] | None = None  # explicit samples (n, inputs)
    targets: tuple[tuple[float, ...], ...] | None = None  # explicit targets (n, outputs)
    dataset: str | None = None  # a built-in dataset name
    options: dict[str, Any] = field(default_factory=dict)  # n, noise, seed for built-ins
    csv: str | None = None  # a CSV path (relative to the network file)
    target_columns: int = 1  # how many trailing CSV columns are targets


def _flat_images(inputs: list, shape: tuple[int, ...]) -> list:
    """Rows given as nested lists of the input's shape ([C][H][W], or [H][W] for one channel),
    flattened in row order; rows already flat pass through."""
    from .spec_layers import nested

    out = []
    for r, row in enumerate(inputs):
        if isinstance(row, list) and row and isinstance(row[0], list):
            inner = shape if isinstance(row[0][0], list) else shape[1:]
            if inner != shape and shape[0] != 1:
                raise NetworkFileError(f"data.inputs[{r}]", f"expected the shape {list(shape)}")
            row = nested(row, f"data.inputs[{r}]", inner).ravel().tolist()
        out.append(row)
    return out


def inline_data(obj: dict, shape: tuple[int, ...] = ()) -> DataSpec:
    inputs, targets = obj["inputs"], obj.get("targets")
    if not isinstance(inputs, list) or not inputs:
        raise NetworkFileError("data.inputs", "expected a non-empty list of rows")
    if len(inputs) > MAX_ROWS:
        raise NetworkFileError("data.inputs", f"{len(inputs):,} rows; the limit is {MAX_ROWS:,}")
    if len(shape) == 3:
        inputs = _flat_images(inputs, shape)
    if not isinstance(targets, list) or len(targets) != len(inputs):
        raise NetworkFileError("data.targets", f"expected {len(inputs)} rows, one per input")
    d_in = len(inputs[0]) if isinstance(inputs[0], list) else -1
    if not 1 <= d_in <= MAX_COLUMNS:
        raise NetworkFileError("data.inputs[0]", f"expected a list of 1 to {MAX_COLUMNS} numbers")
    tg = [t if isinstance(t, list) else [t] for t in targets]
    d_out = len(tg[0])
    if not 1 <= d_out <= MAX_COLUMNS:
        raise NetworkFileError("data.targets[0]", f"expected 1 to {MAX_COLUMNS} numbers")
    return DataSpec(
        inputs=F.as_tuples(F.matrix(inputs, "data.inputs", len(inputs), d_in)),
        targets=F.as_tuples(F.matrix(tg, "data.targets", len(tg), d_out)),
    )


def parse_data(obj: Any, shape: tuple[int, ...] = ()) -> DataSpec:
    obj = F.keys(
        obj, "data", ("inputs", "targets", "dataset", "n", "noise", "seed", "csv", "target_columns")
    )
    chosen = [k for k in ("inputs", "dataset", "csv") if k in obj]
    if len(chosen) != 1:
        raise NetworkFileError("data", "give exactly one of: inputs (with targets), dataset, csv")
    extra = {
        "inputs": ("n", "noise", "seed", "csv", "target_columns"),
        "dataset": ("targets", "target_columns"),
        "csv": ("targets", "n", "noise", "seed"),
    }[chosen[0]]
    for key in extra:
        if key in obj:
            raise NetworkFileError(f"data.{key}", f"not used with data.{chosen[0]}")
    if "inputs" in obj:
        return inline_data(obj, shape)
    if "dataset" in obj:
        from .datasets import DATASETS

        opts: dict[str, Any] = {}
        if "n" in obj:
            opts["n"] = F.whole(obj["n"], "data.n", 1, MAX_ROWS)
        if "seed" in obj:
            opts["seed"] = F.seed(obj["seed"], "data.seed")
        if "noise" in obj:
            opts["noise"] = F.number(obj["noise"], "data.noise", low=0.0, high=MAX_NOISE)
        name = F.choice(obj["dataset"], "data.dataset", tuple(DATASETS))
        return DataSpec(dataset=name, options=opts)
    csv = F.text(obj["csv"], "data.csv")
    if not csv.strip() or "\0" in csv:
        raise NetworkFileError("data.csv", "expected a file path")
    tc = F.whole(obj.get("target_columns", 1), "data.target_columns", 1, MAX_COLUMNS - 1)
    return DataSpec(csv=csv, target_columns=tc)


def check_inline_shapes(data: DataSpec, layers) -> None:
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
