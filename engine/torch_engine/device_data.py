"""The MNIST digits as the training device holds them: normalised tensors, the validation
hold-out split off once (`prepare`), and the random shifts and rotations of augmentation drawn
per batch on that device (`augment_batch`). The training loop (training.py) and the insides read
them; nothing here trains."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .mnist import MnistData, normalise


@dataclass
class DeviceData:
    train_x: torch.Tensor  # (N, 1, 28, 28) float32, normalised
    train_y: torch.Tensor  # (N,) int64
    val_x: torch.Tensor  # (V, 1, 28, 28)
    val_y: torch.Tensor  # (V,)
    test_x: torch.Tensor  # (T, 1, 28, 28)
    test_y: torch.Tensor  # (T,)


def prepare(data: MnistData, device, val_size: int = 0, limit: int | None = None) -> DeviceData:
    """MNIST as normalised tensors on `device`, the last `val_size` training samples held out."""
    tx, ty = data.train_x, data.train_y
    if limit:
        tx, ty = tx[:limit], ty[:limit]
    v = min(val_size, len(tx) // 2)
    lab = torch.from_numpy(ty.astype(np.int64)).to(device)  # (N,)
    x = normalise(tx, device)  # (N, 1, 28, 28)
    return DeviceData(
        x[: len(tx) - v],
        lab[: len(tx) - v],
        x[len(tx) - v :],
        lab[len(tx) - v :],
        normalise(data.test_x, device),
        torch.from_numpy(data.test_y.astype(np.int64)).to(device),
    )


def augment_batch(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random rotation (±10°) and shift (±2 px) per image of x (n, 1, 28, 28), on x's device."""
    n = x.shape[0]
    r = torch.rand(n, 3, generator=gen).to(x.device)  # (n, 3)
    ang = (r[:, 0] * 2 - 1) * math.radians(10)
    shift = (r[:, 1:] * 2 - 1) * (2.0 / 14.0)  # 2 px in normalised [-1, 1] coordinates
    cos, sin = torch.cos(ang), torch.sin(ang)
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )  # (n, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False)
