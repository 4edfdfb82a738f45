"""The Landscape panel's layer strip: per layer with weights, ‖∂L/∂W‖ (blue) and the standard
deviation of its activations (green, as orange is a racer's colour in the same panel) on a log
scale, the norms written out under it. A vanishing gradient is a straight line rising from the
first layer to the last; a layer of one weight's norm is |∂L/∂w|, so a question of the backward
pass hides the norms. It only draws what the engine computed (landscape_depth.layer_strip).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from app.shared.plot_style import fit_title, plot_scale
from app.shared.y_ticks import fit_log_ticks, follow_log_ticks

QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no limit"
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
        self.lecturer = False
        self.collapsed = False
        self._least = {}  # the items' least heights while collapsed
        self._text = ""

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
        parts = [f"L{s.layer}: {'?' if hide_grads else f'{s.grad_norm:.2g}'}" for s in rows]
        self._text = "<br>".join("  ".join(parts[k : k + 4]) for k in range(0, len(parts), 4))
        self._write()  # four a line: fits the plot

    def _collapse(self, on: bool) -> None:
        """A net with one weight layer has nothing to compare across layers (its strip was one
        point and "L1: 18"): the strip takes no room, and the loss per step above it gets the
        column (at 1366x768 in lecturer mode it had about 20 px)."""
        if self.collapsed == on:
            return
        self.collapsed = on
        for item in (self.plot, self.label):
            if on:
                self._least[item] = item.minimumHeight()
            item.setVisible(not on)
            item.setMinimumHeight(0 if on else self._least.pop(item, 0))
            item.setMaximumHeight(0 if on else QWIDGETSIZE_MAX)

    def set_lecturer(self, on: bool) -> None:
        """Lecturer type: the title in two lines (in one it set the panel's least width: at
        1366 px the scene was 1,005 px wide in 863 and the loss per step was cut off)."""
        self.lecturer = on
        scale = plot_scale(on)
        self.plot.setTitle(TITLE.replace(", ", ",<br>") if on else TITLE,
                           color="w" if on else "k", size=f"{11 * scale:.0f}pt")  # fmt: skip
        fit_title(self.plot)
        self._write()

    def _write(self) -> None:
        size = f"{9 * plot_scale(self.lecturer):.0f}pt"
        colour = "w" if self.lecturer else "k"
        self.label.setText(f"‖∂L/∂W‖ {self._text}", size=size, color=colour)
