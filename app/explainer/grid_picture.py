"""Pictures of the image drawing kept between paints (conv_view.py).

A column of the drawing (its title, its grids' labels and their cells as drawn) is drawn once into
a pixmap and copied while nothing it shows changes: a key press that only moves the outlined cells
copies eight pixmaps instead of running Python over fifty grids of up to 576 cells (a QPicture
replayed instead cost 4 ms a paint on the fast CNN digit). The
whole drawing of a state is kept as a pixmap too (the one shown and those ahead.py drew ahead),
so repainting it unchanged (the window repainted whole, a dock moved over it) is one copy, and a
key onto a position drawn ahead is one copy. Each picture is keyed on everything drawn in it (the
values, the sample's labels, the theme, the size), so a change draws it afresh.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from app.shared.lru import LRU
from app.shared.theme import Theme

COLUMN_CACHE = 96  # columns kept, the least recently drawn dropped first: a state draws about 8
# (up to 0.5 MB each), and ahead.py prepares up to 10 positions besides the one shown
FRAMES_KEPT = 12  # whole drawings kept: the one shown and the positions ahead (2-5 MB each)


class KeptPictures:
    """Column pixmaps by key, and whole drawings by state (compared by identity) and look."""

    def __init__(self, limit: int = COLUMN_CACHE):
        self.limit = limit
        self._columns: LRU[QPixmap] = LRU(limit)
        self._frames: LRU[tuple] = LRU(FRAMES_KEPT)  # (id, look) -> (state, pixmap)
        self.recorded = 0  # columns drawn afresh (for tests and the bench)

    def column(
        self, key: tuple, rect: QRectF, dpr: float, draw: Callable[[QPainter], None]
    ) -> QPixmap:
        """The pixmap of `rect` (widget coordinates) as `draw(painter)` draws it there on a
        transparent ground, drawn once per key."""
        return self._columns.make(key, lambda: self._draw_column(rect, dpr, draw))

    def _draw_column(self, rect: QRectF, dpr: float, draw: Callable[[QPainter], None]) -> QPixmap:
        pm = QPixmap(max(1, math.ceil(rect.width() * dpr)), max(1, math.ceil(rect.height() * dpr)))
        pm.setDevicePixelRatio(dpr)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.translate(-rect.left(), -rect.top())
        draw(p)
        p.end()
        self.recorded += 1
        return pm

    def frame(self, state, look: tuple) -> QPixmap | None:
        """The whole drawing kept for `state` in `look` (the size, pixel ratio, theme, and
        what of the state can change in place), or None."""
        hit = self._frames.get((id(state), look))
        if hit is None or hit[0] is not state:  # an id reused by a newer state
            return None
        return hit[1]

    def keep_frame(self, state, look: tuple, pm: QPixmap) -> None:
        self._frames.put((id(state), look), (state, pm))

    def forget_frame(self, state) -> None:
        """Drop the drawings kept for `state` (shown again after a change in place)."""
        self._frames.drop_where(lambda key: key[0] == id(state))

    def clear(self) -> None:
        self._columns.clear()
        self._frames.clear()


def grid_colours(values: np.ndarray, scale: float, signed: bool, th: Theme) -> np.ndarray:
    """(h, w, 3) uint8 colours of a grid at once: a 28×28 image costs one array operation (blue
    +, orange −, strength = size; grey levels unsigned; the canvas where not computed yet)."""
    bg = np.array(QColor(th.canvas).getRgb()[:3], float)
    ok = np.isfinite(values)
    v = np.where(ok, values, 0.0)
    if not signed:
        g = 255 * (1 - np.clip(v / scale, 0.0, 1.0))
        rgb = np.repeat(g[..., None], 3, axis=2)
    else:
        pos = np.array(QColor(th.positive).getRgb()[:3], float)
        neg = np.array(QColor(th.negative).getRgb()[:3], float)
        t = (np.minimum(1.0, np.abs(v) / scale) ** 0.7)[..., None]
        base = np.where((v >= 0)[..., None], pos, neg)
        rgb = bg + (base - bg) * t
    rgb = np.where(ok[..., None], rgb, bg)
    return rgb.astype(np.uint8)  # int(), as QColor took it


def grid_image(rgb: np.ndarray) -> QImage:
    """The (h, w, 3) colours as an image of one pixel a cell."""
    h, w = rgb.shape[:2]
    c = rgb.astype(np.uint32)
    argb = np.ascontiguousarray(0xFF000000 | (c[..., 0] << 16) | (c[..., 1] << 8) | c[..., 2])
    return QImage(argb.data, w, h, 4 * w, QImage.Format.Format_RGB32).copy()


def column_scale(grids) -> float:
    """The largest magnitude in a column's grids: the full strength of its colours."""
    return max((np.nanmax(np.abs(g.values)) for g in grids if np.isfinite(g.values).any()),
               default=1.0) or 1.0  # fmt: skip
