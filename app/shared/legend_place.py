"""A plot's legend in the corner of its view where it hides the least of the curves (as
matplotlib's loc="best"): the accuracy plot's legend, fixed at the bottom right, covered the
training batches' curve and the first epochs' points; the gradient norms', at the top right, the
rising curves. The corners are judged by the curves' points on the screen (lines sampled along
their segments); the legend moves only when another corner hides strictly fewer, so it does not
hop while a run adds points."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

MARGIN = 8.0  # pixels between the legend and the view's edges
SAMPLES = 240  # points sampled along each curve (a 3-point epoch curve: along its two segments)
CORNERS = ("top right", "bottom right", "top left", "bottom left")  # the order ties are broken in


def corner_anchor(corner: str) -> tuple[tuple[int, int], tuple[float, float]]:
    """(the anchor on the legend and on its view box, the offset in pixels) of a corner."""
    right, bottom = "right" in corner, "bottom" in corner
    at = (1 if right else 0, 1 if bottom else 0)
    return at, (-MARGIN if right else MARGIN, -MARGIN if bottom else MARGIN)


def sampled(x: np.ndarray, y: np.ndarray, n: int = SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """Points along the polyline through (x, y), finite points only: each segment between two
    consecutive points is a straight line, so interpolating over the index follows it."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) < 2 or len(x) >= n:  # a long curve: its own points (downsampled to the view)
        return x, y
    t = np.linspace(0.0, len(x) - 1.0, n)
    i = np.arange(len(x), dtype=float)
    return np.interp(t, i, x), np.interp(t, i, y)


MARKER_WEIGHT = 20.0  # a marked point (an epoch's evaluation) counts as this many line points


def hidden_counts(points_px: np.ndarray, size: tuple[float, float], w: float, h: float):
    """How much of the (n, 3) weighted points (x, y in the view's pixels, y down; weight) each
    corner's legend box of `size` would cover, in CORNERS order."""
    lw, lh = size
    out = []
    px, py, weight = points_px[:, 0], points_px[:, 1], points_px[:, 2]
    for corner in CORNERS:
        left = w - MARGIN - lw if "right" in corner else MARGIN
        top = h - MARGIN - lh if "bottom" in corner else MARGIN
        inside = (px >= left - 4) & (px <= left + lw + 4) & (py >= top - 4) & (py <= top + lh + 4)
        out.append(float(weight[inside].sum()))
    return out


def curve_pixels(plot: pg.PlotItem) -> np.ndarray:
    """Every visible curve's sampled points in the view box's pixels with their weights (n, 3),
    y down: the line's samples weigh 1, its markers MARKER_WEIGHT (hide a line, not a point)."""
    vb = plot.getViewBox()
    (x0, x1), (y0, y1) = vb.viewRange()
    rect = vb.boundingRect()
    w, h = rect.width(), rect.height()
    chunks = [np.zeros((0, 3))]
    if not (x1 > x0 and y1 > y0):
        return chunks[0]
    for item in plot.listDataItems():
        x, y = item.getData() if item.isVisible() else (None, None)
        if x is None or len(x) == 0:
            continue
        marked = [(x, y, MARKER_WEIGHT)] if item.opts.get("symbol") is not None else []
        for xs, ys, weight in [(*sampled(x, y), 1.0), *marked]:
            xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
            px, py = (xs - x0) / (x1 - x0) * w, (y1 - ys) / (y1 - y0) * h
            chunks.append(np.column_stack([px, py, np.full(len(px), weight)]))
    return np.concatenate(chunks)


SHRINK = (1.0, 0.85, 0.7, 0.55)  # the legend's type, times its theme's, tried until it fits
LEAST_PT = 6.0  # never smaller


def theme_pt(legend: pg.LegendItem) -> float:
    """The legend's type size in the look now (restyle_legend sets it; 9 pt at first)."""
    if getattr(legend, "theme_pt", None) is None:
        legend.theme_pt = float(str(legend.opts.get("labelTextSize") or "9pt").rstrip("pt"))
    return legend.theme_pt


def layout_size(legend: pg.LegendItem, cols: int, shrink: float = 1.0) -> tuple[float, float]:
    """The legend's (width, height) in `cols` columns at `shrink` times its theme's type, as
    pyqtgraph lays it out: measured by laying it out so once for its names and type, then
    remembered (sizes scaled from another type disagreed with the layout made at this one, and
    the legend went back and forth between two sizes)."""
    names = tuple(label.text for _, label in legend.items)
    key = (names, theme_pt(legend), cols, shrink)
    sizes = legend.__dict__.setdefault("measured", {})
    if key not in sizes:
        now = (legend.columnCount, getattr(legend, "shrink", 1.0))
        set_layout(legend, cols, shrink)
        legend.layout.activate()
        legend.updateSize()
        box = legend.boundingRect()
        sizes[key] = (box.width(), box.height())
        set_layout(legend, *now)
    return sizes[key]


def set_layout(legend: pg.LegendItem, cols: int, shrink: float) -> None:
    """The legend in `cols` columns at `shrink` times its theme's type, its entries made anew:
    pyqtgraph's own re-layout keeps each label's old width, so the box grew wider with every
    change (as in restyle_legend)."""
    entries = [(sample.item, label.text) for sample, label in legend.items]
    legend.clear()
    legend.setColumnCount(cols)
    legend.setLabelTextSize(f"{theme_pt(legend) * shrink:.1f}pt")
    legend.shrink = shrink
    for item, name in entries:
        legend.addItem(item, name)


def layouts(legend: pg.LegendItem, w: float, h: float) -> tuple[float | None, dict]:
    """The largest type (SHRINK) at which some layout fits the view, and each layout's size at
    it ({columns: (width, height)}): one column, and two for two names or more (two names side
    by side make one row: a short plot at 768 pixels hid its two-name legend, one name per row
    did not fit). A legend taller than its plot lost its last names under the view's edge (the
    laptop's accuracy and gradient plots); (None, {}) when nothing fits even at the least type."""
    steps = [f for f in SHRINK if theme_pt(legend) * f >= LEAST_PT] or [1.0]
    for f in steps:
        sizes = {c: layout_size(legend, c, f) for c in (1, 2) if c == 1 or len(legend.items) >= 2}
        fitting = {
            c: size for c, size in sizes.items()
            if size[0] <= w - 2 * MARGIN and size[1] <= h - 2 * MARGIN
        }  # fmt: skip
        if fitting:
            return f, fitting
    return None, {}


def place_legend(plot: pg.PlotItem) -> str | None:
    """Move the plot's legend to the corner that hides the fewest points of its curves, in the
    layout (one column or two, its type as large as fits) that hides the fewest; returns the
    corner it is in (None: no legend, or nothing drawn yet)."""
    legend = getattr(plot, "legend", None)
    if legend is None or not legend.items:
        return None
    rect = plot.getViewBox().boundingRect()
    if rect.width() <= 0 or legend.boundingRect().width() <= 0:
        return None
    shrink, sizes = layouts(legend, rect.width(), rect.height())
    legend.setVisible(shrink is not None)  # a plot too small for its names shows none of them
    if shrink is None:
        return None
    points = curve_pixels(plot)
    options = {
        c: hidden_counts(points, size, rect.width(), rect.height()) for c, size in sizes.items()
    }
    now = getattr(legend, "corner", None) or getattr(plot, "legend_corner", CORNERS[0])
    here = (legend.columnCount, now)
    score = {(c, k): counts[CORNERS.index(k)] for c, counts in options.items() for k in CORNERS}
    best = min(score, key=lambda o: (score[o], o != here, o[0], CORNERS.index(o[1])))
    cols, corner = best if score[best] < score.get(here, math.inf) else here
    if cols != legend.columnCount or shrink != getattr(legend, "shrink", 1.0):
        set_layout(legend, cols, shrink)
    if corner != getattr(legend, "corner", None):
        at, offset = corner_anchor(corner)
        legend.anchor(itemPos=at, parentPos=at, offset=offset)
        legend.corner = corner
    return corner


def follow(plot: pg.PlotItem) -> None:
    """Place the legend again whenever the view's range or size changes (an auto-range after new
    points comes after the call that added them, so the caller's placement can be a step old)."""
    vb = plot.getViewBox()
    vb.sigRangeChanged.connect(lambda *_: place_legend(plot))
    vb.sigResized.connect(lambda *_: place_legend(plot))
