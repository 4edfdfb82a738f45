"""Tiny, learnable IDX files written by the tests themselves (never the real MNIST)."""

import gzip
import struct

import numpy as np


def synthetic_digits(n: int, seed: int = 0):
    """Each class is a bright 6x6 square at its own place plus noise: easy to learn."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 10).astype(np.uint8)
    x = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
    for k in range(10):
        r, c = 2 + (k // 5) * 12, 1 + (k % 5) * 5
        x[y == k, r : r + 6, c : c + 6] = 250
    return x, y


def idx_bytes(arr: np.ndarray) -> bytes:
    magic = 0x00000803 if arr.ndim == 3 else 0x00000801
    return struct.pack(f">I{arr.ndim}I", magic, *arr.shape) + arr.astype(np.uint8).tobytes()


def write_mnist(folder, n_train=600, n_test=200, gz=True, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    tx, ty = synthetic_digits(n_train, seed)
    vx, vy = synthetic_digits(n_test, seed + 1)
    for base, arr in (
        ("train-images-idx3-ubyte", tx),
        ("train-labels-idx1-ubyte", ty),
        ("t10k-images-idx3-ubyte", vx),
        ("t10k-labels-idx1-ubyte", vy),
    ):
        raw = idx_bytes(arr)
        if gz:
            (folder / (base + ".gz")).write_bytes(gzip.compress(raw))
        else:
            (folder / base).write_bytes(raw)
    return folder
