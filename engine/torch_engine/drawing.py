"""A digit drawn with the mouse, made to look like an MNIST digit before the model sees it: as
MNIST's makers did, the ink is fitted into a 20 x 20 box (keeping its aspect ratio, anti-aliased),
then placed in a 28 x 28 image so that its centre of mass lies at the centre."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

BOX = 20  # the side of the box the ink is fitted into
SIZE = 28  # the side of an MNIST image


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the ink's centre of mass, in pixel-centre coordinates (0 .. side-1)."""
    a = np.asarray(image, dtype=np.float64)
    total = a.sum()
    if total <= 0:
        return (a.shape[0] - 1) / 2, (a.shape[1] - 1) / 2
    rows, cols = np.indices(a.shape)
    return float((rows * a).sum() / total), float((cols * a).sum() / total)


def fit_box(canvas: np.ndarray, box: int = BOX) -> np.ndarray:
    """The ink's bounding box scaled (aspect kept) so its longer side is `box` pixels: float
    (h, w) with max(h, w) == box, values in 0-255. An empty canvas gives an empty (0, 0) array."""
    a = np.asarray(canvas, dtype=np.float32)
    rows, cols = np.flatnonzero(a.max(1) > 0), np.flatnonzero(a.max(0) > 0)
    if rows.size == 0:
        return np.zeros((0, 0), np.float32)
    crop = a[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # (h0, w0)
    scale = box / max(crop.shape)
    h = max(1, round(crop.shape[0] * scale))
    w = max(1, round(crop.shape[1] * scale))
    t = torch.from_numpy(np.ascontiguousarray(crop))[None, None]  # (1, 1, h0, w0)
    out = F.interpolate(t, size=(h, w), mode="bilinear", antialias=True, align_corners=False)
    peak = float(crop.max())
    out = out[0, 0].clamp(0, peak).numpy()
    return out * (255.0 / peak) if peak > 0 else out


def preprocess_drawing(canvas: np.ndarray) -> np.ndarray:
    """uint8 (28, 28) an MNIST model expects, from a drawing (H, W) of any size where ink is
    positive (any scale): fitted into 20 x 20, centred by its centre of mass. Blank: all zeros."""
    ink = fit_box(canvas)
    out = np.zeros((SIZE, SIZE), np.float32)
    if ink.size == 0:
        return out.astype(np.uint8)
    h, w = ink.shape
    r0, c0 = (SIZE - h) // 2, (SIZE - w) // 2
    out[r0 : r0 + h, c0 : c0 + w] = ink
    cr, cc = centre_of_mass(out)
    centre = (SIZE - 1) / 2
    dr = int(np.clip(round(centre - cr), -r0, SIZE - h - r0))
    dc = int(np.clip(round(centre - cc), -c0, SIZE - w - c0))
    shifted = np.zeros_like(out)
    shifted[r0 + dr : r0 + dr + h, c0 + dc : c0 + dc + w] = ink
    return np.rint(shifted).clip(0, 255).astype(np.uint8)
