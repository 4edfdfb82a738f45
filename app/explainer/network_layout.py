"""Where the dense network drawing puts each layer, in scene units (Qt-free, so it is tested
directly and scene_state asks it which units and edges are drawn).

A layer of up to STRIP_FROM units is drawn as circles, one per unit, with every edge between two
circle layers. A wider layer is a strip: a column of cells coloured by each unit's value (up to
MAX_CELLS cells, the rest summarised as "+N more"); between a strip and its neighbour only a light
band is drawn, and the current event's own edges on top of it, so a 2-500-500-1 network costs
1,000 cells, not 250,000 edges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STRIP_FROM = 12  # a layer of more units than this is drawn as a strip of cells
MAX_CELLS = 1000  # cells drawn in one strip; the rest are summarised as "+N more"
R = 34.0  # circle radius (at least: big labels get bigger circles, see `Scale`)
SMALL_NET_EDGES = 16  # weights drawn at most for a net to be given room for every one
COL_GAP = 240.0  # from one layer's centre to the next (at least)
ROW_GAP = 92.0  # from one circle's centre to the next below it (at least)
STRIP_W = 44.0  # a strip's width
STRIP_ROWS = 8  # a strip is as tall as this many rows (ROW_GAP) or the tallest column


@dataclass(frozen=True)
class Scale:
    """The sizes the drawing is laid out with: the label size decides them, so a label fits
    inside a circle and between two columns however big the labels are (lecturer mode)."""

    r: float = R  # circle radius
    col: float = COL_GAP  # from one layer's centre to the next
    row: float = ROW_GAP  # from one circle's centre to the next below it

    @classmethod
    def for_labels(cls, value_w: float, px: float, numbers: int) -> Scale:
        """Circles that hold a value `value_w` wide, `px` tall; between two columns room for
        `numbers` weights' numbers (0: only for a label beside a circle)."""
        r = max(R, ((value_w / 2) ** 2 + (px / 2) ** 2) ** 0.5 + 3)
        # a small net: 6.5 label heights between two columns of circles, room for each crossing
        # edge's weight near its own end, off the crossing (4 left 3 of the 2-2-2 example's 8 out)
        gap = 6.5 if 0 < numbers <= SMALL_NET_EDGES else 4.0 if numbers else 2.5
        col = 2 * r + gap * px
        return cls(r, max(COL_GAP, col), max(ROW_GAP, 2 * r + 1.4 * px))


def is_strip(n: int) -> bool:
    return n > STRIP_FROM


def drawn_units(n: int) -> range:
    """The units of an n-unit layer that are drawn (and so read at each key press)."""
    return range(min(n, MAX_CELLS)) if is_strip(n) else range(n)


def edges_drawn(sizes, l: int) -> bool:
    """Whether every edge into layer l is drawn (both ends are circles) or only a band."""
    return not is_strip(sizes[l - 1]) and not is_strip(sizes[l])


@dataclass
class Strip:
    x: float  # left edge
    top: float
    w: float
    h: float
    cells: int  # cells drawn
    units: int  # units in the layer

    def cell_y(self, j: int) -> float:
        """The centre height of cell j."""
        return self.top + (j + 0.5) * self.h / self.cells

    def cell_at(self, y: float) -> int:
        """The cell at height y (clamped to the strip)."""
        return max(0, min(self.cells - 1, int((y - self.top) * self.cells / self.h)))


@dataclass
class Geometry:
    sizes: tuple[int, ...]
    scale: Scale = Scale()
    circles: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)  # centres
    strips: dict[int, Strip] = field(default_factory=dict)  # layer -> its strip
    height: float = 0.0  # from the top of the tallest column to its bottom (centres ± R)

    def anchor(self, l: int, j: int, side: int) -> tuple[float, float]:
        """Where an edge meets unit j of layer l: its circle's rim, or its cell's side
        (side −1: the left, towards the previous layer; +1: the right)."""
        if l in self.strips:
            s = self.strips[l]
            return (s.x if side < 0 else s.x + s.w), s.cell_y(j)
        x, y = self.circles[l, j]
        return x + side * self.scale.r, y

    def column(self, l: int) -> tuple[float, float, float, float]:
        """The box (left, top, right, bottom) the drawn units of layer l fill."""
        if l in self.strips:
            s = self.strips[l]
            return s.x, s.top, s.x + s.w, s.top + s.h
        ys = [y for (k, _), (_, y) in self.circles.items() if k == l]
        x, r = l * self.scale.col, self.scale.r
        return x - r, min(ys) - r, x + r, max(ys) + r


def geometry(sizes, sc: Scale = Scale()) -> Geometry:
    sizes = tuple(sizes)
    r = sc.r
    circle_h = [(n - 1) * sc.row for n in sizes if not is_strip(n)]
    strip_h = STRIP_ROWS * ROW_GAP if any(is_strip(n) for n in sizes) else 0.0
    span = max([strip_h - 2 * r, *circle_h])  # between the first and last centre
    g = Geometry(sizes, sc, height=span + 2 * r)
    for l, n in enumerate(sizes):
        x = l * sc.col
        if is_strip(n):
            cells = len(drawn_units(n))
            g.strips[l] = Strip(x - STRIP_W / 2, -r, STRIP_W, span + 2 * r, cells, n)
            continue
        gap = sc.row  # beside a strip, a few circles spread out: room for their labels
        if strip_h and n > 1:
            gap = max(sc.row, min(3 * sc.row, span / (n - 1)))
        top = (span - (n - 1) * gap) / 2
        for j in range(n):
            g.circles[l, j] = (x, top + j * gap)
    return g
