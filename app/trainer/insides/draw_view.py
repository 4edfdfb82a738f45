"""Draw a digit: a pad the mouse draws on (ImageItem.setDrawKernel), the 28 x 28 image the model
sees (fitted into 20 x 20 and centred by its centre of mass, as MNIST's digits were), the model's
probabilities, updated while drawing, and a saliency map: how strongly each input pixel pushes the
predicted class's score (the gradient of that score with respect to the pixels)."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from superqt.utils import qthrottled

from app.trainer.insides.common import GREY, Tasks, bar_plot, image_plot, set_bars
from engine.torch_engine.drawing import preprocess_drawing
from engine.torch_engine.insides import saliency

PAD = 196  # the pad's side in pixels of its own (7 per MNIST pixel)
BRUSH = 15  # the pen's diameter on the pad
OVERLAY = pg.ColorMap(  # transparent where the gradient is small, red to yellow where large
    [0.0, 0.15, 0.6, 1.0],
    [(255, 40, 0, 0), (255, 40, 0, 90), (255, 120, 0, 230), (255, 255, 60, 255)],
)


def disk(d: int) -> np.ndarray:
    r = (d - 1) / 2
    yy, xx = np.mgrid[:d, :d]
    return ((yy - r) ** 2 + (xx - r) ** 2 <= r * r + 0.5).astype(np.float32)


class PadImage(pg.ImageItem):
    """The drawable image; `stroked` after every dab of ink."""

    stroked = Signal()

    def drawAt(self, pos, ev=None):  # noqa: N802 (pyqtgraph's name)
        super().drawAt(pos, ev)
        self.last_dab = time.perf_counter()
        self.stroked.emit()


def predict(model, canvas: np.ndarray):
    """Runs in a worker: (the 28 x 28 image the model sees, its probabilities, the saliency)."""
    img = preprocess_drawing(canvas)  # (28, 28) uint8
    probs, grad = saliency(model, img)
    return img, probs, grad


class DrawView(QWidget):
    predicted = Signal(int)  # the class the model now gives the drawing

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = None
        self.latencies_ms: list[float] = []  # from a dab of ink to the bars drawn
        self.probs = np.zeros(10)
        self.tasks = Tasks(self)  # the prediction and saliency, off the GUI thread
        self.tasks.failed.connect(self._failed)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self.answer = QLabel("draw a digit on the black pad with the mouse")
        self.answer.setStyleSheet("font-size: 16pt; font-weight: bold;")
        row = QHBoxLayout()
        row.addWidget(self.clear_button)
        row.addWidget(self.answer, 1)
        self.scene = pg.GraphicsLayoutWidget()
        self.pad_plot, _ = image_plot(self.scene, "draw here", 0, 0, rowspan=2)
        self.pad_plot.removeItem(_)
        self.pad = PadImage(axisOrder="row-major")
        self.pad_plot.addItem(self.pad)
        self.pad_plot.setMouseEnabled(x=False, y=False)
        self.pad.setDrawKernel(disk(BRUSH), mask=disk(BRUSH), center=(BRUSH // 2, BRUSH // 2))
        self.pad.stroked.connect(self._stroked)
        self.input_plot, self.input = image_plot(self.scene, "what the model sees (28 × 28)", 0, 1)
        self.input.setColorMap(GREY)
        self.sal_plot, self.sal_base = image_plot(self.scene, "saliency: what drove it", 0, 2)
        self.sal_base.setColorMap(GREY)
        self.sal = pg.ImageItem(axisOrder="row-major")
        self.sal.setColorMap(OVERLAY)
        self.sal_plot.addItem(self.sal)
        self.bars_plot, self.bars = bar_plot(self.scene, "probabilities", 1, 1, colspan=2)
        self.scene.ci.layout.setColumnStretchFactor(0, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.scene, 1)
        self.clear()

    def set_model(self, model) -> None:
        self.model = model
        self.pad.last_dab = None  # scored again for the new model: no stroke to time (it said
        self.update_prediction()  # "349249 ms from stroke to bars", from a stroke minutes ago)

    def canvas(self) -> np.ndarray:
        return self.pad.image

    def _failed(self, text: str) -> None:
        self.answer.setText(text)

    def clear(self) -> None:
        self.tasks.cancel("the drawing")  # a result still on its way is not shown
        self.pad.setImage(np.zeros((PAD, PAD), np.float32), levels=(0, 1))
        self.pad.last_dab = None
        self.input.setImage(np.zeros((28, 28), np.float32), levels=(0, 255))
        self.sal.setImage(np.zeros((28, 28), np.float32), levels=(0, 1))
        self.sal_base.setImage(np.zeros((28, 28), np.float32), levels=(0, 255))
        set_bars(self.bars, np.zeros(10))
        self.answer.setText("draw a digit on the black pad with the mouse")

    def _stroked(self) -> None:
        self.pad.setLevels((0, 1))
        self._throttled_update()

    @qthrottled(timeout=25, leading=True)
    def _throttled_update(self) -> None:
        self.update_prediction()

    def update_prediction(self) -> None:
        """The drawing, preprocessed, through the model (in a worker thread: a saliency is a
        backward pass); the input image, bars and saliency are drawn when it is back. A newer
        drawing supersedes one still being computed."""
        if self.model is None or not np.any(self.canvas()):
            return
        self.tasks.run(
            "the drawing", predict, self.model, self.canvas().copy(), on_result=self._show
        )

    def _show(self, result) -> None:
        img, probs, grad = result
        self.probs = probs
        best = int(probs.argmax())
        self.input.setImage(img.astype(np.float32), levels=(0, 255))
        self.sal_base.setImage(img.astype(np.float32), levels=(0, 600))  # dimmed, underneath
        mag = np.abs(grad)
        self.sal.setImage(mag, levels=(0, float(mag.max()) or 1.0))
        set_bars(self.bars, probs, highlight=best)
        text = f"the model says {best} ({100 * probs[best]:.1f}%)"
        if self.pad.last_dab is not None:
            self.latencies_ms.append(1000 * (time.perf_counter() - self.pad.last_dab))
            text += f"   ·   {self.latencies_ms[-1]:.0f} ms from stroke to bars"
        self.answer.setText(text)
        self.predicted.emit(best)
