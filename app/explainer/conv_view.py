"""The image drawing: the input, the filters and every layer's maps as grids of cells coloured by
value (blue +, orange −, strength = size; grey levels for an input image), with the numbers in the
cells while they are large enough to read. The current event's cell is outlined thick, the cells
and weights it reads thin; the filter is drawn over the input where it sits, with its weights; a
max-pooling winner is tagged. Everything drawn comes from a ConvState (conv_state.py).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from app.shared.theme import Theme
from engine.numpy_engine.fmt import num

from .conv_state import Column, ConvState, Grid

GAP = 14.0  # between grids of one column
COL_GAP = 34.0  # between columns
TITLE = 34.0  # room for a column's title
LABEL = 16.0  # room for a grid's label
MIN_NUMBERS = 30.0  # a cell this wide (px) shows its number
MAX_CELL = 96.0
SMALL_CELL = 44.0  # a filter's or a dense layer's cells are never smaller (if they fit)


class ConvView(QWidget):
    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.theme = theme
        self.state = ConvState()
        self.highlighted: tuple[str, ...] = ()  # ids drawn highlighted now (for tests)
        self.setMinimumSize(420, 300)

    def show_state(self, st: ConvState) -> None:
        self.state = st
        self.highlighted = (st.focus, *sorted(st.touched)) if st.focus else ()
        self.update()

    # ---- geometry ----
    def _rows_limit(self, c: Column) -> float:
        rows = sum(g.values.shape[0] for g in c.grids)
        room = self.height() - TITLE - 50 - len(c.grids) * (GAP + LABEL)
        return min(MAX_CELL, room / max(rows, 1))

    def _layout(self) -> list[tuple[float, float]]:
        """(cell size, width) per column: maps share one cell size that fits the window; filters
        and dense layers (small) get at least SMALL_CELL so their numbers stay readable."""
        cols = self.state.columns
        wide = [max((g.values.shape[1] for g in c.grids), default=1) for c in cols]
        small = [c.small for c in cols]
        room = self.width() - COL_GAP * (len(cols) + 1)
        cell = room / max(sum(wide), 1)  # one cell size for every column, if that reads well
        if cell < SMALL_CELL and not all(small):  # else small columns keep SMALL_CELL
            for c, w, sm in zip(cols, wide, small, strict=True):
                if sm:
                    room -= max(w * min(self._rows_limit(c), SMALL_CELL), 60.0)
            cell = room / max(sum(w for w, sm in zip(wide, small, strict=True) if not sm), 1)
        out = []
        for c, w, sm in zip(cols, wide, small, strict=True):
            size = self._rows_limit(c)
            size = min(size, max(cell, SMALL_CELL)) if sm else min(size, cell)
            size = max(3.0, size)
            out.append((size, max(w * size, 60.0)))
        total = sum(width for _, width in out)
        over = total / max(self.width() - COL_GAP * (len(cols) + 1), 1.0)
        if over > 1:  # the titles' minimum widths pushed it past the edge: shrink every cell
            out = [(max(3.0, size / over), max(width / over, 60.0)) for size, width in out]
        return out

    # ---- painting ----
    def paintEvent(self, ev) -> None:  # noqa: N802 (Qt)
        th = self.theme
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(th.canvas))
        st = self.state
        x = COL_GAP
        for col, (cell, width) in zip(st.columns, self._layout(), strict=True):
            self._column(p, col, x, cell, width)
            x += width + COL_GAP
        p.setPen(QColor(th.muted))
        p.setFont(self._font(10))
        p.drawText(QRectF(10, self.height() - 28, self.width() - 20, 22), st.caption)
        p.end()

    def _font(self, size: float, bold: bool = False) -> QFont:
        f = QFont(self.theme.font_family)
        f.setPointSizeF(size * self.theme.scale)
        f.setBold(bold)
        return f

    def _column(self, p: QPainter, col: Column, x: float, cell: float, width: float) -> None:
        p.setPen(QColor(self.theme.text))
        p.setFont(self._font(12, bold=True))
        p.drawText(QRectF(x - COL_GAP / 2, 6, width + COL_GAP, TITLE), Qt.AlignmentFlag.AlignHCenter
                   | Qt.TextFlag.TextWordWrap, col.title)  # fmt: skip
        y = TITLE + 8
        scale = max((np.nanmax(np.abs(g.values)) for g in col.grids if np.isfinite(g.values).any()),
                    default=1.0) or 1.0  # fmt: skip
        for g in col.grids:
            if g.label:
                p.setPen(QColor(self.theme.muted))
                p.setFont(self._font(9.5))
                p.drawText(QRectF(x, y, width, LABEL), g.label)
            y += LABEL
            self._grid(p, g, x, y, cell, scale)
            y += g.values.shape[0] * cell + GAP

    def _colour(self, v: float, scale: float, signed: bool) -> QColor:
        th = self.theme
        if not math.isfinite(v):
            return QColor(th.canvas)
        if not signed:
            g = int(255 * (1 - min(1.0, max(0.0, v / scale))))
            return QColor(g, g, g)
        base = QColor(th.positive if v >= 0 else th.negative)
        t = min(1.0, abs(v) / scale) ** 0.7
        bg = QColor(th.canvas)
        mix = [int(bg_c + (c - bg_c) * t) for c, bg_c in
               zip(base.getRgb()[:3], bg.getRgb()[:3], strict=True)]  # fmt: skip
        return QColor(*mix)

    def _grid(self, p: QPainter, g: Grid, x0: float, y0: float, cell: float, scale: float):
        th, st = self.theme, self.state
        h, w = g.values.shape
        vector = g.prefix.startswith("n")
        numbers = cell >= MIN_NUMBERS
        p.setFont(self._font(max(6.0, min(16.0, cell / 3.6))))
        outlines = []
        for r in range(h):
            for c in range(w):
                v = float(g.values[r, c])
                rect = QRectF(x0 + c * cell, y0 + r * cell, cell, cell)
                fill = self._colour(v, scale, g.signed)
                p.fillRect(rect, fill)
                p.setPen(QPen(QColor(th.muted), 0.6))
                p.drawRect(rect)
                if numbers and math.isfinite(v):
                    dark = fill.lightnessF() < 0.45
                    p.setPen(QColor("white" if dark else th.text))
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, num(v, 3))
                cid = f"{g.prefix}_{r}" if vector else f"{g.prefix}_{r}_{c}"
                if cid == st.focus:
                    outlines.append((rect, 4.0))
                elif cid in st.touched:
                    outlines.append((rect, 2.0))
                if g.names and cell >= MIN_NUMBERS:
                    p.save()
                    p.setPen(QColor(th.highlight))
                    p.setFont(self._font(max(7.0, min(11.0, cell / 5.5)), bold=True))
                    p.drawText(rect.adjusted(4, 2, -2, -2), Qt.AlignmentFlag.AlignTop
                               | Qt.AlignmentFlag.AlignLeft, g.names[r * w + c])  # fmt: skip
                    p.restore()
                if (r, c) in g.marks:
                    p.save()
                    p.setPen(QPen(QColor(th.highlight), 3))
                    p.setFont(self._font(max(7.0, min(11.0, cell / 5.0)), bold=True))
                    p.drawText(rect.adjusted(3, 1, -2, -1), Qt.AlignmentFlag.AlignTop
                               | Qt.AlignmentFlag.AlignLeft, "★" + g.marks[r, c])  # fmt: skip
                    p.restore()
        for rect, width in outlines:
            p.setPen(QPen(QColor(th.highlight), width))
            p.drawRect(rect.adjusted(1, 1, -1, -1))
        for ov in st.overlays:
            if ov.prefix == g.prefix:
                self._overlay(p, ov, x0, y0, cell, h, w)

    def _overlay(self, p: QPainter, ov, x0: float, y0: float, cell: float, h: int, w: int):
        """The filter where it sits: a frame over the cells it covers, each weight in its corner."""
        kh, kw = ov.size
        frame = QRectF(x0 + ov.left * cell, y0 + ov.top * cell, kw * cell, kh * cell)
        p.setPen(QPen(QColor(self.theme.highlight), 3, Qt.PenStyle.DashLine))
        p.drawRect(frame)
        if cell < 22 or ov.weights is None:
            return
        p.setFont(self._font(max(6.0, min(12.0, cell / 5.0)), bold=True))
        for i in range(kh):
            for j in range(kw):
                r, c = ov.top + i, ov.left + j
                rect = QRectF(x0 + c * cell, y0 + r * cell, cell, cell).adjusted(2, 1, -2, -1)
                p.setPen(QColor(self.theme.highlight))
                tag = f"×{num(ov.weights[i, j], 2)}" + ("" if 0 <= r < h and 0 <= c < w else " (0)")
                p.drawText(rect, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight, tag)
