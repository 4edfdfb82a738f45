"""Why batch size matters, measured: the relative error of mini-batch gradients against the
full-training-set gradient, and their cosine similarity, against the batch size on log axes,
with the 1/sqrt(B) law drawn for reference. Points arrive one batch size at a time."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.trainer.live_plots import make_plot, pen
from engine.torch_engine.gradient_noise import BATCH_SIZES, reference

HINT = "press “Measure gradient noise”"
NOTE = "many random mini-batches of each size, at the model's current weights"


class NoiseView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.points: list = []
        self.measuring = False
        self.measure_button = QPushButton("Measure gradient noise")
        self.note = QLabel(NOTE)
        row = QHBoxLayout()
        row.addWidget(self.measure_button)
        row.addWidget(self.note, 1)
        self.scene = pg.GraphicsLayoutWidget()
        self.err = make_plot(
            self.scene, "mini-batch gradient error (RMS)", "batch size B", "‖g_B − g‖ / ‖g‖", 0, 0
        )
        self.cos = make_plot(
            self.scene, "agreement with the full gradient", "batch size B", "cosine", 0, 1
        )
        self.err.setLogMode(x=True, y=True)
        self.cos.setLogMode(x=True)
        self.err_curve = self.err.plot(pen=pen(0, 2.5), symbol="o", symbolSize=9, name="measured")
        self.ref_curve = self.err.plot(pen=pen(1, 2, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.err.legend.addItem(self.ref_curve, "∝ 1/√B (sampling law)")
        self.band = pg.ErrorBarItem(beam=0.05, pen=pen(0, 1))
        for plot in (self.err, self.cos):  # one plain label per batch size, not 2·10¹
            ticks = [(float(np.log10(b)), str(b)) for b in BATCH_SIZES]
            plot.getAxis("bottom").setTicks([ticks, []])
        y_ticks = [
            (float(np.log10(v)), f"{v:g}")
            for v in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
        ]
        self.err.getAxis("left").setTicks([y_ticks, []])
        self.cos_curve = self.cos.plot(pen=pen(2, 2.5), symbol="s", symbolSize=9, name="cosine")
        self.hints = []  # until the first point: what to do, on axes over the sizes it measures
        for plot in (self.err, self.cos):
            hint = pg.TextItem(HINT, color="#808080", anchor=(0.5, 0.5))
            hint.base_pt = 11.0  # lecturer mode scales it (plot_style)
            plot.addItem(hint, ignoreBounds=True)
            self.hints.append(hint)
        self._empty_axes()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.scene, 1)

    def clear(self) -> None:
        """Another run's model: no measurement yet (the last model's figures stayed, under the
        new one's name)."""
        self.points, self.measuring = [], False
        self.note.setText(NOTE)
        self._draw()

    def begin(self, n: int) -> None:
        self.points, self.measuring = [], True
        self.note.setText(f"measuring against the gradient over {n} training digits…")
        self._draw()

    def add(self, point) -> None:
        """point: gradient_noise.NoisePoint."""
        self.points.append(point)
        self._draw()

    def done(self) -> None:
        self.measuring = False
        self._draw()
        if self.points:
            p = self.points[0]
            q = self.points[-1]
            self.note.setText(
                f"B = {p.batch_size}: error {p.rel_error:.3g} × ‖g‖, cosine {p.cosine:.2f};  "
                f"B = {q.batch_size}: {q.rel_error:.3g} × ‖g‖, cosine {q.cosine:.2f}"
                + (
                    "  (a trained model: its full gradient is small, the noise dominates)"
                    if p.rel_error > 1
                    else ""
                )
            )

    def _empty_axes(self) -> None:
        """Axes over the batch sizes to be measured, the hint in the middle of each."""
        x0, x1 = np.log10(BATCH_SIZES[0]), np.log10(BATCH_SIZES[-1])
        self.err.setRange(xRange=(x0, x1), yRange=(-2, 1), padding=0)  # log10: 0.01 to 10
        self.cos.setRange(xRange=(x0, x1), yRange=(0, 1), padding=0)
        for hint, y in zip(self.hints, (-0.5, 0.5), strict=True):
            hint.setPos((x0 + x1) / 2, y)
            hint.setVisible(True)

    def _draw(self) -> None:
        for hint in self.hints:
            hint.setVisible(not self.points)
            hint.setText("measuring…" if self.measuring else HINT)
        if not self.points:
            self._empty_axes()
        else:
            for plot in (self.err, self.cos):
                plot.enableAutoRange()
        pts = [p for p in self.points if p.rel_error > 0]
        b = np.array([p.batch_size for p in pts], float)
        self.err_curve.setData(b, np.array([p.rel_error for p in pts]))
        self.ref_curve.setData(b, reference(pts) if pts else np.zeros(0))
        allb = np.array([p.batch_size for p in self.points], float)
        self.cos_curve.setData(allb, np.array([p.cosine for p in self.points]))
