"""Live plots: the loss curve (linear or log, its axis in plain numbers: 0.2984, never
"300 (x0.001)"), and the data with what the network makes of it (a decision-boundary heat map for
2-D inputs that fills its panel, a fitted curve for 1-D regression). Classes take the theme's
colours; regression values a colormap, shared by the points and the map. Curves are created once
and fed with setData; images use fixed levels. The grid and curve values come from the engine."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QGridLayout, QWidget

from app.shared.plot_style import plot_scale, style_scene
from app.shared.theme import SERIES_COLOURS
from app.shared.y_ticks import follow_log_ticks
from engine.numpy_engine.views import data_bounds

CLASS_COLOURS = np.array(SERIES_COLOURS[:4])  # the theme's colour table
LINE = "#" + "".join(f"{c:02x}" for c in SERIES_COLOURS[0])  # the loss curve, 1-D data
VALUE_MAP = "viridis"  # regression targets and predictions
MARKER_SIZE = 5  # small enough to leave the boundary visible
LECTURER_MARKER_SIZE = 16  # from the back of a room, outlined in black
SHOWN = ("both", "loss", "data")  # what show_only can leave on the panel


MONTAGE = 6  # images shown side by side in the data plot
MODEL_WAITS = "the network's output waits for your answer"  # a forward or loss question


def _square_side(d: int) -> int:
    """The side of a square image of d pixels (9 or more), else 0."""
    side = int(round(d**0.5))
    return side if side >= 3 and side * side == d else 0


def _binary_lut() -> np.ndarray:
    t = np.linspace(0, 1, 256)[:, None]
    blue, white, orange = CLASS_COLOURS[0], np.array([255, 255, 255]), CLASS_COLOURS[1]
    lut = np.where(
        t < 0.5, blue + (white - blue) * (t / 0.5), white + (orange - white) * ((t - 0.5) / 0.5)
    )
    return lut.astype(np.uint8)


class PlotsPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QGridLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.loss_plot = pg.PlotWidget(title="loss")
        self.loss_plot.setLabel("bottom", "training step")
        self.loss_plot.setLabel("left", "loss")
        for side in ("left", "bottom"):  # plain numbers on the axes, no "(x0.001)"
            self.loss_plot.getAxis(side).enableAutoSIPrefix(False)
        self.loss_plot.showGrid(x=True, y=True, alpha=0.3)
        self.loss_plot.setClipToView(True)
        self.loss_plot.setDownsampling(auto=True, mode="peak")
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen(LINE, width=1))
        self.loss_plot.disableAutoRange()
        follow_log_ticks(self.loss_plot.getPlotItem())  # log scale: the decades its height fits
        self.log_loss = QCheckBox("log scale")
        self.log_loss.setToolTip("loss on a logarithmic axis: small losses stay readable")
        self.log_loss.toggled.connect(self.set_log)
        self.data_plot = pg.PlotWidget(title="data")
        for side in ("left", "bottom"):
            self.data_plot.getAxis(side).enableAutoSIPrefix(False)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.data_plot.addItem(self.image)
        self.scatter = pg.ScatterPlotItem(size=MARKER_SIZE, pen=pg.mkPen("#222222", width=0.8))
        self.data_plot.addItem(self.scatter)
        self.fit_curve = self.data_plot.plot(pen=pg.mkPen("#d62728", width=2))
        self._scale = 1.0  # lecturer mode: type and pens larger (app/shared/plot_style.py)
        self.set_dark(False)
        self.setMinimumHeight(240)
        lay.addWidget(self.loss_plot, 0, 0)
        lay.addWidget(self.log_loss, 1, 0)
        lay.addWidget(self.data_plot, 0, 1, 2, 1)
        self._lut = _binary_lut()
        self._value_map = pg.colormap.get(VALUE_MAP)
        self._value_levels: tuple[float, float] | None = None  # regression: the targets' range
        self._extent: tuple | None = None
        self._losses = (np.zeros(0), np.zeros(0))
        self._new_scale = False
        self.shown = "both"
        self._title = ""  # the data plot's title while the model is drawn
        self.model_hidden = False  # a question waits: the map or the fitted curve is not drawn

    # ---- the loss ----
    def set_log(self, on: bool) -> None:
        if self.log_loss.isChecked() != on:
            self.log_loss.setChecked(on)  # comes back here through toggled
            return
        self.loss_plot.setLogMode(y=on)
        self._new_scale = True  # the range is picked again for this scale
        self.set_losses(*self._losses)

    def fit_next(self) -> None:
        """The next set_losses picks its ranges from the points it draws, not in jumps (a
        hidden point would otherwise leave the range it set)."""
        self._new_scale = True

    def set_losses(self, t, v) -> None:
        t, v = np.asarray(t, float), np.asarray(v, float)
        self._losses = (t, v)
        log = self.log_loss.isChecked()
        shown = np.where(v > 0, v, np.nan) if log else v  # a loss of 0 has no logarithm
        few = len(t) < 40  # markers while the curve is short: one step is one visible point
        self.loss_curve.setData(
            t, shown, symbol="o" if few else None, symbolSize=7, symbolBrush=LINE
        )
        if not len(t):
            if self._new_scale:  # nothing drawn: a range of its own, not the hidden point's
                self.loss_plot.setXRange(0.0, 10.0, padding=0)
                self.loss_plot.setYRange(-1.0 if log else 0.0, 1.0, padding=0)
                self._new_scale = False
            return
        # ranges grow in jumps (x doubles, y to the largest loss seen) instead of following every
        # point: repainting the axes is the costliest part of a redraw (bench/gui_latency.py)
        finite = shown[np.isfinite(shown)]
        top = float(finite.max()) * 1.05 if finite.size else 1.0
        x_hi = max(10.0, float(t[-1]))
        (x0, x1), (y0, y1) = self.loss_plot.viewRange()
        if log:
            bottom = float(finite.min()) / 1.5 if finite.size else 0.1
            top, bottom = np.log10(max(top, 1e-300)), np.log10(max(bottom, 1e-300))
            if top - bottom < 1.0:  # at least one decade, so the axis has numbers to read
                mid = (top + bottom) / 2
                top, bottom = mid + 0.5, mid - 0.5
            jump = top > y1 or bottom < y0 or top < y1 - 1 or bottom > y0 + 1
        else:
            bottom = 0.0
            jump = top > y1 or top < y1 / 4
        if jump or self._new_scale or x_hi > x1 or x_hi < x1 / 4 or t[0] < x0:
            span = 2.0 ** np.ceil(np.log2(x_hi * 1.1))
            self.loss_plot.setXRange(min(0.0, float(t[0])), span, padding=0)
            if top <= bottom:
                top = bottom + (0.5 if log else 1.0)
            self.loss_plot.setYRange(bottom, top, padding=0)
            self._new_scale = False

    # ---- the data and the model ----
    def set_data(
        self, inputs: np.ndarray, targets: np.ndarray, task: str, image: tuple = ()
    ) -> None:
        """Scatter the samples: by class for classification, by value for regression. `image`:
        the inputs' (C, H, W) when the net reads them as images (a conv net's)."""
        self.fit_curve.setData([], [])
        self.image.clear()
        self._extent = None
        self._value_levels = None
        self.model_hidden = False
        self.data_plot.setAspectLocked(False)  # the map fills its panel
        self.data_plot.invertY(False)
        if inputs.shape[1] == 2:
            self.scatter.setData(inputs[:, 0], inputs[:, 1], brush=self._brushes(targets, task))
            lo, hi = data_bounds(inputs)
            self._show_extent((lo[0], hi[0]), (lo[1], hi[1]))
            self._set_title(self._map_title(targets, task))
        elif inputs.shape[1] == 1:
            self.scatter.setData(inputs[:, 0], targets[:, 0], brush=pg.mkBrush(LINE))
            self.data_plot.enableAutoRange()
            self._set_title("data and the network's fit")
        elif len(image) == 3 and image[0] == 1 and image[1] * image[2] == inputs.shape[1]:
            self._show_images(inputs, targets, image[1:])  # a conv net's one-channel images
        elif _square_side(inputs.shape[1]):
            side = _square_side(inputs.shape[1])
            self._show_images(inputs, targets, (side, side))
        else:
            self.scatter.setData([], [])
            self._set_title(f"{inputs.shape[1]}-D inputs: no picture")

    def _set_title(self, title: str, keep: bool = True) -> None:
        """The data plot's title; `keep`: the one shown again with the model."""
        if keep:
            self._title = title
        self.data_plot.setTitle(title)
        if self._scale != 1.0:  # a new title takes the lecturer size again
            self._style()

    def _show_images(self, inputs: np.ndarray, targets: np.ndarray, hw: tuple[int, int]) -> None:
        """Inputs that are images of `hw` pixels (a digit's 28 × 28): the first few, side by
        side, dark ink on white as on paper, with their labels in the title."""
        side, width = hw
        k = min(len(inputs), MONTAGE)
        tiles = [np.pad(x.reshape(side, width), ((0, 0), (0, 1)), constant_values=np.nan)
                 for x in inputs[:k]]  # fmt: skip
        montage = np.concatenate(tiles, axis=1)[:, :-1]
        finite = montage[np.isfinite(montage)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        ink = np.nan_to_num(montage, nan=lo)
        grey = np.linspace(255, 0, 256).astype(np.uint8)
        self.scatter.setData([], [])
        self.image.setImage(ink.T, autoLevels=False, levels=(lo, hi if hi > lo else lo + 1),
                            lut=np.stack([grey] * 3, axis=1))  # fmt: skip
        self.image.setOpacity(1.0)
        self.image.setRect(0, 0, montage.shape[1], side)
        self.data_plot.invertY(True)
        self.data_plot.setAspectLocked(True)
        self.data_plot.setRange(xRange=(0, montage.shape[1]), yRange=(0, side), padding=0.02)
        labels = ", ".join(str(int(np.argmax(t))) if t.size > 1 else f"{t[0]:.3g}"
                           for t in targets[:k])  # fmt: skip
        more = f" (first {k} of {len(inputs)})" if len(inputs) > k else ""
        one = len(inputs) == 1
        self._set_title(f"the data: {'a ' * one}{side}×{width} image{'s' * (not one)}, "
                        f"label{'s' * (not one)} {labels}{more}")  # fmt: skip

    @staticmethod
    def _map_title(targets: np.ndarray, task: str) -> str:
        if task == "classification":
            return "data and decision boundary"
        if targets.shape[1] > 1:
            return "data; the map: which output is largest"
        return "data and the network's output (colour = value)"

    def _brushes(self, targets: np.ndarray, task: str) -> list:
        if task == "classification" or targets.shape[1] > 1:
            cls = targets[:, 0] >= 0.5 if targets.shape[1] == 1 else targets.argmax(1)
            return [pg.mkBrush(*CLASS_COLOURS[int(c) % 4]) for c in cls]
        y = targets[:, 0]
        lo, hi = float(np.min(y)), float(np.max(y))
        self._value_levels = (lo, hi if hi > lo else lo + 1.0)
        return [pg.mkBrush(c) for c in self._value_map.map(self._scaled(y), mode="qcolor")]

    def _scaled(self, y: np.ndarray) -> np.ndarray:
        lo, hi = self._value_levels
        return np.clip((y - lo) / (hi - lo), 0.0, 1.0)

    def _show_extent(self, xr: tuple, yr: tuple) -> None:
        if self._extent != (xr, yr):  # a new range only when it changes: axes repaint cost
            self._extent = (xr, yr)
            self.data_plot.setRange(xRange=xr, yRange=yr, padding=0)

    def hide_model(self) -> None:
        """A question asks the network's output or what is worked out from it (a forward or a
        loss question): the map and the fitted curve, which show the output at every input, the
        sample's too, wait for the answer; the data stay."""
        self.fit_curve.setData([], [])
        self.image.clear()
        if not self.model_hidden:
            self.model_hidden = True
            self._set_title(f"the data; {MODEL_WAITS}", keep=False)

    def _model_shown(self) -> None:
        if self.model_hidden:
            self.model_hidden = False
            self._set_title(self._title)

    def set_grid(self, grid) -> None:
        """A decision grid from engine.numpy_engine.views.decision_grid."""
        self._model_shown()
        if grid.classes:
            lut = np.vstack(
                [CLASS_COLOURS[k % 4] * 0.35 + 255 * 0.65 for k in range(grid.classes)]
            ).astype(np.uint8)
            self.image.setImage(
                grid.values, autoLevels=False, levels=(0, grid.classes - 1), lut=lut
            )
            self.image.setOpacity(1.0)
        elif self._value_levels is not None:  # regression: the points' colormap and range
            lut = self._value_map.getLookupTable(nPts=256)
            self.image.setImage(grid.values, autoLevels=False, levels=self._value_levels, lut=lut)
            self.image.setOpacity(0.6)
        else:
            self.image.setImage(grid.values, autoLevels=False, levels=(0, 1), lut=self._lut)
            self.image.setOpacity(0.55)
        dx, dy = grid.x[1] - grid.x[0], grid.y[1] - grid.y[0]
        x0, y0 = grid.x[0] - dx / 2, grid.y[0] - dy / 2
        w, h = dx * len(grid.x), dy * len(grid.y)
        self.image.setRect(x0, y0, w, h)
        self._show_extent((x0, x0 + w), (y0, y0 + h))

    def set_fit(self, x, y) -> None:
        self._model_shown()
        self.fit_curve.setData(x, y)

    def set_dark(self, dark: bool) -> None:
        self._dark = dark
        self._style()

    def set_lecturer(self, on: bool) -> None:
        """Black, with the trainer's lecturer type size and pens, and large data points."""
        self._scale = plot_scale(on)
        self.scatter.setSize(LECTURER_MARKER_SIZE if on else MARKER_SIZE)
        self.scatter.setPen(pg.mkPen("#000000", width=2) if on else pg.mkPen("#222222", width=0.8))
        # the map keeps its white ground, so its colours read as in the normal look
        self.data_plot.getViewBox().setBackgroundColor("w" if on else None)
        self.set_dark(on)

    def _style(self) -> None:
        for w in (self.loss_plot, self.data_plot):
            style_scene(w, dark=self._dark, scale=self._scale)

    def show_only(self, which: str) -> None:
        """ "both" plots side by side, or only the "loss" curve or the "data" with the model."""
        if which not in SHOWN:
            raise ValueError(f"show_only: {which!r} is not one of {SHOWN}")
        self.loss_plot.setVisible(which != "data")
        self.log_loss.setVisible(which != "data")
        self.data_plot.setVisible(which != "loss")
        self.shown = which
