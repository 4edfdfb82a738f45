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
R = 34.0  # circle radius
COL_GAP = 240.0  # from one layer's centre to the next
ROW_GAP = 92.0  # from one circle's centre to the next below it
STRIP_W = 44.0  # a strip's width
STRIP_H = 8 * ROW_GAP  # a strip's height (at least: as tall as the tallest circle column)


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
        return x + side * R, y

    def column(self, l: int) -> tuple[float, float, float, float]:
        """The box (left, top, right, bottom) the drawn units of layer l fill."""
        if l in self.strips:
            s = self.strips[l]
            return s.x, s.top, s.x + s.w, s.top + s.h
        ys = [y for (k, _), (_, y) in self.circles.items() if k == l]
        x = l * COL_GAP
        return x - R, min(ys) - R, x + R, max(ys) + R


def geometry(sizes) -> Geometry:
    sizes = tuple(sizes)
    circle_h = [(n - 1) * ROW_GAP for n in sizes if not is_strip(n)]
    strip_h = STRIP_H if any(is_strip(n) for n in sizes) else 0.0
    span = max([strip_h - 2 * R, *circle_h])  # between the first and last centre
    g = Geometry(sizes, height=span + 2 * R)
    for l, n in enumerate(sizes):
        x = l * COL_GAP
        if is_strip(n):
            cells = len(drawn_units(n))
            g.strips[l] = Strip(x - STRIP_W / 2, -R, STRIP_W, span + 2 * R, cells, n)
            continue
        top = (span - (n - 1) * ROW_GAP) / 2
        for j in range(n):
            g.circles[l, j] = (x, top + j * ROW_GAP)
    return g
