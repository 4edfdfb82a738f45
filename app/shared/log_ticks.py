"""A log-scale y axis labels every decade it can fit, not every decade: pyqtgraph labels each
power of ten, and in a short plot at lecturer size "10", "1", "0.1" and "0.01" were written over
one another (the Landscape panel's loss per step, the gradient strip). The step between labelled
decades is the fewest that leaves each label its own height."""

from __future__ import annotations

import math

import pyqtgraph as pg

LABEL_ROOM = 1.25  # a label's height times this: the least distance between two labels


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
    """The left axis's decade step for its height and type now; automatic in linear mode."""
    axis = plot.getAxis("left")
    if not axis.logMode:
        if getattr(axis, "_fixed_decades", None) is not None:
            axis.setTickSpacing()  # back to pyqtgraph's own
            axis._fixed_decades = None
        return
    (_, _), (y0, y1) = plot.getViewBox().viewRange()
    height = plot.getViewBox().boundingRect().height()
    label = axis.style.get("tickFont") or axis.font()
    step = decade_step(y1 - y0, height, pg.QtGui.QFontMetricsF(label).height())
    if step != getattr(axis, "_fixed_decades", None):
        axis.setTickSpacing(levels=[(float(step), 0.0)])
        axis._fixed_decades = step


def follow_log_ticks(plot: pg.PlotItem) -> None:
    """Fit the ticks again whenever the view's range or size changes."""
    plot.getAxis("left").logTickStrings = decade_labels  # this axis's own, not the class's
    vb = plot.getViewBox()
    vb.sigRangeChanged.connect(lambda *_: fit_log_ticks(plot))
    vb.sigResized.connect(lambda *_: fit_log_ticks(plot))
    fit_log_ticks(plot)
