"""The current event's marks over the image drawing's grids: the cell it computes outlined thick,
the cells and weights it reads thin (or one frame round a grid it reads almost whole), a long
sum's largest terms ranked, a max-pooling winner tagged, the filter drawn where it sits with its
weights. ConvMarks is the part of ConvView (conv_view.py) that draws them; where an id is drawn
comes from ids.drawn_at.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from app.shared.theme import text_on
from engine.numpy_engine import ids
from engine.numpy_engine.fmt import num
from engine.numpy_engine.ids import GridId

from .cell_type import fits_whole, fitted_font, half_font
from .conv_layout import spots
from .conv_state import Column, Grid
from .grid_picture import column_scale

WHOLE_GRID = 0.5  # an event that reads more than this share of a grid frames the whole grid


@lru_cache(maxsize=1 << 16, typed=True)
def _place(cid: str) -> tuple[GridId, tuple[int, ...]] | None:
    """Where an id is drawn (ids.drawn_at). Cached: a long sum's thousands of ids repeat event to
    event (bench/digit_step.py: 3 ms a key press on the fast CNN's first layer before the cache).
    Typed: a plain string equal to an id's text must not share its entry."""
    return ids.drawn_at(cid)


class ConvMarks:
    """The marks of ConvView's state (needs its state, theme, _outline, _live, _font,
    _label_room and _image)."""

    def _marked_grids(self) -> frozenset[GridId]:
        """The grids the current event draws over: outlines, filters, ranks (marks are asked of
        each grid while drawing)."""
        st = self.state
        ranked = (_place(cid) for cid in st.ranks)
        return frozenset(
            {*self._outline, *(ov.gid for ov in st.overlays), *(r[0] for r in ranked if r)}
        )

    def _marks(self, p: QPainter, col: Column, x: float, cell, per: int) -> None:
        """The current event's marks over the grids of a column that have any."""
        live = [g for g in col.grids if g.gid in self._live or g.marks]
        if not live:
            return
        scale = column_scale(col.grids)
        for g, gx, top in spots(col, x, cell, per, self._label_room()):
            if g.gid in self._live or g.marks:
                self._grid(p, g, gx, top, cell, scale)

    def _outlines(self) -> dict[GridId, dict[tuple[int, ...], float]]:
        """Per grid, the outlined places (ids.drawn_at): the focus (thick) and the cells the
        event reads (a long sum: only its largest terms). Placed once per state, not per grid."""
        st, out = self.state, {}
        thin = st.ranks or (st.touched | st.drawn)
        for cid, width in ((st.focus, 4.0), *((t, 2.0) for t in thin)):
            place = _place(cid)
            if place is not None:
                out.setdefault(place[0], {}).setdefault(place[1], width)
        return out

    def _cells(self, g: Grid) -> dict[tuple[int, int], float]:
        """The outlined cells of grid g, as (row, column)."""
        spots = ((g.spot(at), wd) for at, wd in self._outline.get(g.gid, {}).items())
        return {rc: wd for rc, wd in spots if rc is not None}

    def _grid(self, p: QPainter, g: Grid, x0: float, y0: float, cell: float, scale: float):
        """The current event's marks over one grid (drawn in its column's picture): the outlined
        cells, a pooling winner's tag, a long sum's ranks, the filter where it sits."""
        p.save()  # axis-aligned frames: no antialiasing (5x cheaper outlines)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self._frames(p, g, x0, y0, cell)
        p.restore()
        p.setFont(self._font(max(7.0, min(11.0, cell / 5.0)), bold=True))
        rgb = self._image(g, scale)[0]
        for (r, c), tag in g.marks.items():
            p.setPen(QPen(ink(rgb[r, c]), 3))
            rect = QRectF(x0 + c * cell, y0 + r * cell, cell, cell).adjusted(3, 1, -2, -1)
            p.drawText(rect, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft, "★" + tag)
        if self.state.ranks:
            self._ranks(p, g, x0, y0, cell)
        for ov in self.state.overlays:
            if ov.gid == g.gid:
                self._overlay(p, ov, x0, y0, cell, rgb, g.values)

    def _frames(self, p: QPainter, g: Grid, x0: float, y0: float, cell: float) -> None:
        """The focus cell's thick frame and the read cells' thin ones, drawn in two batches."""
        by_width: dict[float, list[QRectF]] = {}
        x1, y1, side = x0 + 1, y0 + 1, cell - 2
        cells = self._cells(g)
        h, w = g.values.shape
        thin = [rc for rc, width in cells.items() if width < 4.0]
        if len(thin) > WHOLE_GRID * h * w and len(thin) > 16:  # it reads (almost) all of it:
            cells = {rc: wd for rc, wd in cells.items() if wd >= 4.0}  # one frame says so
            by_width[2.0] = [QRectF(x0 - 2, y0 - 2, w * cell + 4, h * cell + 4)]
        for (r, c), width in cells.items():
            by_width.setdefault(width, []).append(QRectF(x1 + c * cell, y1 + r * cell, side, side))
        for width, rects in sorted(by_width.items()):
            p.setPen(
                QPen(QColor(self.theme.highlight), width if cell >= 8 else max(1.5, width / 2))
            )
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRects(rects)

    def _ranks(self, p: QPainter, g: Grid, x0: float, y0: float, cell: float) -> None:
        """The rank (1 = largest) of each of a long sum's largest terms, beside its cell."""
        p.setFont(self._font(max(7.0, min(11.0, cell / 2.5)), bold=True))
        p.setPen(QColor(self.theme.highlight))
        for cid, tag in self.state.ranks.items():
            place = _place(cid)
            rc = g.spot(place[1]) if place is not None and place[0] == g.gid else None
            if rc is None:
                continue
            r, c = rc
            rect = QRectF(x0 + (c + 1) * cell, y0 + r * cell - cell, 3 * cell + 14, 2 * cell + 8)
            p.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, tag)

    def _overlay(self, p: QPainter, ov, x0: float, y0: float, cell: float, rgb: np.ndarray,
                 values: np.ndarray):  # fmt: skip
        """The filter where it sits: a frame over the cells it covers, each cell's value in its
        top half and the weight in its bottom half (in the ink that reads on that cell; the
        padding's zeros lie on the canvas). Both fit their half: in lecturer type the weight,
        in the corner, was written over the centred value (".26" over "0.51")."""
        h, w = rgb.shape[:2]
        pad = ink(np.array(QColor(self.theme.canvas).getRgb()[:3]))
        kh, kw = ov.size
        frame = QRectF(x0 + ov.left * cell, y0 + ov.top * cell, kw * cell, kh * cell)
        p.setPen(QPen(QColor(self.theme.highlight), 3, Qt.PenStyle.DashLine))
        p.drawRect(frame)
        if cell < 22 or ov.weights is None:
            return
        bold, plain = (
            half_font(self._font(12.0, bold=True), cell),
            half_font(self._font(12.0), cell),
        )
        tags = [f"×{num(v, 2)}" for v in np.ravel(ov.weights)]
        if not fits_whole(bold, tags, cell - 6):  # the weights are in the filter's own grid
            return
        top, bottom = Qt.AlignmentFlag.AlignTop, Qt.AlignmentFlag.AlignBottom
        centre = Qt.AlignmentFlag.AlignHCenter
        for i in range(kh):
            for j in range(kw):
                r, c = ov.top + i, ov.left + j
                rect = QRectF(x0 + c * cell, y0 + r * cell, cell, cell).adjusted(2, 1, -2, -1)
                inside = 0 <= r < h and 0 <= c < w
                if inside and np.isfinite(values[r, c]):  # the value moves to the top half
                    p.fillRect(
                        rect.adjusted(1, 1, -1, -1), QColor(*(int(v) for v in rgb[r, c][:3]))
                    )
                    p.setPen(ink(rgb[r, c]))
                    p.setFont(fitted_font(plain, num(float(values[r, c]), 2), rect.width() - 2))
                    p.drawText(rect, top | centre, num(float(values[r, c]), 2))
                p.setPen(ink(rgb[r, c]) if inside else pad)
                tag = f"×{num(ov.weights[i, j], 2)}" + ("" if inside else " (0)")
                p.setFont(fitted_font(bold, tag, rect.width() - 2))
                p.drawText(rect, bottom | centre, tag)


def ink(rgb) -> QColor:
    """Black or white, whichever reads better on a cell of colour `rgb` (both modes: a zero is
    a white cell on the lecturer's black canvas too)."""
    r, g, b = (int(x) for x in rgb[:3])
    return QColor(text_on(f"#{r:02x}{g:02x}{b:02x}"))
