"""A plot's y axis names only the ticks its height fits at its type size. pyqtgraph labels
each power of ten on a log axis, and spaces a linear axis's ticks by its length alone: in a
short plot at lecturer size "10", "1", "0.1", "0.01" (the Landscape panel's loss per step) and
"0.0010", "0.0008"... (the trainer's learning rate) were written over one another. The labelled
step is the fewest decades, or the least 1, 2 or 5 x 10^k, that leaves each label its height."""

from __future__ import annotations

import math

import pyqtgraph as pg

LABEL_ROOM = 1.25  # a label's height times this: the least distance between two labels
MIN_DECADES = 3.0  # an axis spanning fewer decades keeps pyqtgraph's own ticks (2, 5, 20...)


def decade_step(decades: float, height_px: float, label_px: float) -> int:
    """Labelled decades 1, 2, 3... apart so that labels `label_px` tall, over an axis of
    `height_px` spanning `decades`, are at least LABEL_ROOM label heights apart."""
    if not (decades > 0 and height_px > 0 and math.isfinite(decades)):
        return 1
    per_decade = height_px / decades
    return max(1, math.ceil(LABEL_ROOM * label_px / per_decade))


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def decade_labels(values, scale: float = 1.0, spacing: float = 1.0) -> list[str]:
    """A log axis's labels: 0.001 to 1000 written out, other powers of ten as 10ⁿ (pyqtgraph
    wrote 10 as "10¹" beside "1" and "0.1"); a value between decades with two digits."""
    out = []
    for v in values:
        x = 10.0 ** float(v) * scale
        k = round(float(v))
        if not (1e-3 <= abs(x) < 1e4):
            decade = abs(float(v) - k) < 1e-9 and scale == 1.0
            out.append("10" + str(k).translate(SUPERSCRIPT) if decade else f"{x:.1e}")
        else:
            out.append(f"{x:.0f}" if abs(x) >= 100 else f"{x:.2g}")
    return out


def fit_log_ticks(plot: pg.PlotItem) -> None:
    """The left axis's labelled step for its height and type now: whole decades on a log axis
    (pyqtgraph's own over less than MIN_DECADES), and on a linear one pyqtgraph's own unless
    its labels would touch."""
    axis = plot.getAxis("left")
    (_, _), (y0, y1) = plot.getViewBox().viewRange()
    height = plot.getViewBox().boundingRect().height()
    label = axis.style.get("tickFont") or axis.font()
    if not axis.logMode:
        _fit_linear(axis, y0, y1, height, pg.QtGui.QFontMetricsF(label).height())
        return
    step = decade_step(y1 - y0, height, pg.QtGui.QFontMetricsF(label).height())
    if y1 - y0 < MIN_DECADES:  # a narrow range: pyqtgraph's own ticks name 2, 5, 20...
        step = None  # (whole decades alone left a loss from 0.3 to 2 with one label, or none)
    _set(axis, ("log", step), None if step is None else [(float(step), 0.0)])


def nice_step(least: float) -> float:
    """The smallest of 1, 2, 5 times a power of ten that is at least `least` (> 0)."""
    k = math.floor(math.log10(least))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10.0**k >= least * (1 - 1e-12):
            return m * 10.0**k
    return 10.0 ** (k + 1)


def _fit_linear(axis: pg.AxisItem, y0: float, y1: float, height: float, label_px: float):
    """A linear axis keeps pyqtgraph's ticks unless its labels would touch (at lecturer size
    in a short plot "0.0010", "0.0008"... were written over one another); then the labelled
    step is the least 1, 2 or 5 x 10^k that leaves each label its room."""
    span = y1 - y0
    if not (span > 0 and height > 0 and math.isfinite(span)):
        return
    least = LABEL_ROOM * label_px * span / height  # in the axis's units
    fixed, axis._tickSpacing = axis._tickSpacing, None  # pyqtgraph's own spacing, not ours
    try:
        auto = axis.tickSpacing(y0, y1, height)
    finally:
        axis._tickSpacing = fixed
    major = auto[0][0] if auto else least
    step = None if major >= least else nice_step(least)
    _set(axis, ("linear", step), None if step is None else [(step, 0.0)])


def _set(axis: pg.AxisItem, key: tuple, levels) -> None:
    """The axis's tick levels (None: pyqtgraph's own), set only when `key` changed."""
    if key != getattr(axis, "_fixed", None):
        axis.setTickSpacing(levels=levels) if levels is not None else axis.setTickSpacing()
        axis._fixed = key


def follow_log_ticks(plot: pg.PlotItem) -> None:
    """Fit the ticks again whenever the view's range or size changes."""
    plot.getAxis("left").logTickStrings = decade_labels  # this axis's own, not the class's
    vb = plot.getViewBox()
    vb.sigRangeChanged.connect(lambda *_: fit_log_ticks(plot))
    vb.sigResized.connect(lambda *_: fit_log_ticks(plot))
    fit_log_ticks(plot)
