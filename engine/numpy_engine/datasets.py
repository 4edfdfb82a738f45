"""Built-in toy datasets (CSV import is csv_data.py). Every generator is seeded and returns float64
arrays."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .limits import MAX_ROWS


@dataclass(frozen=True)
class Dataset:
    name: str  # shown in the GUI
    inputs: np.ndarray  # (n, d) float64
    targets: np.ndarray  # (n, k) float64; one-hot for more than 2 classes
    task: str  # "classification" or "regression"
    input_names: tuple[str, ...] = ()  # column names, if known
    notes: tuple[str, ...] = ()  # what the user should be told about how the data was read

    @property
    def n_classes(self) -> int:
        if self.task != "classification":
            return 0
        return max(2, self.targets.shape[1])


def _logic(fn: Callable[[int, int], int], name: str):
    def make(n: int = 4, noise: float = 0.0, seed: int = 0) -> Dataset:
        x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
        y = np.array([[fn(int(a), int(b))] for a, b in x], dtype=np.float64)
        return Dataset(name, x, y, "classification", ("x1", "x2"))

    return make


def circle(n: int = 200, noise: float = 0.05, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 2))  # (n, 2)
    r = np.hypot(x[:, 0], x[:, 1]) + rng.normal(0, noise, n)
    return Dataset(
        "circle", x, (r < 0.6).astype(np.float64)[:, None], "classification", ("x1", "x2")
    )


def moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    half = n // 2
    t1 = rng.uniform(0, math.pi, half)
    t2 = rng.uniform(0, math.pi, n - half)
    a = np.stack([np.cos(t1), np.sin(t1)], 1)
    b = np.stack([1 - np.cos(t2), 0.5 - np.sin(t2)], 1)
    x = np.concatenate([a, b]) + rng.normal(0, noise, (n, 2))
    x = (x - [0.5, 0.25]) / [1.0, 0.75]  # roughly centred in [-1.5, 1.5]
    y = np.concatenate([np.zeros(half), np.ones(n - half)])[:, None]
    return Dataset("moons", x, y, "classification", ("x1", "x2"))


def spiral(n: int = 200, noise: float = 0.05, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    half = n // 2
    out_x, out_y = [], []
    for cls, m in ((0, half), (1, n - half)):
        r = np.linspace(0.1, 1.0, m)
        t = 1.75 * 2 * math.pi * r + cls * math.pi
        pts = np.stack([r * np.sin(t), r * np.cos(t)], 1) + rng.normal(0, noise, (m, 2))
        out_x.append(pts)
        out_y.append(np.full(m, float(cls)))
    return Dataset(
        "spiral",
        np.concatenate(out_x),
        np.concatenate(out_y)[:, None],
        "classification",
        ("x1", "x2"),
    )


def _blobs(k: int):
    def make(n: int = 150, noise: float = 0.35, seed: int = 0) -> Dataset:
        rng = np.random.default_rng(seed)
        centres = np.array([[-0.8, -0.6], [0.8, 0.6], [-0.6, 0.9]])[:k]
        labels = np.arange(n) % k
        x = centres[labels] + rng.normal(0, noise, (n, 2))
        y = labels[:, None].astype(np.float64) if k == 2 else np.eye(k)[labels]
        return Dataset(f"blobs{k}", x, y, "classification", ("x1", "x2"))

    return make


def x1x2(n: int = 100, noise: float = 0.0, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 2))
    y = (x[:, 0] * x[:, 1] + rng.normal(0, noise, n))[:, None] if noise else (x[:, :1] * x[:, 1:])
    return Dataset("x1x2", x, y, "regression", ("x1", "x2"))


def sine(n: int = 60, noise: float = 0.05, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-math.pi, math.pi, n))[:, None]
    y = np.sin(x) + rng.normal(0, noise, (n, 1))
    return Dataset("sine", x, y, "regression", ("x",))


DATASETS: dict[str, Callable[..., Dataset]] = {
    "and": _logic(lambda a, b: a & b, "and"),
    "or": _logic(lambda a, b: a | b, "or"),
    "xor": _logic(lambda a, b: a ^ b, "xor"),
    "circle": circle,
    "moons": moons,
    "spiral": spiral,
    "blobs2": _blobs(2),
    "blobs3": _blobs(3),
    "x1x2": x1x2,
    "sine": sine,
}


def make_dataset(name: str, **options) -> Dataset:
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    n = options.get("n", 1)
    if not isinstance(n, int) or not 1 <= n <= MAX_ROWS:
        raise ValueError(f"a dataset has 1 to {MAX_ROWS:,} samples, not {n!r}")
    return DATASETS[name](**options)
