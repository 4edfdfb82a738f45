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


def layout_size(legend: pg.LegendItem, cols: int) -> tuple[float, float]:
    """The legend's (width, height) in `cols` columns, its entries filled row by row, from each
    name's own text size (a laid-out label keeps the width a wider layout gave it)."""
    entries = [(sample.boundingRect(), label.item.boundingRect()) for sample, label in legend.items]
    left, top, right, bottom = legend.layout.getContentsMargins()
    gap = legend.layout.horizontalSpacing()
    width = left + right + gap * (2 * cols - 1)
    for j in range(cols):
        column = entries[j::cols]
        if column:
            width += max(a.width() for a, _ in column) + max(b.width() for _, b in column)
    rows = [entries[i : i + cols] for i in range(0, len(entries), cols)]
    height = top + bottom + sum(max(max(a.height(), b.height()) for a, b in r) for r in rows)
    return width, height


def set_columns(legend: pg.LegendItem, cols: int) -> None:
    """The legend in `cols` columns, its entries made anew: pyqtgraph's own re-layout keeps
    each label's old width, so the box grew wider with every change (as in restyle_legend)."""
    entries = [(sample.item, label.text) for sample, label in legend.items]
    legend.clear()
    legend.setColumnCount(cols)
    for item, name in entries:
        legend.addItem(item, name)


def place_legend(plot: pg.PlotItem) -> str | None:
    """Move the plot's legend to the corner that hides the fewest points of its curves; returns
    the corner it is in (None: no legend, or nothing drawn yet)."""
    legend = getattr(plot, "legend", None)
    if legend is None or not legend.items:
        return None
    rect = plot.getViewBox().boundingRect()
    if rect.width() <= 0 or legend.boundingRect().width() <= 0:
        return None
    points = curve_pixels(plot)
    options = {  # two columns only for three or more names, and only where they fit
        cols: hidden_counts(points, size, rect.width(), rect.height())
        for cols, size in ((c, layout_size(legend, c)) for c in (1, 2))
        if cols == 1 or (len(legend.items) >= 3 and size[0] <= rect.width() - 2 * MARGIN)
    }
    now = getattr(legend, "corner", None) or getattr(plot, "legend_corner", CORNERS[0])
    here = (legend.columnCount, now)
    score = {(c, k): counts[CORNERS.index(k)] for c, counts in options.items() for k in CORNERS}
    best = min(score, key=lambda o: (score[o], o != here, o[0], CORNERS.index(o[1])))
    cols, corner = best if score[best] < score.get(here, math.inf) else here
    if cols != legend.columnCount:
        set_columns(legend, cols)
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
