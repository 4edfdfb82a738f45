"""Live plots: the loss curve, and the data with what the network makes of it (a decision-boundary
heat map for 2-D inputs, a fitted curve for 1-D regression). Curves are created once and fed with
setData; images use fixed levels. The grid and curve values come from the engine."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from app.shared.theme import SERIES_COLOURS

CLASS_COLOURS = np.array(SERIES_COLOURS[:4])  # the theme's colour table


def _binary_lut() -> np.ndarray:
    t = np.linspace(0, 1, 256)[:, None]
    blue, white, orange = (
        np.array([31, 99, 180]),
        np.array([255, 255, 255]),
        np.array([230, 118, 10]),
    )
    lut = np.where(
        t < 0.5, blue + (white - blue) * (t / 0.5), white + (orange - white) * ((t - 0.5) / 0.5)
    )
    return lut.astype(np.uint8)


class PlotsPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.loss_plot = pg.PlotWidget(title="loss")
        self.loss_plot.setLabel("bottom", "training step")
        self.loss_plot.setLabel("left", "loss")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.3)
        self.loss_plot.setClipToView(True)
        self.loss_plot.setDownsampling(auto=True, mode="peak")
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen("#1f63b4", width=1))
        self.loss_plot.disableAutoRange()
        self.data_plot = pg.PlotWidget(title="data")
        self.image = pg.ImageItem(axisOrder="col-major")
        self.data_plot.addItem(self.image)
        self.scatter = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#222222", width=1))
        self.data_plot.addItem(self.scatter)
        self.fit_curve = self.data_plot.plot(pen=pg.mkPen("#d62728", width=2))
        self.set_dark(False)
        self.setMinimumHeight(240)
        lay.addWidget(self.loss_plot, 1)
        lay.addWidget(self.data_plot, 1)
        self._lut = _binary_lut()

    def set_losses(self, t, v) -> None:
        t, v = np.asarray(t, float), np.asarray(v, float)
        few = len(t) < 40  # markers while the curve is short: one step is one visible point
        self.loss_curve.setData(
            t, v, symbol="o" if few else None, symbolSize=7, symbolBrush="#1f63b4"
        )
        if not len(t):
            return
        # ranges grow in jumps (x doubles, y to the largest loss seen) instead of following every
        # point: repainting the axes is the costliest part of a redraw (bench/gui_latency.py)
        finite = v[np.isfinite(v)]
        top = float(finite.max()) * 1.05 if finite.size else 1.0
        x_hi = max(10.0, float(t[-1]))
        (x0, x1), (y0, y1) = self.loss_plot.viewRange()
        if x_hi > x1 or x_hi < x1 / 4 or t[0] < x0 or top > y1 or top < y1 / 4:
            span = 2.0 ** np.ceil(np.log2(x_hi * 1.1))
            self.loss_plot.setXRange(min(0.0, float(t[0])), span, padding=0)
            self.loss_plot.setYRange(0, top if top > 0 else 1.0, padding=0)

    def set_data(self, inputs: np.ndarray, targets: np.ndarray, task: str) -> None:
        """Scatter the samples; colour by class for classification."""
        self.fit_curve.setData([], [])
        self.image.clear()
        if inputs.shape[1] == 2:
            cls = targets[:, 0] >= 0.5 if targets.shape[1] == 1 else targets.argmax(1)
            brushes = [pg.mkBrush(*CLASS_COLOURS[int(c) % 4]) for c in cls]
            self.scatter.setData(inputs[:, 0], inputs[:, 1], brush=brushes)
            self.data_plot.setAspectLocked(True)  # a circle stays round
            self.data_plot.setTitle(
                "data and decision boundary"
                if task == "classification"
                else "data (colour = target ≥ 0.5)"
            )
        elif inputs.shape[1] == 1:
            self.data_plot.setAspectLocked(False)
            self.scatter.setData(inputs[:, 0], targets[:, 0], brush=pg.mkBrush("#1f63b4"))
            self.data_plot.setTitle("data and the network's fit")
        else:
            self.scatter.setData([], [])
            self.data_plot.setTitle(f"{inputs.shape[1]}-D inputs: no picture")

    def set_grid(self, grid) -> None:
        """A decision grid from engine.numpy_engine.views.decision_grid."""
        if grid.classes:
            lut = np.vstack(
                [CLASS_COLOURS[k % 4] * 0.35 + 255 * 0.65 for k in range(grid.classes)]
            ).astype(np.uint8)
            self.image.setImage(
                grid.values, autoLevels=False, levels=(0, grid.classes - 1), lut=lut
            )
        else:
            self.image.setImage(grid.values, autoLevels=False, levels=(0, 1), lut=self._lut)
            self.image.setOpacity(0.55)
        dx, dy = grid.x[1] - grid.x[0], grid.y[1] - grid.y[0]
        self.image.setRect(
            grid.x[0] - dx / 2, grid.y[0] - dy / 2, dx * len(grid.x), dy * len(grid.y)
        )

    def set_fit(self, x, y) -> None:
        self.fit_curve.setData(x, y)

    def set_dark(self, dark: bool) -> None:
        fg = "w" if dark else "k"
        for w in (self.loss_plot, self.data_plot):
            w.setBackground("k" if dark else "w")
            for side in ("left", "bottom"):
                w.getAxis(side).setPen(fg)
                w.getAxis(side).setTextPen(fg)
