"""Standardising the inputs (the course's "normalize your input data"): each input column minus
its mean, divided by its standard deviation (population, ddof 0), so every feature is comparable
and a ravine in the loss becomes a round bowl. A constant column is only centred (its deviation
is 0). The standardised data is written into the network file inline, so sessions, exports and
the CLI see exactly the numbers trained on.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .datasets import Dataset
from .spec_data import DataSpec


def column_stats(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, standard deviation) of each column of X (n, d), ddof 0."""
    X = np.asarray(X, dtype=np.float64)
    return X.mean(axis=0), X.std(axis=0)


def standardise(data: Dataset) -> tuple[Dataset, np.ndarray, np.ndarray]:
    """(the data with standardised inputs, the means, the deviations used)."""
    mean, sd = column_stats(data.inputs)
    scale = np.where(sd > 0, sd, 1.0)
    z = (data.inputs - mean) / scale  # (n, d)
    named = data.name if data.name.endswith("(standardised)") else f"{data.name} (standardised)"
    return replace(data, name=named, inputs=z), mean, sd


def already_standardised(data: Dataset, atol: float = 1e-3) -> bool:
    """Whether standardising would change no input by more than `atol` (a file's data that was
    standardised and rounded, as ravine_standardised's): every column has mean 0 and sd 1, or is
    all zeros. An empty dataset is not."""
    x = np.asarray(data.inputs, dtype=np.float64)
    if x.size == 0:
        return False
    return bool(np.abs(standardise(data)[0].inputs - x).max() <= atol)


def inline(data: Dataset) -> DataSpec:
    """The data as a network file's inline `data` (what sessions and exports save)."""
    return DataSpec(inputs=tuple(map(tuple, data.inputs.tolist())),
                    targets=tuple(map(tuple, data.targets.tolist())))  # fmt: skip


def stats_text(data: Dataset, shown: int = 6) -> str:
    """'x1: mean 0.1, sd 3.07 · x2: …' for the first `shown` input columns."""
    mean, sd = column_stats(data.inputs)
    names = data.input_names or tuple(f"x{i + 1}" for i in range(len(mean)))
    parts = [f"{n}: mean {m:.3g}, sd {s:.3g}" for n, m, s in zip(names, mean, sd, strict=False)]
    more = f" · … ({len(mean) - shown} more)" if len(mean) > shown else ""
    return " · ".join(parts[:shown]) + more
