"""The test digits the model got wrong, highest loss first, each captioned "true → predicted";
clicking one shows it large with its softmax bars and its three likeliest answers."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.trainer.insides.common import GREY, bar_plot, image_plot, mosaic, set_bars
from engine.torch_engine.insides import misclassified

COLS, SHOWN = 8, 48  # the grid: columns, digits
TILE = 28 + 10  # a digit and its caption's room


class MistakesView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.mistakes, self.images, self.preds = [], None, None
        self.current: int | None = None  # the test index shown large
        self.scale = 1.0
        self.note = QLabel("select a finished run to see its mistakes")
        self.scene = pg.GraphicsLayoutWidget()
        self.grid_plot, self.grid = image_plot(
            self.scene, "misclassified, highest loss first", 0, 0, rowspan=2
        )
        self.grid.setColorMap(GREY)
        self.grid.mouseClickEvent = self._clicked
        self.big_plot, self.big = image_plot(self.scene, "click a digit", 0, 1)
        self.big.setColorMap(GREY)
        self.bars_plot, self.bars = bar_plot(self.scene, "softmax output", 1, 1)
        self.scene.ci.layout.setColumnStretchFactor(0, 3)
        self.scene.ci.layout.setColumnStretchFactor(1, 2)
        self.texts: list[pg.TextItem] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.note)
        lay.addWidget(self.scene, 1)

    def set_predictions(self, preds, images: np.ndarray) -> None:
        self.preds, self.images = preds, images
        self.mistakes = misclassified(preds, SHOWN)
        wrong = int((preds.labels != preds.predicted).sum())
        self.note.setText(f"{wrong} of {len(preds.labels)} test digits wrong; the worst {SHOWN}")
        tiles = np.zeros((len(self.mistakes), TILE, 28), np.float32)
        for k, m in enumerate(self.mistakes):
            tiles[k, :28] = images[m.index]
        if len(tiles):
            self.grid.setImage(mosaic(tiles, COLS, pad=2), levels=(0, 255))
        else:
            self.grid.clear()
        self._captions()
        if self.mistakes:
            self.show_mistake(0)

    def _captions(self) -> None:
        for t in self.texts:
            self.grid_plot.removeItem(t)
        self.texts = []
        font = QFont()
        font.setPointSizeF(8 * self.scale)
        font.setBold(True)
        for k, m in enumerate(self.mistakes):
            r, c = divmod(k, COLS)
            t = pg.TextItem(f"{m.true}→{m.predicted}", color="#ffcc33", anchor=(0.5, 0))
            t.setFont(font)
            t.setPos(c * 30 + 14, r * (TILE + 2) + 27)
            self.grid_plot.addItem(t)
            self.texts.append(t)

    def _clicked(self, ev) -> None:
        pos = ev.pos()
        c, r = int(pos.x() // 30), int(pos.y() // (TILE + 2))
        k = r * COLS + c
        if 0 <= c < COLS and 0 <= k < len(self.mistakes):
            ev.accept()
            self.show_mistake(k)

    def show_mistake(self, k: int) -> None:
        m = self.mistakes[k]
        self.current = int(m.index)
        self.big.setImage(self.images[m.index].astype(np.float32), levels=(0, 255))
        top = ", ".join(f"{c}: {100 * p:.1f}%" for c, p in m.top3)
        self.big_plot.setTitle(f"test digit {m.index}: true {m.true}, predicted {m.predicted}")
        self.bars_plot.setTitle(f"top 3: {top}  (loss {m.loss:.2f})")
        set_bars(self.bars, self.preds.probs[m.index], highlight=m.true)

    def set_scale(self, scale: float) -> None:
        self.scale = scale
        self._captions()
