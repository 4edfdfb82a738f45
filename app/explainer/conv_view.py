"""The image drawing: the input, the filters and every layer's maps as grids of cells coloured by
value (blue +, orange −, strength = size; grey levels for an input image), with the numbers in the
cells while they are large enough to read. The current event's cell is outlined thick, the cells
and weights it reads thin; the filter is drawn over the input where it sits, with its weights; a
max-pooling winner is tagged. Everything drawn comes from a ConvState (conv_state.py).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from app.shared.lru import LRU
from app.shared.theme import Theme
from engine.numpy_engine.fmt import num
from engine.numpy_engine.ids import GridId

from .cell_type import fitted_font
from .conv_layout import SUB_GAP, col_gap, layout, spots, title_room
from .conv_marks import ConvMarks, ink
from .conv_state import Column, ConvState, Grid
from .grid_picture import FRAMES_KEPT, KeptPictures, column_scale, grid_colours, grid_image

MIN_NUMBERS = 30.0  # a cell this wide (px) shows its number
IMAGE_CACHE = 400  # grid images kept between paints
BASE_CACHE = 160  # grids kept as drawn (a paint draws about 50)


class ConvView(ConvMarks, QWidget):
    cell_clicked = Signal(object, int, int, int)  # GridId, row, column, the grid's wrap

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.theme = theme
        self.state = ConvState()
        self._outline: dict[GridId, dict[tuple[int, ...], float]] = {}
        self._images: dict[tuple, tuple[np.ndarray, QImage]] = {}
        self._bases: dict[tuple, QPixmap] = {}  # grids as drawn, by image and cell size
        self.kept = KeptPictures()  # columns and whole drawings as drawn
        self._ahead: LRU[tuple] = LRU(FRAMES_KEPT)  # id -> (state, changes, outline, live)
        self.frames_drawn = 0  # whole drawings drawn (for tests)
        self._live: frozenset[GridId] = frozenset()  # grids with the event's marks over them
        self.highlighted: tuple[str, ...] = ()  # ids drawn highlighted now (for tests)
        self.setMinimumSize(420, 300)

    def show_state(self, st: ConvState) -> None:
        self.state = st
        hit = self._ahead.get(id(st))
        if hit is not None and hit[0] is st and hit[1] == _changes(st):  # prepared, unchanged
            self._outline, self._live = hit[2], hit[3]
        else:
            self._outline = self._outlines()
            self._live = self._marked_grids()
            self.kept.forget_frame(st)  # a state shown again (changed in place) is drawn again
        self.highlighted = (st.focus, *sorted(st.touched)) if st.focus else ()
        self.update()

    # ---- geometry (conv_layout.py) ----
    def _layout(self) -> list[tuple[float, float, int]]:
        return layout(self.state.columns, self.width(), self.height(), self._label_room())

    def _label_room(self) -> float:
        """A grid label's line: the theme's label size (28 px in lecturer mode) and a gap."""
        return self.theme.label_px + 6.0

    def cell_at(self, x: float, y: float) -> tuple[GridId, int, int, int] | None:
        """(grid id, row, column, wrap) under the point, walking the layout as painting does."""
        left = gap = self._gap()
        for col, (cell, width, per) in zip(self.state.columns, self._layout(), strict=True):
            for g, gx, top in spots(col, left, cell, per, self._label_room()):
                h, w = g.values.shape
                if gx <= x < gx + w * cell and top <= y < top + h * cell:
                    return g.gid, int((y - top) // cell), int((x - gx) // cell), g.wrap
            left += width + gap
        return None

    def mousePressEvent(self, ev) -> None:  # noqa: N802 (Qt)
        hit = self.cell_at(ev.position().x(), ev.position().y())
        if hit is not None:
            self.cell_clicked.emit(*hit)

    # ---- painting ----
    def paintEvent(self, ev) -> None:  # noqa: N802 (Qt)
        """The drawing of this state, kept whole: painting it again unchanged is one copy."""
        p = QPainter(self)
        p.drawPixmap(0, 0, self._frame())
        p.end()

    def _frame(self) -> QPixmap:
        """The whole drawing of the state, kept or drawn now."""
        dpr = self.devicePixelRatioF()
        look = (self.width(), self.height(), dpr, self.theme, _changes(self.state))
        pm = self.kept.frame(self.state, look)
        if pm is None:
            pm = QPixmap(
                max(1, math.ceil(self.width() * dpr)), max(1, math.ceil(self.height() * dpr))
            )
            pm.setDevicePixelRatio(dpr)
            p = QPainter(pm)
            self.draw(p)
            p.end()
            self.kept.keep_frame(self.state, look, pm)
            self.frames_drawn += 1
        return pm

    def draw(self, p: QPainter) -> None:
        """The whole drawing: each column's kept picture, the event's marks over it, the caption."""
        th = self.theme
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(th.canvas))
        st = self.state
        x = gap = self._gap()
        for col, (cell, width, per) in zip(st.columns, self._layout(), strict=True):
            rect, pm = self._kept_column(col, x, cell, width, per, gap)
            p.drawPixmap(rect.topLeft(), pm)
            self._marks(p, col, x, cell, per)
            x += width + gap
        p.setPen(QColor(th.text))  # the caption: as large and as clear as a label
        p.setFont(self._label_font())
        room = self._label_room()
        p.drawText(QRectF(10, self.height() - room - 4, self.width() - 20, room), st.caption)

    def _kept_column(self, col: Column, x: float, cell, width, per: int, gap: float):
        """(rect, pixmap) of a column as drawn, from the kept ones or drawn now."""
        key = self._column_key(col, x, cell, width, per, gap)
        left = math.floor(x - gap / 2)  # whole pixels: copied, never resampled
        rect = QRectF(left, 0, math.ceil(x + width + gap) - left, self.height())
        pm = self.kept.column(key, rect, self.devicePixelRatioF(),
                              lambda q: self._column(q, col, x, cell, width, per, gap))  # fmt: skip
        return rect, pm

    def prepare(self, st: ConvState) -> None:
        """Draw ahead a state likely to be shown next (ahead.py): its marks' places and, while
        the view is on screen, its whole drawing (its columns on the way)."""
        shown = (self.state, self._outline, self._live)
        self.state = st
        try:
            self._outline, self._live = self._outlines(), self._marked_grids()
            self._ahead.put(id(st), (st, _changes(st), self._outline, self._live))
            if self.isVisible():
                self._frame()
        finally:
            self.state, self._outline, self._live = shown

    def _column_key(self, col: Column, x: float, cell, width, per: int, gap: float) -> tuple:
        """Everything a column's picture shows: where, how large, in which theme, and each
        grid's label, values and names."""
        grids = tuple(
            (g.label, g.gid, g.signed, g.wrap, g.names, g.values.shape, g.values.tobytes())
            for g in col.grids
        )
        where = (x, cell, width, per, gap, self._label_room(), self.devicePixelRatioF())
        return (col.title, where, self.theme, grids)

    def _font(self, size: float, bold: bool = False) -> QFont:
        f = QFont(self.theme.font_family)
        f.setPointSizeF(size * self.theme.scale)
        f.setBold(bold)
        return f

    def _fitting_label(self, text: str, room: float) -> QFont:
        """The label's type, made smaller (to 0.7 of it) when the text is wider than `room`
        ("256 units, 16 a row" over a narrow column was cut to "256 units, 16 a")."""
        for factor in (1.0, 0.9, 0.8, 0.7):
            f = self._label_font(factor)
            if QFontMetricsF(f).horizontalAdvance(text) <= room:
                break
        return f

    def _label_font(self, factor: float = 1.0, bold: bool = False) -> QFont:
        """The labels' type: the theme's label size (the least the drawing's labels may be)."""
        f = QFont(self.theme.font_family)
        f.setPixelSize(max(6, round(self.theme.label_px * factor)))
        f.setBold(bold)
        return f

    def _gap(self) -> float:
        return col_gap(len(self.state.columns), self.width())

    def _column(self, p: QPainter, col: Column, x: float, cell, width, per: int, gap: float):
        p.setPen(QColor(self.theme.text))
        label = self._label_room()
        room = title_room(label)
        # half the gap between two titles is theirs alone ("conv 1 · relu" ran into "maxpool
        # 2×2" on the wall), and a "·" stays with the word before it (a line held "·" alone)
        rect = QRectF(x - gap / 4, 4, width + gap / 2, room)
        title = col.title.replace(" · ", "\u00a0· ")
        flags = Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap
        for size in (1.05, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5):  # the largest at which the title fits
            p.setFont(self._label_font(size, bold=True))
            br = p.fontMetrics().boundingRect(rect.toRect(), flags, title)
            if br.height() <= room and br.width() <= rect.width() - 4:  # never into its neighbour
                break
        p.drawText(rect, flags, title)
        scale = column_scale(col.grids)
        widest = max((g.values.shape[1] for g in col.grids), default=1) * cell
        label_w = width if per == len(col.grids) else widest + SUB_GAP
        for g, gx, top in spots(col, x, cell, per, label):
            if g.label:
                p.setPen(QColor(self.theme.text))
                room = max(label_w, width + gap * 0.8 - (gx - x))  # to the next column
                p.setFont(self._fitting_label(g.label, room))
                p.drawText(QRectF(gx, top - label, room, label), g.label)
            p.drawPixmap(QPointF(gx, top), self._base(g, scale, cell))

    def _base(self, g: Grid, scale: float, cell: float) -> QPixmap:
        """A grid as drawn at this cell size: its colours, lines and numbers, kept while they
        stay the same (most grids do not change from one key press to the next), so a key press
        paints one pixmap a grid and the current event's marks over it."""
        dpr = self.devicePixelRatioF()
        key = (*self._key(g, scale), round(cell, 3), dpr)
        pm = self._bases.get(key)
        if pm is not None:
            return pm
        rgb, img = self._image(g, scale)
        h, w = g.values.shape
        pm = QPixmap(
            max(1, math.ceil((w * cell + 1) * dpr)), max(1, math.ceil((h * cell + 1) * dpr))
        )
        pm.setDevicePixelRatio(dpr)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        p.drawImage(QRectF(0, 0, w * cell, h * cell), img)
        if cell >= 5:
            p.setPen(QPen(QColor(self.theme.muted), 0.6))
            p.drawLines([QLineF(0, r * cell, w * cell, r * cell) for r in range(h + 1)])
            p.drawLines([QLineF(c * cell, 0, c * cell, h * cell) for c in range(w + 1)])
        if cell >= MIN_NUMBERS:
            self._texts(p, g, rgb, 0.0, 0.0, cell)
        p.end()
        if len(self._bases) >= BASE_CACHE:
            self._bases.clear()
        self._bases[key] = pm
        return pm

    def _key(self, g: Grid, scale: float) -> tuple:
        return (g.gid, g.signed, scale, self.theme.name, g.values.shape, g.values.tobytes())

    def _image(self, g: Grid, scale: float) -> tuple[np.ndarray, QImage]:
        """A grid's colours and its image, kept while its values, scale and theme stay the same
        (most grids do not change from one key press to the next)."""
        key = self._key(g, scale)
        hit = self._images.get(key)
        if hit is None:
            rgb = grid_colours(g.values, scale, g.signed, self.theme)
            img = grid_image(rgb)
            if len(self._images) >= IMAGE_CACHE:
                self._images.clear()
            hit = self._images[key] = (rgb, img)
        return hit

    def _texts(self, p: QPainter, g: Grid, rgb, x0: float, y0: float, cell: float) -> None:
        """Numbers, the course's names and marks in cells large enough to read them."""
        h, w = g.values.shape
        p.setFont(self._font(max(6.0, min(16.0, cell / 4.2))))
        for r in range(h):
            for c in range(w):
                v = float(g.values[r, c])
                rect = QRectF(x0 + c * cell, y0 + r * cell, cell, cell)
                pen = ink(rgb[r, c])
                if math.isfinite(v):
                    p.setPen(pen)
                    _fit_text(p, rect, num(v, 3 if cell > 56 else 2))
                if g.names:
                    p.save()
                    p.setPen(pen)
                    p.setFont(self._font(max(7.0, min(11.0, cell / 5.5)), bold=True))
                    _fit_text(p, rect.adjusted(4, 2, -2, -2), g.names[r * w + c],
                              Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)  # fmt: skip
                    p.restore()


def _changes(st: ConvState) -> tuple:
    """What of a state can change in place after it was made (lesson_screen.py marks what a step
    says to look at; lesson_hide.py blanks the asked number): a kept drawing must match it."""
    values = tuple(id(g.values) for col in st.columns for g in col.grids)
    return (st.touched, values)


def _fit_text(p: QPainter, rect: QRectF, text: str, align=Qt.AlignmentFlag.AlignCenter) -> None:
    """Text in a cell (centred unless `align` says otherwise), its type made smaller when it
    would overflow the cell (a long sum's index, "i=165", was cut to "i=16" in lecturer mode)."""
    base = p.font()
    p.setFont(fitted_font(base, text, rect.width() - 3))
    p.drawText(rect, align, text)
    p.setFont(base)
