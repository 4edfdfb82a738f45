"""Feature maps: one test digit through the model: every conv and pool layer's output as a grid
of images (one per channel), every dense layer's activations as a strip, the softmax as bars.
The digit is chosen by its test-set index; the maps are computed off the GUI thread."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.shared.fields import SpinBox
from app.shared.plot_style import plot_scale, style_scene
from app.shared.theme import LECTURER
from app.trainer.insides.common import GREY, HEAT, bar_plot, image_plot, mosaic, set_bars


class FeaturesView(QWidget):
    digit_changed = Signal(int)  # the test index chosen

    def __init__(self, parent=None):
        super().__init__(parent)
        self.images = self.labels = None
        self.lecturer = False  # the look its plots are made in (the panel says: set_theme)
        self.index = SpinBox()
        self.index.setRange(0, 0)
        self.index.valueChanged.connect(self.digit_changed)
        self.note = QLabel("")
        row = QHBoxLayout()
        row.addWidget(QLabel("test digit"))
        row.addWidget(self.index)
        row.addWidget(self.note, 1)
        self.scene = pg.GraphicsLayoutWidget()
        # the maps side by side scroll where they are wider than the tab (at 1366 x 768 the
        # last layer's panel and the softmax's bar of digit 9 were cut off at the right edge)
        self.box = QScrollArea()
        self.box.setWidgetResizable(True)
        self.box.setFrameShape(QFrame.Shape.NoFrame)
        self.box.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.box.setWidget(self.scene)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.box, 1)

    def set_digits(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images, self.labels = images, labels
        self.index.setRange(0, max(0, len(images) - 1))

    def show_maps(self, result) -> None:
        """result: (test index, [LayerOutput], softmax (10,)) from insides.feature_maps."""
        k, outs, probs = result
        self.scene.clear()
        p, img = image_plot(self.scene, f"test digit #{k}, a {self.labels[k]}<br>&nbsp;", 0, 0)
        img.setColorMap(GREY)
        img.setImage(self.images[k].astype(np.float32), levels=(0, 255))
        col = 1
        for o in outs:
            if o.values.ndim == 3:
                c, h, w = o.values.shape
                cols = int(np.ceil(np.sqrt(c)))
                data = mosaic(o.values, cols, pad=1)
                title = f"{o.name}: {c} maps {h}×{w}{_then(o)}"
            else:
                n = len(o.values)
                cols = -(-n // 32)  # a strip: columns of up to 32 units, top to bottom
                data = np.full(32 * cols if n > 32 else n, np.nan, np.float32)
                data[:n] = o.values
                data = data.reshape(cols, -1).T
                last = o is outs[-1]
                title = f"{o.name}: {n} {'logits' if last else 'units'}{_then(o)}"
            p, img = image_plot(self.scene, title, 0, col)
            img.setColorMap(HEAT)
            top = float(np.nanmax(np.abs(data))) or 1.0
            lo = float(np.nanmin(data))
            img.setImage(data, levels=(min(0.0, lo), top))
            col += 1
        bp, bars = bar_plot(self.scene, "softmax output", 1, 0, colspan=col)
        set_bars(bars, probs, highlight=int(np.argmax(probs)))
        self.scene.ci.layout.setRowStretchFactor(0, 3)
        self.scene.ci.layout.setRowStretchFactor(1, 1)
        self.note.setText(f"the model says {int(np.argmax(probs))} ({100 * probs.max():.1f}%)")
        # made anew for each digit: in the current look (in lecturer mode they were black titles
        # and axes on black until F11 was pressed twice)
        style_scene(self.scene, dark=self.lecturer, scale=plot_scale(self.lecturer))
        self._fit_width()

    def _fit_width(self) -> None:
        """The scene at least as wide as its panels' least widths (their titles, their axes)."""
        least = self.scene.ci.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
        self.scene.setMinimumWidth(int(least) + 4)

    def set_theme(self, theme) -> None:
        self.lecturer = theme is LECTURER


def _then(o) -> str:
    """A second title line naming what the values went through after the layer ("then bn relu"),
    so a conv's raw z and a pooling layer's normalised, activated maps are not mistaken."""
    return f"<br>then {o.then}" if o.then else "<br>&nbsp;"
