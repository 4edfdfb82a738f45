"""The drawn network: neurons as circles showing their current value, edges whose colour and width
show the weight (forward, loss, update) or the gradient (backward). The current event's neuron and
edges are highlighted. Hover for details; click an edge to edit its weight, a neuron for its bias.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsLineItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
)

from app.shared.theme import Theme
from engine.numpy_engine import ids
from engine.numpy_engine.fmt import num

from .scene_state import MAX_DRAWN, ViewState

R = 34.0  # neuron radius
COL_GAP = 240.0
ROW_GAP = 92.0


class _Hover:
    """Hover text written when the item is hovered (by the view's `tooltip_provider`)."""

    item_id = ""

    def hoverEnterEvent(self, ev) -> None:  # noqa: N802 (Qt)
        views = self.scene().views() if self.scene() is not None else []
        provider = getattr(views[0], "tooltip_provider", None) if views else None
        if provider is not None:
            self.setToolTip(provider(self.item_id))
        super().hoverEnterEvent(ev)


class EdgeItem(_Hover, QGraphicsLineItem):
    """A line with a generous hit area, so a thin weight is still easy to click."""

    def __init__(self, key, *a):
        super().__init__(*a)
        self.key = key  # (layer, j, i)
        self.item_id = ids.edge(*key)
        self.setAcceptHoverEvents(True)

    def shape(self) -> QPainterPath:
        path = QPainterPath(self.line().p1())
        path.lineTo(self.line().p2())
        stroker = QPainterPathStroker()
        stroker.setWidth(14)
        return stroker.createStroke(path)


class NodeItem(_Hover, QGraphicsEllipseItem):
    def __init__(self, key, rect):
        super().__init__(rect)
        self.key = key  # (layer, j)
        self.item_id = ids.node(*key)
        self.setAcceptHoverEvents(True)


class NetworkView(QGraphicsView):
    edit_weight = Signal(int, int, int)  # layer, j, i
    edit_bias = Signal(int, int)  # layer, j

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setMinimumSize(420, 300)
        self.theme = theme
        self.nodes: dict[str, NodeItem] = {}
        self.node_text: dict[str, QGraphicsSimpleTextItem] = {}
        self.edges: dict[str, EdgeItem] = {}
        self.edge_text: dict[str, QGraphicsSimpleTextItem] = {}
        self.bias_text: dict[str, QGraphicsSimpleTextItem] = {}
        self.static_text: list[QGraphicsSimpleTextItem] = []
        self.legend: QGraphicsSimpleTextItem | None = None
        self.highlighted: tuple[str, ...] = ()  # ids drawn highlighted now (for tests)
        self.sizes: tuple[int, ...] = ()
        self.tooltip_provider = None  # item id -> hover text, asked for when an item is hovered

    # ---- building ----
    def build(self, sizes: tuple[int, ...], input_names=()) -> None:
        sc = self.scene()
        sc.clear()
        self.nodes, self.node_text, self.edges, self.edge_text = {}, {}, {}, {}
        self.bias_text = {}
        self.static_text: list[QGraphicsSimpleTextItem] = []  # titles, names: theme-coloured
        self.sizes = tuple(sizes)
        pos = self._positions(sizes)
        drawn = zip(sizes[:-1], sizes[1:], strict=False)
        show_numbers = sum(min(a, MAX_DRAWN) * min(b, MAX_DRAWN) for a, b in drawn) <= 24
        self._edges(pos, sizes, show_numbers)
        self._nodes(pos, show_numbers, input_names)
        for l in range(len(sizes)):
            name = "input" if l == 0 else "output" if l == len(sizes) - 1 else f"hidden {l}"
            t = sc.addSimpleText(f"layer {l}\n{name}", self._font(10, bold=True))
            self.static_text.append(t)
            t.setPos(l * COL_GAP - 30, -R - 60)
        self.legend = sc.addSimpleText(
            "edges: weights — blue +, orange −, width = |w|\n\n", self._font(10)
        )
        tallest = min(max(sizes), MAX_DRAWN)
        self.legend.setPos(-R, (tallest - 1) * ROW_GAP + R + 24)
        self.setSceneRect(sc.itemsBoundingRect().adjusted(-40, -30, 40, 30))
        self.fit()

    def _positions(self, sizes) -> dict[tuple[int, int], QPointF]:
        """Where each drawn unit sits (at most MAX_DRAWN a layer, centred; "+n more" below)."""
        pos: dict[tuple[int, int], QPointF] = {}
        tallest = min(max(sizes), MAX_DRAWN)
        for l, n in enumerate(sizes):
            shown = min(n, MAX_DRAWN)
            top = (tallest - shown) * ROW_GAP / 2
            for j in range(shown):
                pos[l, j] = QPointF(l * COL_GAP, top + j * ROW_GAP)
            if n > shown:
                t = self.scene().addSimpleText(f"+{n - shown} more", self._font(10))
                self.static_text.append(t)
                t.setPos(l * COL_GAP - 30, top + shown * ROW_GAP - 20)
        return pos

    def _edges(self, pos, sizes, show_numbers: bool) -> None:
        sc = self.scene()
        for l in range(1, len(sizes)):
            for j in range(min(sizes[l], MAX_DRAWN)):
                for i in range(min(sizes[l - 1], MAX_DRAWN)):
                    eid = ids.edge(l, j, i)
                    a, b = pos[l - 1, i], pos[l, j]
                    e = EdgeItem((l, j, i), a.x() + R, a.y(), b.x() - R, b.y())
                    e.setZValue(0)
                    sc.addItem(e)
                    self.edges[eid] = e
                    if show_numbers:
                        t = sc.addSimpleText("", self._font(9))
                        frac = 0.28 + 0.1 * (i % 3)  # stagger labels so they do not overlap
                        t.setPos(
                            a.x() + (b.x() - a.x()) * frac, a.y() + (b.y() - a.y()) * frac - 16
                        )
                        t.setZValue(3)
                        self.edge_text[eid] = t

    def _nodes(self, pos, show_numbers: bool, input_names) -> None:
        sc = self.scene()
        for (l, j), p in pos.items():
            nid = ids.node(l, j)
            item = NodeItem((l, j), QRectF(p.x() - R, p.y() - R, 2 * R, 2 * R))
            item.setZValue(2)
            sc.addItem(item)
            self.nodes[nid] = item
            t = sc.addSimpleText("", self._font(10))
            t.setZValue(4)
            self.node_text[nid] = t
            if l > 0 and show_numbers:
                bt = sc.addSimpleText("", self._font(8))
                bt.setPos(p.x() - R, p.y() + R + 2)
                self.bias_text[nid] = bt
            if l == 0 and j < len(input_names):
                lab = sc.addSimpleText(input_names[j], self._font(10))
                self.static_text.append(lab)
                lab.setPos(p.x() - R - 8 - lab.boundingRect().width(), p.y() - 8)

    def _font(self, pt: int, bold: bool = False) -> QFont:
        f = QFont(self.theme.font_family)
        f.setPointSizeF(pt)  # the view scales the scene to fit; theme scale is for widgets
        f.setBold(bold)
        return f

    def fit(self) -> None:
        if self.scene().items():
            self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, ev) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(ev)
        self.fit()

    # ---- showing a moment of the trace ----
    def show_state(self, vs: ViewState) -> None:
        """Draw one moment of the trace (or of live training) as scene_state picked it."""
        th = self.theme
        edge_values, node_values, biases = vs.edge_values, vs.node_values, vs.biases
        highlight_nodes = vs.highlight_nodes
        highlight_edges = set(vs.highlight_edges)  # a z event of a wide layer names 500 edges
        node_set = set(highlight_nodes)
        big = max((abs(v) for v in edge_values.values()), default=1.0) or 1.0
        for eid, item in self.edges.items():
            v = edge_values.get(eid)
            if v is None:
                pen = QPen(QColor(th.muted), 1.0)
            else:
                colour = QColor(th.positive if v >= 0 else th.negative)
                pen = QPen(colour, 1.0 + 7.0 * min(1.0, abs(v) / big))
            if eid in highlight_edges:
                pen = QPen(QColor(th.highlight), max(pen.widthF(), 4.0) + 2.0)
            item.setPen(pen)
            if eid in self.edge_text:
                self.edge_text[eid].setText("" if v is None else num(v, 3))
                self.edge_text[eid].setBrush(QBrush(QColor(th.text)))
        for nid, item in self.nodes.items():
            hl = nid in node_set
            main = bool(highlight_nodes) and nid == highlight_nodes[0]
            item.setBrush(QBrush(QColor(th.node_active if main else th.node)))
            item.setPen(
                QPen(
                    QColor(th.highlight if hl else th.node_border),
                    5.0 if main else 3.5 if hl else 1.5,
                )
            )
            t = self.node_text[nid]
            t.setText(node_values.get(nid, ""))
            t.setBrush(QBrush(QColor(th.node_text)))
            r = item.rect()
            br = t.boundingRect()
            t.setPos(r.center().x() - br.width() / 2, r.center().y() - br.height() / 2)
        for t in self.static_text:
            t.setBrush(QBrush(QColor(th.text)))
        for nid, t in self.bias_text.items():
            t.setText(f"b={num(biases[nid], 3)}" if biases and nid in biases else "")
            t.setBrush(QBrush(QColor(th.text)))
        if self.legend is not None:
            self.legend.setText(vs.edge_label)
            self.legend.setBrush(QBrush(QColor(th.text)))
            need = self.legend.sceneBoundingRect().adjusted(-10, -10, 10, 10)
            if not self.sceneRect().contains(need):
                self.setSceneRect(self.sceneRect().united(need))
                self.fit()
        self.highlighted = tuple(highlight_nodes) + tuple(vs.highlight_edges)
        if self.backgroundBrush().color() != QColor(th.canvas):  # resetting it repaints it all
            self.setBackgroundBrush(QBrush(QColor(th.canvas)))

    # ---- clicks ----
    def mousePressEvent(self, ev) -> None:  # noqa: N802 (Qt)
        item = self.itemAt(ev.position().toPoint())
        if isinstance(item, QGraphicsSimpleTextItem):
            below = [
                i for i in self.items(ev.position().toPoint()) if isinstance(i, EdgeItem | NodeItem)
            ]
            item = below[0] if below else None
        if isinstance(item, EdgeItem):
            self.edit_weight.emit(*item.key)
        elif isinstance(item, NodeItem) and item.key[0] > 0:
            self.edit_bias.emit(*item.key)
        super().mousePressEvent(ev)
