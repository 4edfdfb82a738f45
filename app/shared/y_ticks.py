"""A plot's y axis names only the ticks its height fits at its type size. pyqtgraph labels
each power of ten on a log axis, and spaces a linear axis's ticks by its length alone: in a
short plot at lecturer size "10", "1", "0.1", "0.01" (the Landscape panel's loss per step) and
"0.0010", "0.0008"... (the trainer's learning rate) were written over one another. The labelled
step is the fewest decades, or the least 1, 2 or 5 x 10^k, that leaves each label its height."""

from __future__ import annotations

import math

import pyqtgraph as pg

LABEL_ROOM = 1.25  # a label's height times this: the least distance between two labels
MIN_DECADES = 3.0  # an axis spanning fewer decades is named between them too (2, 5, 20...)


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
            if decade:
                out.append("10" + str(k).translate(SUPERSCRIPT))
            elif x == 0 or not math.isfinite(x):
                out.append(f"{x:g}")
            else:  # between decades, as the decades are written: 2·10⁻⁵, not 2.0e-05
                e = math.floor(math.log10(abs(x)))
                out.append(f"{x / 10.0**e:.2g}·10" + str(e).translate(SUPERSCRIPT))
        else:
            out.append(f"{x:.0f}" if abs(x) >= 100 else f"{x:.2g}")
    return out


def fit_log_ticks(plot: pg.PlotItem) -> None:
    """The left axis's labelled step for its height and type now: whole decades on a log axis
    (between them too over less than MIN_DECADES, as many as fit), and on a linear one
    pyqtgraph's own unless its labels would touch."""
    axis = plot.getAxis("left")
    if given_ticks(axis):  # ticks the app gave this axis (named rows, chosen values) stay
        return
    (_, _), (y0, y1) = plot.getViewBox().viewRange()
    height = plot.getViewBox().boundingRect().height()
    label_px = pg.QtGui.QFontMetricsF(axis.style.get("tickFont") or axis.font()).height()
    if not axis.logMode:
        _fit_linear(axis, y0, y1, height, label_px)
        return
    if y1 - y0 < MIN_DECADES:  # a narrow range: 2, 5, 20... between the decades
        ticks = between_decades(y0, y1, height, label_px)  # (whole decades alone left a loss
        if ticks is not None:  # from 0.3 to 2 with one label, or none)
            _set_ticks(axis, ticks)
            return
    step = decade_step(y1 - y0, height, label_px)
    _set(axis, ("log", step), [(float(step), 0.0)])


MANTISSAS = ((1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 5), (1, 3), (1,))  # densest first


def between_decades(y0: float, y1: float, height: float, label_px: float):
    """A narrow log axis's ticks (log10 values, y0 to y1): labelled at the densest of 1-9, 1-2-5,
    1-3 or 1 x 10^k that names two or more values LABEL_ROOM label heights apart (else one
    value: the first such set's, or the middle of the range in two figures), unlabelled at
    every 1-9 x 10^k; None if two decades do not even fit (then decade_step's whole decades).
    pyqtgraph's own wrote "100", "90", "80"... over one another in a 60 px plot."""
    span = y1 - y0
    if not (span > 0 and height > 0 and math.isfinite(span) and span < 60):
        return None
    per_unit, room = height / span, LABEL_ROOM * label_px
    k0, k1 = math.floor(y0) - 1, math.ceil(y1) + 1

    def at(mantissas) -> list[float]:
        vals = (math.log10(m) + k for k in range(k0, k1 + 1) for m in mantissas)
        return [v for v in vals if y0 - 1e-9 <= v <= y1 + 1e-9]

    single = None
    for mantissas in MANTISSAS:
        named = at(mantissas)
        gaps = [b - a for a, b in zip(named, named[1:], strict=False)]
        if len(named) >= 2 and min(gaps) * per_unit >= room:
            break
        if len(named) == 1 and single is None:
            single = named
    else:
        if span >= 2.0:  # two whole decades in range and no room between them
            return None
        middle = 10.0 ** ((y0 + y1) / 2)  # not one 1-9 x 10^k inside (0.31 to 0.39)
        named = single or [math.log10(float(f"{middle:.2g}"))]
    unnamed = [v for v in at(MANTISSAS[0]) if min(abs(v - n) for n in named) > 1e-9]
    return [list(zip(named, decade_labels(named), strict=True)), [(v, "") for v in unnamed]]


def given_ticks(axis: pg.AxisItem) -> bool:
    """Whether the axis holds fixed ticks that are not this module's."""
    return axis._tickLevels is not None and axis._tickLevels is not getattr(axis, "_ours", None)


def _set_ticks(axis: pg.AxisItem, ticks) -> None:
    """Fixed ticks (their values and labels), set only when they changed."""
    key = ("ticks", *(tuple(round(v, 9) for v, _ in level) for level in ticks))
    if key != getattr(axis, "_fixed", None):
        axis.setTickSpacing()
        axis.setTicks(ticks)
        axis._ours, axis._fixed = axis._tickLevels, key


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
    if not math.isfinite(least):  # a span near the largest float (a session's loss of 1e308)
        return
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
        if axis._tickLevels is not None and axis._tickLevels is getattr(axis, "_ours", None):
            axis.setTicks(None)  # ours (a narrow log range's) go; ticks the app gave stay
        axis.setTickSpacing(levels=levels) if levels is not None else axis.setTickSpacing()
        axis._fixed = key


def follow_log_ticks(plot: pg.PlotItem) -> None:
    """Fit the ticks again whenever the view's range or size changes."""
    plot.getAxis("left").logTickStrings = decade_labels  # this axis's own, not the class's
    vb = plot.getViewBox()
    vb.sigRangeChanged.connect(lambda *_: fit_log_ticks(plot))
    vb.sigResized.connect(lambda *_: fit_log_ticks(plot))
    # log on or off (L) with the range unchanged: a narrow log range's labels left on a linear
    # axis ("1, 2, 5, 10" over 0 to 1); connected after pyqtgraph's own switch, so it runs after
    plot.ctrl.logYCheck.toggled.connect(lambda *_: fit_log_ticks(plot))
    fit_log_ticks(plot)
