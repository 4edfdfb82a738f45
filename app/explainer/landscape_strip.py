"""The Landscape panel's layer strip: per layer with weights, ‖∂L/∂W‖ (blue) and the standard
deviation of its activations (green, as orange is a racer's colour in the same panel) on a log
scale, the norms written out under it. A vanishing gradient is a straight line rising from the
first layer to the last; a layer of one weight's norm is |∂L/∂w|, so a question of the backward
pass hides the norms. It only draws what the engine computed (landscape_depth.layer_strip).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF

from app.shared.plot_style import fit_title, plot_scale
from app.shared.y_ticks import fit_log_ticks, follow_log_ticks

NORMS_PT, LECTURER_NORMS = 9.0, 1.4  # the norms' type; lecturer mode's is 1.4 times (not the
# plots' 2): at 2 times two norms a line were wider than the column on a 1366-px wall
TITLE = "‖∂L/∂W‖ (blue), sd of a (green)"
SPREAD = "#2ca02c"  # not a racer's colour (landscape_race_view.COLOURS)


def decades(plot: pg.PlotItem, values) -> None:
    """A log-scale plot's y axis over the whole decades that hold `values`; which decades are
    named is y_ticks' (as many as the axis's height fits at its type size: four labels
    were written over one another in a short plot at the lecturer's size)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v) & (v > 0)]
    if not v.size:
        return
    lo = int(np.floor(np.log10(v.min())))
    hi = max(int(np.ceil(np.log10(v.max()))), lo + 1)
    plot.setYRange(lo, hi, padding=0.05)
    fit_log_ticks(plot)


class LayerStrip:
    """The strip's plot at (row, col) of `scene` (a pg.GraphicsLayoutWidget) and its label in
    the row below."""

    def __init__(self, scene: pg.GraphicsLayoutWidget, row: int, col: int):
        self.plot = scene.addPlot(row=row, col=col, title=TITLE)
        self.plot.setLabel("bottom", "layer")
        self.plot.setLogMode(y=True)  # a vanishing gradient is a straight line down
        follow_log_ticks(self.plot)
        self.grad_line = self.plot.plot(pen=pg.mkPen("#1f77b4", width=2), symbol="o",
                                        symbolBrush="#1f77b4", symbolSize=9)  # fmt: skip
        self.spread_line = self.plot.plot(pen=pg.mkPen(SPREAD, width=2), symbol="s",
                                          symbolBrush=SPREAD, symbolSize=9)  # fmt: skip
        self.label = pg.LabelItem("")
        scene.addItem(self.label, row=row + 1, col=col)
        self.scene = scene
        self.lecturer, self.scale = False, 1.0
        self.collapsed = False
        self._parts: list[str] = []  # "L1: 6.9e-05", one a layer
        self._written = 4  # norms a line in the label now
        self.on_collapse = None  # called with the new state (the panel places its plots anew)
        self.column_share = 0.4  # of the scene's width (landscape_places.py sets it)

    def show(self, stats, hide_grads: bool = False) -> None:
        """The LayerStats of the layers (those without weights are left out); a zero is not
        drawn (log 0 has no place). `hide_grads`: the norms read "?" and are not drawn."""
        rows = [s for s in stats if s.has_weights]
        self._collapse(len(rows) < 2)
        x = np.array([s.layer for s in rows], float)
        g = np.array([0.0 if hide_grads else s.grad_norm for s in rows])
        sd = np.array([s.act_std for s in rows])
        self.grad_line.setData(x[g > 0], g[g > 0])
        self.spread_line.setData(x[sd > 0], sd[sd > 0])
        self.plot.getAxis("bottom").setTicks([[(v, str(int(v))) for v in x], []])
        decades(self.plot, np.concatenate([g, sd]))
        self._parts = [f"L{s.layer}: {'?' if hide_grads else f'{s.grad_norm:.2g}'}" for s in rows]
        self._write()

    def _collapse(self, on: bool) -> None:
        """A net with one weight layer has nothing to compare across layers (its strip was one
        point and "L1: 18"): the strip takes no room, and the loss per step above it gets the
        column (at 1366x768 in lecturer mode it had about 20 px)."""
        if self.collapsed == on:
            return
        self.collapsed = on
        for item in (self.plot, self.label):
            item.setVisible(not on)
            # -1 unsets the limits: a saved minimumHeight() is the one needed then (at lecturer
            # type 131 px), and set again it stayed a fixed floor after leaving lecturer mode
            item.setMinimumHeight(0 if on else -1)
            item.setMaximumHeight(0 if on else -1)
        if not on:
            self._write()  # the label as tall as its lines again
        if self.on_collapse is not None:
            self.on_collapse(on)

    def set_lecturer(self, on: bool, scale: float | None = None) -> None:
        """Lecturer type (`scale`: the plots', by default the lecturer's): the title in two lines (in one it set the panel's least width: at
        1366 px the scene was 1,005 px wide in 863 and the loss per step was cut off)."""
        scale = plot_scale(on) if scale is None else scale
        self.lecturer, self.scale = on, scale
        self.plot.setTitle(TITLE.replace(", ", ",<br>") if on else TITLE,
                           color="w" if on else "k", size=f"{11 * scale:.0f}pt")  # fmt: skip
        fit_title(self.plot)
        self._write()

    def refit(self) -> None:
        """The scene was resized (the panel says so) or its column's share changed: the norms
        written again as many a line as the column fits."""
        if self._parts and self._per_line() != self._written:
            self._write()

    def _pt(self) -> float:
        """The norms' type: LECTURER_NORMS times in lecturer mode (less where the plots' type is
        less than the lecturer's, in a low panel)."""
        if not self.lecturer:
            return NORMS_PT
        return NORMS_PT * LECTURER_NORMS * self.scale / plot_scale(True)

    def _per_line(self) -> int:
        """As many norms a line (up to four) as the strip's column is wide: four a line at the
        lecturer's type made the panel 1,151 px wide in 863 at 1366x768 (the loss per step and
        the strip cut off at the right)."""
        font = QFont()
        font.setPointSizeF(self._pt())
        metrics = QFontMetricsF(font)
        room = self.scene.width() * self.column_share - 20
        for k in (4, 3, 2):
            lines = _lines(self._parts, k)
            if max(metrics.horizontalAdvance(t) for t in lines) <= room:
                return k
        return 1

    def _write(self) -> None:
        self._written = k = self._per_line() if self._parts else 4
        text = "<br>".join(_lines(self._parts, k)) if self._parts else "‖∂L/∂W‖"
        colour = "w" if self.lecturer else "k"
        self.label.setText(text, size=f"{self._pt():.1f}pt", color=colour)
        if not self.collapsed:  # as tall as its lines: the plot above takes the rest
            self.label.setMaximumHeight(self.label.item.boundingRect().height() + 4)


def _lines(parts: list[str], k: int) -> list[str]:
    """The norms `k` a line, the first line named."""
    rows = ["  ".join(parts[i : i + k]) for i in range(0, len(parts), k)]
    return [f"‖∂L/∂W‖ {rows[0]}", *rows[1:]] if rows else ["‖∂L/∂W‖"]
