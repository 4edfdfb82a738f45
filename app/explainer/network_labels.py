"""The network drawing's text: sized so that it is at least the theme's `label_px` pixels tall on
screen (the view scales the scene to fit, so the size in scene units follows the scale), and
placed so that no two labels overlap (label_place.Placer) and a neuron's value stays inside its
circle (shortened to its number, else left to the hover text).

Titles, input names, strip captions and the legend are placed first, then the biases below their
neurons and the weights along their edges (each in a slot wide enough for a 5-digit number, so a
key press only re-places them when a wider number appears); the labels of a strip's current
units are placed at each key press around what is already taken.
"""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6.QtCore import QRectF
from PySide6.QtGui import QFont, QFontMetricsF

from engine.numpy_engine.fmt import num

from .label_place import Placer, Rect, along, inside_circle
from .network_layout import Scale

BASE_PX = 13.0  # label size in scene units when the scale leaves room (the drawing's own size)
VALUE_SLOT = "δ=−0.0000"  # what a circle is made to hold: a signed δ of 3 digits, "δ=−0.0381"
NUMBER_SLOT = "−0.0000"  # the width kept for a weight's or bias's number ("b=" added for biases)
MARKS_LABELLED = 4  # a strip's current units given a label (the rest are outlined only)
LEAST_SHRINK = 0.75  # labels made smaller to this share of label_px before a part is left out
MAX_PX = 72.0  # label size in scene units at most (a view too small for label_px: smaller)
LEGEND_LONGEST = (  # the widest and tallest legend scene_state writes, kept room for
    "edges: ∂L/∂w of this step\nblue +, orange −, width = size\ngrey: not yet\n"
    "cells: δ, a or z of a unit\nsample 0000 · mini-batch · step 00000"
)

SPREAD_MOST = 1.8  # a height-limited drawing's columns move apart up to this many times
SPREAD_SHARE = 0.9  # of the width the view leaves unused (the fit stays height-limited)
LEGEND_FIRST = ("edges: ∂L/∂w of this step", "training… the newest weights")  # the widest firsts


def rect_of(item) -> Rect:
    r = item.sceneBoundingRect()
    return r.x(), r.y(), r.width(), r.height()


class LabelLayout:
    def __init__(self, view):
        self.view = view
        self.px = BASE_PX
        self.font = QFont()
        self.fm = QFontMetricsF(self.font)
        self.static: list[Rect] = []  # what titles, names, captions and the legend cover
        self.taken: list[Rect] = []  # and the units and numbers too
        self.shrink, self._want, self._tried = 1.0, 0.0, 0.0  # label_px times shrink; the
        # last try's wanted and tried sizes (_settle, _settle_smaller)
        self.dropped = 0  # left out for want of room: 1 the legend but its first line ("edges:
        # ∂L/∂w of this step": the edges' numbers read as weights without it), 2 all of it,
        # 3 the titles too
        self.bounds: Rect | None = None  # a view too small: labels only where they are seen

    # ---- sizes ----
    def want_px(self, cap: float = MAX_PX) -> float:
        """The label height in scene units: label_px (times `shrink`) on screen at the view's
        scale, or more."""
        scale = self.view.transform().m11() or 1.0
        return min(cap, max(BASE_PX, self.view.theme.label_px * self.shrink / scale))

    def set_px(self, px: float) -> None:
        self.px = px
        self.font = QFont(self.view.theme.font_family)
        self.font.setPixelSize(math.ceil(px))
        self.fm = QFontMetricsF(self.font)
        v = self.view
        for t in (*v.static_text, *v.node_text.values()):
            t.setFont(self.font)
        for t in (*v.edge_text.values(), *v.bias_text.values(), *v.mark_text, v.legend):
            t.setFont(self.font)

    # ---- the whole layout (build, resize, theme) ----
    def relayout(self) -> None:
        """Size the labels for the view's scale, lay the drawing out around them (circles that
        hold them), place them and fit the scene; again while the fit shrinks the scale below
        what the labels need. If no size settles (a view too small for label_px text), the
        labels try a little smaller (_settle_smaller), then the legend is cut to its first line,
        then left out, then the titles; if it still does not settle, the drawing takes its own
        sizes, the labels are label_px tall and those with no room in the view are hidden (the
        current event's neurons are still labelled beside them: the view's marks)."""
        v = self.view
        if v.geom is None:
            return
        self.bounds = None
        for self.dropped in range(4):  # 1: the legend's first line; 2: none; 3: no titles
            self.shrink = 1.0
            if self._settle(self.want_px()) or self._settle_smaller():
                return
        self.shrink = 1.0
        self.dropped = 1  # the titles again and the legend's first line (a drawing too wide for
        # its view at label_px has room below it: without the line, a lesson's learner read the
        # edges' ∂L/∂w as the weights the formula uses), at the drawing's own sizes
        if v.geom.scale != Scale():
            v.populate(Scale())
        self.taken = [v.column_box(l) for l in range(len(v.geom.sizes))]
        v.setSceneRect(self.scene_rect())  # the drawing alone, then room for its labels at
        v.fit_only()  # label_px: that room shrinks the fit, which grows the room (from below)
        for _ in range(4):
            self.set_px(self.want_px(cap=math.inf))
            self.place_static()
            self.place_numbers()
            v.setSceneRect(self.scene_rect())
            v.fit_only()
        self._spread(self.px)
        self.set_px(self.want_px(cap=math.inf))  # what no longer fits at this size is hidden
        self.bounds = v.sceneRect().getRect()
        self.place_static()
        self.place_numbers()

    def _settle(self, px: float) -> bool:
        """Lay the labels out from `px` until their size holds at the fit it makes (then spread
        the columns); False when it does not within 8 tries (the last sizes are kept)."""
        for _ in range(8):
            self._lay(px)
            self._want = want = self.want_px(cap=math.inf)
            if want <= math.ceil(px):  # still big enough
                self._spread(px)
                return True
            self._tried = px
            if px >= MAX_PX:  # it cannot grow: more tries would lay out the same
                return False
            px = min(MAX_PX, 1.03 * want + 2 * (want - px))  # ahead of the next fit
        return False

    def _settle_smaller(self) -> bool:
        """Labels a little smaller (to LEAST_SHRINK of label_px), as the last try says they need:
        a 2-2-2 net 6% too big for a 1366 wall beside a lesson fell back to small circles, its
        values beside them on the edges, and 2 of its 8 weights shown."""
        need = self._tried / self._want if self._want > 0 else 0.0
        if need < LEAST_SHRINK:
            return False
        self.shrink = 0.97 * need
        return self._settle(self.want_px())

    def _spread(self, px: float) -> None:
        """A drawing whose height limits its fit (a 1-12-1 net in a wide view) left width unused
        while its labels crowded between its columns (four hidden neurons had no value): the
        columns move apart, up to SPREAD_MOST times, while the drawing stays within the view's
        shape, so its scale and its labels' size stay as they are."""
        v = self.view
        layers, rect = len(v.geom.sizes), v.sceneRect()
        vw, vh = v.viewport().width(), v.viewport().height()
        if layers < 2 or rect.height() <= 0 or vh <= 0:
            return
        room = vw / vh * rect.height() - rect.width()  # scene units the view shows unused
        sc = v.geom.scale
        col = min(sc.col * SPREAD_MOST, sc.col + SPREAD_SHARE * room / (layers - 1))
        if col <= sc.col * 1.05:  # width-limited, or little to gain
            return
        v.populate(replace(sc, col=col))
        self.set_px(px)
        self.place_static()
        self.place_numbers()
        v.setSceneRect(self.scene_rect())
        v.fit_only()

    def _lay(self, px: float) -> None:
        v = self.view
        self.set_px(px)
        value_w = self.fm.horizontalAdvance(VALUE_SLOT)
        sc = Scale.for_labels(value_w, self.fm.height(), len(v.edge_text))
        if sc != v.geom.scale:  # circles sized for these labels: the items made again
            v.populate(sc)
            self.set_px(px)
        self.place_static()
        self.place_numbers()
        v.setSceneRect(self.scene_rect())
        v.fit_only()

    def scene_rect(self) -> QRectF:
        box = QRectF()
        for x, y, w, h in self.taken + [self.view.column_box(l) for l in self.view.geom.strips]:
            box = box.united(QRectF(x, y, w, h))
        return box.adjusted(-20, -20, 20, 20)

    def place_static(self) -> None:
        v, g = self.view, self.view.geom
        lh = self.fm.lineSpacing()
        taken = [v.column_box(l) for l in range(len(g.sizes))]
        placer = Placer(taken, bounds=self.bounds)
        for l, t in enumerate(v.titles):
            x0, y0, x1, _ = g.column(l)
            br = t.boundingRect()
            cands = [
                ((x0 + x1 - br.width()) / 2, y0 - 8 - br.height() - k * 1.2 * lh, 0, 0)
                for k in range(3)
            ]
            if self.dropped < 3:
                self._put(t, placer, [(x, y, br.width(), br.height()) for x, y, _, _ in cands])
            t.setVisible(self.dropped < 3 and t.isVisible())
        r = g.scale.r
        for (l, j), t in v.names.items():
            x, y = g.circles[l, j]
            br = t.boundingRect()
            self._put(
                t, placer, [(x - r - 8 - br.width(), y - br.height() / 2, br.width(), br.height())]
            )
        for l, t in v.captions.items():
            x0, _, x1, y1 = g.column(l)
            br = t.boundingRect()
            self._put(t, placer, [((x0 + x1 - br.width()) / 2, y1 + 6, br.width(), br.height())])
        v.legend.setVisible(self.dropped < 2)
        if self.dropped < 2:
            self.place_legend(placer)
        self.static = placer.taken[len(taken) :]

    def legend_text(self, text: str) -> str:
        """The legend as shown: whole, or its first line where the room is short (dropped 1)."""
        return text.split("\n", 1)[0] if self.dropped == 1 else text

    def place_legend(self, placer: Placer) -> None:
        v = self.view
        lines = LEGEND_FIRST if self.dropped == 1 else LEGEND_LONGEST.split("\n")
        w = max(self.fm.horizontalAdvance(s) for s in lines)
        h = self.fm.lineSpacing() * len(lines) + 4
        bottom = max(y + hh for _, y, _, hh in placer.taken)
        if v.bias_text:  # a row for the lowest neurons' biases
            bottom += self.fm.height() + 4
        left = min(x for x, _, _, _ in placer.taken)
        v.legend.setPos(left, bottom + 12)
        placer.take((left, bottom + 12, w, h))  # kept for the longest legend: no refit later

    def _put(self, item, placer: Placer, cands: list[Rect]) -> Rect | None:
        got = placer.place(cands)
        item.setVisible(got is not None)
        if got is not None:
            item.setPos(got[0], got[1])
        return got

    def place_numbers(self) -> None:
        """Biases below their neurons (or beside), weights along their edges; each a slot."""
        v, g = self.view, self.view.geom
        placer = Placer(self.static + [v.column_box(l) for l in g.strips], bounds=self.bounds)
        r = g.scale.r
        for x, y in g.circles.values():
            placer.take((x - r, y - r, 2 * r, 2 * r))
        h = self.fm.height()
        slot = self.fm.horizontalAdvance(NUMBER_SLOT)
        self.place_outside(placer, slot + self.fm.horizontalAdvance("a="), h)
        for nid, t in v.bias_text.items():
            x, y = g.circles[v.nodes[nid].key]
            w = max(slot + self.fm.horizontalAdvance("b="), t.boundingRect().width())
            cands = [
                (x - w / 2, y + r + 2, w, h),
                (x + r * 0.7, y + r * 0.7, w, h),
                (x - w / 2, y - r - 2 - h, w, h),
            ]
            self._put_centred(t, placer, cands)
        segs = [(*e.line().p1().toTuple(), *e.line().p2().toTuple()) for e in v.edges.values()]
        for eid, t in v.edge_text.items():
            w = max(slot, t.boundingRect().width())
            line = v.edges[eid].line()
            seg = (*line.p1().toTuple(), *line.p2().toTuple())
            self._put_centred(t, placer, along(seg, w, h), [s for s in segs if s != seg])
        self.taken = placer.taken

    def place_outside(self, placer: Placer, w: float, h: float) -> None:
        """Where a neuron's value cannot fit inside its circle at this size: a slot beside it."""
        v, g = self.view, self.view.geom
        r = g.scale.r
        inside = inside_circle(self.fm.horizontalAdvance(VALUE_SLOT) + 4, h, r)
        for nid, t in v.node_text.items():
            t.slot = None
            t.setVisible(True)
            if inside:
                continue
            x, y = g.circles[v.nodes[nid].key]
            cands = [
                (x + r + 4, y - h / 2, w, h),
                (x - r - 4 - w, y - h / 2, w, h),
                (x - w / 2, y + r + 2, w, h),
                (x - w / 2, y - r - 2 - h, w, h),
            ]
            t.slot = placer.place(cands)  # node_label puts it there when it does not fit inside

    def _put_centred(self, item, placer: Placer, cands: list[Rect], segs=()) -> None:
        got = placer.place(cands, segs)
        item.setVisible(got is not None)
        item.slot = got
        if got is not None:
            br = item.boundingRect()
            item.setPos(got[0] + (got[2] - br.width()) / 2, got[1] + (got[3] - br.height()) / 2)

    def recentre(self, item) -> bool:
        """Centre a number in its slot after its text changed; False when it no longer fits."""
        slot = getattr(item, "slot", None)
        if slot is None:
            return True
        br = item.boundingRect()
        if br.width() > slot[2] + 0.5:
            return False
        item.setPos(slot[0] + (slot[2] - br.width()) / 2, slot[1] + (slot[3] - br.height()) / 2)
        return True

    # ---- at each key press ----
    def node_label(self, item, text: str, centre) -> None:
        """A neuron's value: inside its circle as written, else in the slot the layout gave it
        beside the circle, else with its symbol and two digits inside ("δ=−0.038"), else its
        number alone inside, else none (it is in the hover text)."""
        r = self.view.geom.scale.r
        fits = [
            s
            for s in (text, *_shorter(text))
            if inside_circle(self.fm.horizontalAdvance(s) + 4, self.fm.height(), r)
        ]
        item.beside = (not fits or fits[0] != text) and item.slot is not None
        if item.beside:
            item.setText(text)
            if self.recentre(item):
                return
            item.beside = False
        item.setText(fits[0] if fits else "")
        br = item.boundingRect()
        item.setPos(centre.x() - br.width() / 2, centre.y() - br.height() / 2)

    def strip_spots(self, l: int, j: int):
        """Where the label of cell j of strip l may go: beside the strip, level with the cell
        or a few lines above or below it."""
        s, h = self.view.geom.strips[l], self.fm.height()
        y = s.cell_y(j) - h / 2

        def spots(w: float) -> list[Rect]:
            out = []
            for dy in (0, *(sign * 1.2 * k for k in range(1, 9) for sign in (-1, 1))):
                out += [(s.x + s.w + 8, y + dy * h, w, h), (s.x - 8 - w, y + dy * h, w, h)]
            return out

        return spots

    def node_spots(self, x: float, y: float):
        """Where a neuron's value may go when it has no room of its own: around the circle."""
        r, h = self.view.geom.scale.r, self.fm.height()

        def spots(w: float) -> list[Rect]:
            out = []
            for dy in (0, *(s * 1.2 * k for k in range(1, 8) for s in (-1, 1))):
                out += [
                    (x + r + 4, y - h / 2 + dy * h, w, h),
                    (x - r - 4 - w, y - h / 2 + dy * h, w, h),
                ]
            return out

        return spots

    def edge_spots(self, seg):
        """Where an edge's number may go when its own slot was not found: along the edge."""
        return lambda w: along(seg, w, self.fm.height())

    def place_marks(self, marks: list[tuple[str, object, tuple | None]]) -> None:
        """Label the current event's units and edges that have no label of their own
        ((text, spots: width -> candidate boxes, the point it labels)), free of everything
        placed and inside the fitted scene (they are placed after the fit); a label that had to
        move away from its point gets a thin leader line to it."""
        v, g = self.view, self.view.geom
        taken = [*self.static, *(v.column_box(l) for l in g.strips)]
        r = g.scale.r
        taken += [(x - r, y - r, 2 * r, 2 * r) for x, y in g.circles.values()]
        for t in (*v.node_text.values(), *v.edge_text.values(), *v.bias_text.values()):
            if t.isVisible() and t.text():  # what is written now (an empty slot is free)
                taken.append(rect_of(t))
        placer = Placer(taken, bounds=v.sceneRect().getRect())
        for k, (t, line) in enumerate(zip(v.mark_text, v.mark_lines, strict=True)):
            line.setVisible(False)
            if k >= len(marks):
                t.setVisible(False)
                continue
            text, spots, point = marks[k]
            t.setText(text)
            got = self._put(t, placer, spots(t.boundingRect().width()))
            if got is None or point is None:
                continue
            x, y, w, h = got
            side = x if abs(x - point[0]) < abs(x + w - point[0]) else x + w
            if abs(y + h / 2 - point[1]) > h:  # not level with its point
                line.setLine(side, y + h / 2, *point)
                line.setVisible(True)


def _shorter(text: str) -> list[str]:
    """Shorter ways to write a neuron's "δ=−0.0381": with its symbol and two significant digits
    ("δ=−0.038"), then the number alone (the hover text keeps every digit)."""
    symbol, _, number = text.rpartition("=")
    out = []
    try:
        value = float(number.replace("−", "-"))
    except ValueError:
        value = None
    if symbol and value is not None and math.isfinite(value):
        short = num(value, 2)
        if short != number:
            out.append(f"{symbol}={short}")
    out.append(number)
    return out
