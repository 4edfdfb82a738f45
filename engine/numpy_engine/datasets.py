"""Built-in toy datasets and CSV import. Every generator is seeded and returns float64 arrays."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class CsvError(ValueError):
    """A CSV file that cannot be used; `line` is the 1-based line number (0 for the whole file)."""

    def __init__(self, path: str | Path, line: int, message: str):
        where = f"{Path(path).name}, line {line}" if line else Path(path).name
        super().__init__(f"{where}: {message}")
        self.line = line


@dataclass(frozen=True)
class Dataset:
    name: str  # shown in the GUI
    inputs: np.ndarray  # (n, d) float64
    targets: np.ndarray  # (n, k) float64; one-hot for more than 2 classes
    task: str  # "classification" or "regression"
    input_names: tuple[str, ...] = ()  # column names, if known

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
    return DATASETS[name](**options)


def load_csv(path: str | Path, target_columns: int = 1) -> Dataset:
    """A CSV with a header row; the last `target_columns` columns are the targets.

    Errors name the line: ragged rows, cells that are not numbers, an empty file.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CsvError(p, 0, "file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise CsvError(p, 0, f"cannot be read ({e})") from None
    rows = list(csv.reader(text.splitlines()))
    numbered = [(i + 1, r) for i, r in enumerate(rows) if any(c.strip() for c in r)]
    if not numbered:
        raise CsvError(p, 0, "the file is empty")
    header_line, header = numbered[0]
    width = len(header)
    if width <= target_columns:
        raise CsvError(
            p,
            header_line,
            f"the header has {width} columns; need at least "
            f"{target_columns + 1} (inputs, then {target_columns} target column(s))",
        )
    if len(numbered) == 1:
        raise CsvError(p, 0, "the file has a header but no data rows")
    values = np.empty((len(numbered) - 1, width))
    for r, (line, row) in enumerate(numbered[1:]):
        if len(row) != width:
            raise CsvError(p, line, f"expected {width} values (as in the header), got {len(row)}")
        for c, cell in enumerate(row):
            try:
                v = float(cell)
            except ValueError:
                raise CsvError(
                    p, line, f"column {c + 1} ({header[c].strip()!r}) is not a number: {cell!r}"
                ) from None
            if not math.isfinite(v):
                raise CsvError(p, line, f"column {c + 1} is not a finite number: {cell!r}")
            values[r, c] = v
    x, y = values[:, :-target_columns], values[:, -target_columns:]
    is_class = bool(np.all((y == 0) | (y == 1)))
    return Dataset(
        p.stem,
        x,
        y,
        "classification" if is_class else "regression",
        tuple(h.strip() for h in header[:-target_columns]),
    )
