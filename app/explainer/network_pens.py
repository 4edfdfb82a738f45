"""The dense drawing's lines (a part of NetworkView; needs its `theme`, `geom`, `edges`, `nodes`,
`bands`, `node_text`, `labels`): each edge's colour and width by its value, the bands across a
strip, each neuron's ring, and how much wider than the drawing's own they are drawn on screen."""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen

from engine.numpy_engine import ids

from .network_items import blend
from .scene_state import ViewState

MUTED_WIDTH = 1.5  # an edge with no value yet, in scene units (a value's is 1 to 8)
LINE_ROOM = 4  # the widest edge takes at most this share (1/4) of the gap between two rows
BAND_TINT = 70 / 255  # the band: this much of the muted colour on the canvas, drawn opaque
# (it lies on the bare canvas only; a translucent fill of the same look cost 0.6 of the view's
# 1.1 ms paint on the spiral)
BAND_EDGES = 600  # at most this many of the current event's edges drawn across a band


class DrawingPens:
    def line_scale(self) -> float:
        """What the lines' widths are multiplied by: an edge's 1 to 8 and a ring's 1.5 to 5 are
        the drawing's at its own size. Where the fit shrank it (the 2-2-2 example at 1366, its
        circles grown to hold big labels: to 0.2, its edges 0.2 to 1.6 px, a ring 0.3 px), they
        grow back to as many pixels on screen, times the theme's scale on the wall, as long as
        the widest edge takes at most 1/LINE_ROOM of the gap between two rows (a dense net's
        edges stay apart); never below the drawing's own widths."""
        if self.geom is None:
            return 1.0
        want = self.theme.scale / (self.transform().m11() or 1.0)
        return max(1.0, min(want, self.geom.scale.row / (8.0 * LINE_ROOM)))

    def _edge_pens(self, vs: ViewState) -> None:
        th, k = self.theme, self.line_scale()
        values, hl = vs.edge_values, set(vs.highlight_edges)
        big = max((abs(v) for v in values.values()), default=1.0) or 1.0
        muted, pos, neg = QColor(th.muted), QColor(th.positive), QColor(th.negative)
        for eid, item in self.edges.items():
            v = values.get(eid)
            if v is None:  # no value yet: the net's shape stays seen
                pen = QPen(muted, k * MUTED_WIDTH)
            else:
                pen = QPen(pos if v >= 0 else neg, k * (1.0 + 7.0 * min(1.0, abs(v) / big)))
            if eid in hl:
                pen = QPen(QColor(th.highlight), max(pen.widthF(), 4.0 * k) + 2.0 * k)
            item.setPen(pen)
        band_colour = blend(QColor(th.canvas), QColor(th.muted), BAND_TINT)
        paths = {l: QPainterPath() for l in self.bands}
        for eid in vs.highlight_edges[:BAND_EDGES] if paths else ():
            if not isinstance(eid, ids.EdgeId):  # a bias's "edge"
                continue
            l, j, i = eid.parts()
            if l in paths:
                paths[l].moveTo(*self.geom.anchor(l - 1, i, 1))
                paths[l].lineTo(*self.geom.anchor(l, j, -1))
        many = max(1, len(vs.highlight_edges))
        hl = QColor(th.highlight)
        hl.setAlpha(255 if many <= 20 else 110)  # 500 lines: a light fan, not a solid wedge
        for l, (band, path) in self.bands.items():
            band.setBrush(QBrush(band_colour))
            path.setPen(QPen(hl, 2.5 if many <= 20 else 0.8))
            path.setPath(paths[l])

    def _node_pens(self, vs: ViewState) -> None:
        th, k = self.theme, self.line_scale()
        node_set = set(vs.highlight_nodes)
        main_id = vs.highlight_nodes[0] if vs.highlight_nodes else None
        text = QBrush(QColor(th.node_text))
        backing, clear = QColor(th.canvas), QColor(0, 0, 0, 0)
        backing.setAlpha(215)
        for nid, item in self.nodes.items():
            hl, main = nid in node_set, nid == main_id
            item.setBrush(QBrush(QColor(th.node_active if main else th.node)))
            width = k * (5.0 if main else 3.5 if hl else 1.5)
            item.setPen(QPen(QColor(th.highlight if hl else th.node_border), width))
            t = self.node_text[nid]
            self.labels.node_label(t, vs.node_values.get(nid, ""), item.rect().center())
            t.setBrush(QBrush(QColor(th.text)) if t.beside else text)
            t.backing = backing if t.beside else clear  # beside: over the edges, so backed
