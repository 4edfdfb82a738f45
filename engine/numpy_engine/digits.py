"""The handful of MNIST digits shipped with the app (assets/digits): for the CNN presets and tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

DIGITS_FILE = Path(__file__).resolve().parents[2] / "assets" / "digits" / "mnist_digits.json"


def load_digits(path: Path = DIGITS_FILE) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, 28, 28) scaled to [0, 1], labels (n,)): one of each class 0..9 first."""
    obj = json.loads(path.read_text(encoding="utf-8"))
    return np.array(obj["images"], dtype=np.float64) / 255.0, np.array(obj["labels"], dtype=int)


def downsample(images: np.ndarray, f: int = 2) -> np.ndarray:
    """Average f×f blocks: (n, 28, 28) -> (n, 28/f, 28/f)."""
    n, h, w = images.shape
    return images.reshape(n, h // f, f, w // f, f).mean(axis=(2, 4))
