"""The drawn network: neurons as circles showing their current value, edges whose colour and width
show the weight (forward, loss, update) or the gradient (backward). A layer wider than
network_layout.STRIP_FROM is a strip of cells coloured by value, joined to its neighbours by a
light band carrying only the current event's edges. The current event's neurons and edges are
highlighted; in the update phase the changed value flashes. Hover for details; click an edge to
edit its weight, a neuron (or a cell) for its bias. Labels: network_labels.py.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractAnimation, QPointF, QRectF, Qt, QVariantAnimation, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsLineItem,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsScene,
    QGraphicsView,
)

from app.shared.theme import Theme
from engine.numpy_engine import ids

from .layer_drawing import column_name, pairs
from .network_items import EdgeItem, LabelItem, NodeItem, StripItem, blend
from .network_labels import MARKS_LABELLED, LabelLayout
from .network_layout import Geometry, Scale, edges_drawn, geometry
from .network_pens import DrawingPens
from .scene_state import ViewState

FLASH_MS = 600  # the update phase's pulse on the changed value
MARKED_EDGES = 2  # the current event's edges labelled apart when their own slot is taken
MARKED_NODES = 2  # and its neurons, when their value has no room in (or beside) the circle


class NetworkView(DrawingPens, QGraphicsView):
    edit_weight = Signal(int, int, int)  # layer, j, i
    edit_bias = Signal(int, int)  # layer, j

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumSize(420, 300)
        self.theme = theme
        self.labels = LabelLayout(self)
        self.flash = QVariantAnimation(self)
        self.flash.setDuration(FLASH_MS)
        self.flash.setStartValue(0.0)
        self.flash.setEndValue(1.0)
        self.flash.valueChanged.connect(self._flash_step)
        self.flashing: tuple[str, ...] = ()  # ids pulsing now (for tests)
        self.highlighted: tuple[str, ...] = ()  # ids drawn highlighted now (for tests)
        self.tooltip_provider = None  # item id -> hover text, asked for when an item is hovered
        self.sizes: tuple[int, ...] = ()
        self.kinds: tuple[str, ...] = ()  # each layer 1..L's type (layer_drawing's table)
        self.acts: tuple[str, ...] = ()
        self.input_names: tuple[str, ...] = ()
        self._clear()

    def _clear(self) -> None:
        self.geom: Geometry | None = None
        self._shown: ViewState | None = None  # the moment drawn last (redrawn after a refit)
        self.nodes: dict[str, NodeItem] = {}
        self.node_text: dict[str, LabelItem] = {}
        self.edges: dict[str, EdgeItem] = {}
        self.edge_text: dict[str, LabelItem] = {}
        self.bias_text: dict[str, LabelItem] = {}
        self.strips: dict[int, StripItem] = {}
        self.bands: dict[int, tuple[QGraphicsPolygonItem, QGraphicsPathItem]] = {}
        self.titles: list[LabelItem] = []
        self.names: dict[tuple[int, int], LabelItem] = {}
        self.captions: dict[int, LabelItem] = {}
        self.mark_text: list[LabelItem] = []
        self.mark_lines: list[QGraphicsLineItem] = []  # from a moved mark label to its point
        self.static_text: list[LabelItem] = []  # titles, names, captions: theme-coloured
        self.legend = self._label("", 5)

    def _label(self, text: str, z: float) -> LabelItem:
        t = LabelItem(text)
        t.setZValue(z)
        self.scene().addItem(t)
        return t

    # ---- building ----
    def build(self, sizes: tuple[int, ...], input_names=(), kinds=(), acts=()) -> None:
        """kinds, acts: each layer 1..L's type and activation (() = all dense)."""
        self.sizes, self.input_names = tuple(sizes), tuple(input_names)
        self.kinds = tuple(kinds) or ("dense",) * (len(sizes) - 1)
        self.acts = tuple(acts) or ("",) * (len(sizes) - 1)
        self._shown = None
        self.populate(Scale())
        self.fit()

    def populate(self, sc: Scale) -> None:
        """Make the items of `sizes` laid out at this scale (network_labels picks it)."""
        sizes = self.sizes
        self.flash.stop()
        self.scene().clear()
        shown = self._shown
        self._clear()
        self._shown = shown
        self.geom = g = geometry(sizes, sc)
        one_by_one = [l for l in range(1, len(sizes)) if edges_drawn(sizes, l)]
        show_numbers = sum(sizes[l - 1] * sizes[l] for l in one_by_one) <= 24
        for l in range(1, len(sizes)):
            if edges_drawn(sizes, l):
                self._edges(l, show_numbers)
            else:
                self._band(l)
        self._nodes(show_numbers, self.input_names)
        for l, n in enumerate(sizes):
            name = "input" if l == 0 else "output" if l == len(sizes) - 1 else f"hidden {l}"
            if l and column_name(self.kinds[l - 1], self.acts[l - 1]):
                name = column_name(self.kinds[l - 1], self.acts[l - 1])
            self.titles.append(self._label(f"layer {l}\n{name}", 5))
            if l in g.strips:
                more = n - g.strips[l].cells
                self.captions[l] = self._label(
                    f"{n} units" + (f" (+{more} more)" if more else ""), 5
                )
        marks = MARKS_LABELLED * len(g.strips) + MARKED_EDGES * bool(self.edge_text)
        for _ in range(marks + MARKED_NODES * bool(g.circles)):
            self.mark_text.append(self._label("", 6))
            self.mark_lines.append(self.scene().addLine(0, 0, 0, 0))
            self.mark_lines[-1].setZValue(6)
        self.static_text = [*self.titles, *self.names.values(), *self.captions.values()]

    def _edges(self, l: int, show_numbers: bool) -> None:
        g = self.geom
        one = pairs(self.kinds[l - 1])  # a batch norm: unit j to unit j only
        for j in range(self.sizes[l]):
            for i in (j,) if one else range(self.sizes[l - 1]):
                eid = ids.edge(l, j, i)
                (x1, y1), (x2, y2) = g.anchor(l - 1, i, 1), g.anchor(l, j, -1)
                e = EdgeItem((l, j, i), x1, y1, x2, y2)
                e.setZValue(0)
                self.scene().addItem(e)
                self.edges[eid] = e
                if show_numbers:
                    self.edge_text[eid] = self._label("", 3)

    def _band(self, l: int) -> None:
        """A light band from layer l−1 to layer l, and a path for the current event's edges."""
        x0, t0, _, b0 = self.column_box_of(l - 1, right=True)
        x1, t1, _, b1 = self.column_box_of(l, right=False)
        band = QGraphicsPolygonItem(
            QPolygonF([QPointF(x0, t0), QPointF(x1, t1), QPointF(x1, b1), QPointF(x0, b0)])
        )
        band.setPen(QPen(Qt.PenStyle.NoPen))
        band.setZValue(-1)
        path = QGraphicsPathItem()
        path.setZValue(1)
        self.scene().addItem(band)
        self.scene().addItem(path)
        self.bands[l] = (band, path)

    def _nodes(self, show_numbers: bool, input_names) -> None:
        g = self.geom
        for (l, j), (x, y) in g.circles.items():
            nid = ids.node(l, j)
            r = g.scale.r
            item = NodeItem((l, j), QRectF(x - r, y - r, 2 * r, 2 * r))
            item.setZValue(2)
            self.scene().addItem(item)
            self.nodes[nid] = item
            self.node_text[nid] = self._label("", 4)
            if l > 0 and show_numbers:
                self.bias_text[nid] = self._label("", 3)
            if l == 0 and j < len(input_names):
                self.names[l, j] = self._label(input_names[j], 5)
        for l, s in g.strips.items():
            item = StripItem(l, s)
            item.setZValue(2)
            self.scene().addItem(item)
            self.strips[l] = item

    def column_box(self, l: int) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = self.geom.column(l)
        return x0, y0, x1 - x0, y1 - y0

    def column_box_of(self, l: int, right: bool) -> tuple[float, float, float, float]:
        """The side of layer l's column facing the band: (x, top, 0, bottom)."""
        x0, y0, x1, y1 = self.geom.column(l)
        if l not in self.geom.strips:  # circles: the band meets their centres' line
            x0 = x1 = self.geom.anchor(l, 0, 1 if right else -1)[0]
        return (x1 if right else x0), y0, 0.0, y1

    def fit_only(self) -> None:
        if self.scene().items():
            self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def fit(self) -> None:
        """Fit the scene to the view; labels sized for the new scale, the last moment redrawn."""
        self.labels.relayout()
        if self._shown is not None:
            self.show_state(self._shown)

    def resizeEvent(self, ev) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(ev)
        self.fit()

    @property
    def theme(self) -> Theme:
        return self._theme

    @theme.setter
    def theme(self, theme: Theme) -> None:
        """A new palette; a new label size or font: the labels are resized and placed again."""
        old = getattr(self, "_theme", None)
        self._theme = theme
        size = (theme.label_px, theme.font_family)
        if old is not None and size != (old.label_px, old.font_family):
            self.fit()

    # ---- showing a moment of the trace ----
    def show_state(self, vs: ViewState) -> None:
        """Draw one moment of the trace (or of live training) as scene_state picked it."""
        self.flash.stop()
        self.flashing = ()
        self._shown = vs
        th = self.theme
        self._edge_pens(vs)
        self._node_pens(vs)
        refit = self._numbers(vs)
        marks = self._strip_cells(vs)
        for t in self.static_text:
            t.setBrush(QBrush(QColor(th.text)))
        self.legend.setText(self.labels.legend_text(vs.edge_label))
        self.legend.setBrush(QBrush(QColor(th.text)))
        if refit:  # a number grew wider than the slot kept for it: all are placed again
            self.labels.place_numbers()
            self._node_pens(vs)
        self._marks(vs, marks)
        self.highlighted = tuple(vs.highlight_nodes) + tuple(vs.highlight_edges)
        if vs.phase == "update":
            self._start_flash(vs)
        brush = self.backgroundBrush()  # resetting it repaints it all; the first is NoBrush,
        if brush.style() == Qt.BrushStyle.NoBrush or brush.color() != QColor(th.canvas):
            self.setBackgroundBrush(QBrush(QColor(th.canvas)))  # whose colour is black too

    def _numbers(self, vs: ViewState) -> bool:
        """Write the weights and biases; True when one no longer fits its slot."""
        brush, backing = QBrush(QColor(self.theme.text)), QColor(self.theme.canvas)
        backing.setAlpha(215)
        refit = False
        for texts, items in ((vs.edge_text, self.edge_text), (vs.bias_text, self.bias_text)):
            for key, t in items.items():
                t.setText(texts.get(key, ""))
                t.setBrush(brush)
                t.backing = backing
                refit |= not self.labels.recentre(t)
        return refit

    def _strip_cells(self, vs: ViewState) -> list:
        """Colour the strips; the labels of their current units (network_labels.place_marks)."""
        th = self.theme
        marks = []
        by_layer: dict[int, list[int]] = {l: [] for l in self.strips}
        for nid in vs.highlight_nodes if self.strips else ():
            if not isinstance(nid, ids.NodeId):  # "loss"
                continue
            l, j = nid.parts()
            if l in by_layer and j < self.geom.strips[l].cells and j not in by_layer[l]:
                by_layer[l].append(j)  # once: a dropout reads and writes its own unit
        main = vs.highlight_nodes[0] if vs.highlight_nodes else ""
        for l, js in by_layer.items():  # the event's own unit, and a few it reads (not 500)
            for j in js if len(js) <= MARKS_LABELLED else [j for j in js if ids.node(l, j) == main]:
                text = f"#{j} {vs.node_values.get(ids.node(l, j), '')}".rstrip()
                s = self.geom.strips[l]
                marks.append((text, self.labels.strip_spots(l, j), (s.x + s.w, s.cell_y(j))))
        for l, item in self.strips.items():
            item.set_colours(th.canvas, th.positive, th.negative, th.muted)
            item.setPen(QPen(QColor(th.node_border), 1.0))
            item.mark_pen = QPen(QColor(th.highlight), 3.0)
            item.set_values(vs.cells.get(l, []), by_layer[l])
        return marks

    def _marks(self, vs: ViewState, marks: list) -> None:
        """The current event's strip units and edges whose numbers had no room of their own."""
        for nid in [n for n in vs.highlight_nodes if n in self.nodes][:MARKED_NODES]:
            t = self.node_text[nid]
            whole = vs.node_values.get(nid)  # the current neuron's value in full, beside it
            if whole and not (t.isVisible() and t.text() == whole):  # when shortened inside
                x, y = self.geom.circles[self.nodes[nid].key]
                r = self.geom.scale.r
                marks.append((vs.node_values[nid], self.labels.node_spots(x, y), (x + r, y)))
        for eid in vs.highlight_edges[:MARKED_EDGES]:
            t = self.edge_text.get(eid)
            if t is not None and not t.isVisible() and vs.edge_text.get(eid):
                line = self.edges[eid].line()
                seg = (*line.p1().toTuple(), *line.p2().toTuple())
                marks.append((vs.edge_text[eid], self.labels.edge_spots(seg), None))
        if self.mark_text:
            for t, line in zip(self.mark_text, self.mark_lines, strict=True):
                t.setBrush(QBrush(QColor(self.theme.text)))
                t.backing = QColor(self.theme.canvas)
                line.setPen(QPen(QColor(self.theme.highlight), 1.5 * self.line_scale()))
            self.labels.place_marks(marks)

    # ---- the update phase's flash ----
    def _start_flash(self, vs: ViewState) -> None:
        """A weight's update flashes its edge and number; a bias's (no edge) its number."""
        self.flashing = tuple(vs.highlight_edges) or tuple(vs.highlight_nodes)
        self._flash_base = {
            eid: self.edges[eid].pen() for eid in vs.highlight_edges if eid in self.edges
        }
        self.flash.start()

    def _flash_step(self, t) -> None:
        """t from 0 to 1: the changed edge twice as wide and its number on the highlight colour,
        easing back to how it is drawn."""
        hl, canvas = QColor(self.theme.highlight), QColor(self.theme.canvas)
        for eid, pen in self._flash_base.items():
            p = QPen(pen)
            p.setWidthF(pen.widthF() * (2.0 - t))
            self.edges[eid].setPen(p)
        back = blend(hl, canvas, t)
        back.setAlpha(round(255 - 40 * t))
        ink = QBrush(blend(canvas, QColor(self.theme.text), t))  # dark on the pulse, then back
        for key in self.flashing:
            item = self.edge_text.get(key) or self.bias_text.get(key)
            if item is not None:
                item.backing = back
                item.setBrush(ink)

    def flash_running(self) -> bool:
        return self.flash.state() == QAbstractAnimation.State.Running

    # ---- clicks ----
    def mousePressEvent(self, ev) -> None:  # noqa: N802 (Qt)
        at = ev.position().toPoint()
        hit = [i for i in self.items(at) if isinstance(i, EdgeItem | NodeItem | StripItem)]
        item = hit[0] if hit else None
        if isinstance(item, EdgeItem):
            self.edit_weight.emit(*item.key)
        elif isinstance(item, NodeItem) and item.key[0] > 0:
            self.edit_bias.emit(*item.key)
        elif isinstance(item, StripItem) and item.layer > 0:
            self.edit_bias.emit(item.layer, item.strip.cell_at(self.mapToScene(at).y()))
        super().mousePressEvent(ev)
