"""The items of the dense network drawing: edges, neurons, labels with a backing, and the strip
of cells that stands for a wide layer (network_layout.py says which layers are strips)."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsLineItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
)

from app.shared.messages import plain_tip
from engine.numpy_engine import ids

from .network_layout import Strip

LEVELS = 48  # colour steps each side of zero in a strip


class _Hover:
    """Hover text written when the item is hovered (by the view's `tooltip_provider`)."""

    item_id = ""

    def hover_id(self, pos) -> str:  # noqa: ARG002 (a strip's id depends on where)
        return self.item_id

    def hoverEnterEvent(self, ev) -> None:  # noqa: N802 (Qt)
        self._tip(ev)
        super().hoverEnterEvent(ev)

    def hoverMoveEvent(self, ev) -> None:  # noqa: N802 (Qt)
        self._tip(ev)
        super().hoverMoveEvent(ev)

    def _tip(self, ev) -> None:
        views = self.scene().views() if self.scene() is not None else []
        provider = getattr(views[0], "tooltip_provider", None) if views else None
        if provider is not None:
            self.setToolTip(plain_tip(provider(self.hover_id(ev.pos()))))


HIT_WIDTH = 14.0  # an edge's clickable width in scene units, however thin its line


class EdgeItem(_Hover, QGraphicsLineItem):
    """A line with a generous hit area, so a thin weight is still easy to click. Its bounds are
    what it paints: Qt's line item takes them from its shape, which is the hit area, and a pen
    wider than that (a big weight highlighted on a wall) left its edges painted on the canvas
    after the next key."""

    def __init__(self, key, *a):
        super().__init__(*a)
        self.key = key  # (layer, j, i)
        self.item_id = ids.edge(*key)
        self.setAcceptHoverEvents(True)
        path = QPainterPath(self.line().p1())
        path.lineTo(self.line().p2())
        stroker = QPainterPathStroker()
        stroker.setWidth(HIT_WIDTH)
        self._shape = stroker.createStroke(path)  # the line never moves: made once
        self._reach = 0.0
        self._bounds = QRectF()
        self._fit(HIT_WIDTH)

    def _fit(self, width: float) -> None:
        # a square cap's corner reaches √2 of half the width from the line's end, on a slant
        half = max(width, HIT_WIDTH) / 2 * math.sqrt(2) + 1.0  # and antialiasing 1 more
        if half != self._reach:
            self.prepareGeometryChange()  # the old bounds repainted too
            self._reach = half
            line = QRectF(self.line().p1(), self.line().p2()).normalized()
            self._bounds = line.adjusted(-half, -half, half, half)

    def setPen(self, pen: QPen) -> None:  # noqa: N802 (Qt)
        self._fit(pen.widthF())
        super().setPen(pen)

    def shape(self) -> QPainterPath:
        return self._shape

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt)
        return self._bounds


class NodeItem(_Hover, QGraphicsEllipseItem):
    def __init__(self, key, rect):
        super().__init__(rect)
        self.key = key  # (layer, j)
        self.item_id = ids.node(*key)
        self.setAcceptHoverEvents(True)


class LabelItem(QGraphicsSimpleTextItem):
    """Text on a backing of the canvas colour, so an edge passing under it does not cross it."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.backing = QColor(255, 255, 255, 0)
        self.slot = None  # where network_labels placed it (numbers; values beside their neuron)
        self.beside = False  # a neuron's value drawn beside it, not inside

    def paint(self, painter, option, widget=None) -> None:
        if self.backing.alpha() and self.text():
            painter.fillRect(self.boundingRect(), self.backing)
        super().paint(painter, option, widget)


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """a at t = 0, b at t = 1."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


class StripItem(_Hover, QGraphicsRectItem):
    """A wide layer as a column of cells, each coloured by its unit's value: the theme's positive
    colour above zero, its negative colour below, paler towards zero (scaled to the largest size
    in the strip); grey where no value is reached yet. Marked cells (the current event's units)
    are outlined in the highlight colour, at least a few units tall however thin the cells."""

    def __init__(self, layer: int, strip: Strip):
        super().__init__(QRectF(strip.x, strip.top, strip.w, strip.h))
        self.layer, self.strip = layer, strip
        self.image = QImage(1, strip.cells, QImage.Format.Format_RGB32)
        self.image.fill(QColor("#dddddd"))
        self.palette: tuple[list[int], list[int], int] = ([], [], 0)
        self._colours: tuple[str, ...] = ()
        self.marks: list[int] = []
        self.mark_pen = QPen(QColor("#d4a000"), 3.0)
        self.setAcceptHoverEvents(True)

    def hover_id(self, pos) -> str:
        return ids.node(self.layer, self.strip.cell_at(pos.y()))

    def set_colours(self, canvas: str, positive: str, negative: str, empty: str) -> None:
        if self._colours == (canvas, positive, negative, empty):  # the same theme: kept
            return
        self._colours = (canvas, positive, negative, empty)
        c = QColor(canvas)
        pos = [blend(c, QColor(positive), k / LEVELS).rgb() for k in range(LEVELS + 1)]
        neg = [blend(c, QColor(negative), k / LEVELS).rgb() for k in range(LEVELS + 1)]
        self.palette = (pos, neg, QColor(empty).rgb())

    def set_values(self, values: list[float | None], marks: list[int]) -> None:
        pos, neg, empty = self.palette
        big = max((abs(v) for v in values if v is not None), default=0.0) or 1.0
        setp = self.image.setPixel
        for j, v in enumerate(values[: self.strip.cells]):
            if v is None or v != v:  # not reached yet, or NaN
                setp(0, j, empty)
            else:
                setp(0, j, (pos if v >= 0 else neg)[round(LEVELS * min(1.0, abs(v) / big))])
        self.marks = marks
        self.update()

    def cell_rect(self, j: int, least: float = 8.0) -> QRectF:
        s = self.strip
        h = s.h / s.cells
        y = s.cell_y(j)
        return QRectF(s.x, y - max(h, least) / 2, s.w, max(h, least))

    def paint(self, painter, option, widget=None) -> None:
        r = self.rect()
        painter.drawImage(r, self.image)  # one pixel a cell, scaled without smoothing
        s = self.strip
        if s.cells <= 64:  # cells tall enough to tell apart: a thin gap between them
            painter.setPen(QPen(QColor(self.palette[0][0]), 1.0))
            for j in range(1, s.cells):
                y = s.top + j * s.h / s.cells
                painter.drawLine(r.left(), y, r.right(), y)
        painter.setPen(self.pen())
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(r)
        painter.setPen(self.mark_pen)
        if len(self.marks) <= 32:
            for j in self.marks:
                painter.drawRect(self.cell_rect(j))
            return
        painter.setBrush(self.mark_pen.color())  # many (an event's 500 inputs): a bar beside
        h = s.h / s.cells
        painter.setPen(Qt.PenStyle.NoPen)
        for j in self.marks:
            painter.drawRect(QRectF(s.x - 6, s.top + j * h, 4, h))
