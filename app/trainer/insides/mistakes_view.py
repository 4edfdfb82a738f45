"""The test digits the model got wrong, highest loss first, each captioned "true → predicted" and
the probability the model gave the true digit; every one reachable, a page of 48 at a time.
Clicking one shows it large with its softmax bars and its three likeliest answers."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.trainer.insides.common import GREY, bar_plot, image_plot, mosaic, set_bars
from engine.torch_engine.insides import misclassified

COLS, SHOWN = 8, 48  # the grid: columns, digits on a page
TILE = 28 + 10  # a digit and its caption's room
TEXT_MARGIN = 4.0  # px each side of a caption's text in its box (QTextDocument's margin)
SHORT_BELOW_PT = 7.0  # a caption this small (times the type scale) drops its probability


class MistakesView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.mistakes, self.images, self.preds = [], None, None  # every mistake, worst first
        self.page = 0  # which SHOWN of them the grid shows
        self.current: int | None = None  # the test index shown large
        self.scale = 1.0
        self.note = QLabel("select a finished run to see its mistakes")
        self.prev_button = QPushButton(f"◀ previous {SHOWN}")
        self.next_button = QPushButton(f"next {SHOWN} ▶")
        self.prev_button.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page + 1))
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.prev_button)
        row.addWidget(self.next_button)
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
        self.grid_plot.getViewBox().sigResized.connect(self._captions)  # their type fits a cell
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.scene, 1)

    def set_predictions(self, preds, images: np.ndarray) -> None:
        self.preds, self.images = preds, images
        self.mistakes = misclassified(preds)
        self.show_page(0)

    def pages(self) -> int:
        return max(1, -(-len(self.mistakes) // SHOWN))

    def on_page(self) -> list:
        return self.mistakes[self.page * SHOWN : (self.page + 1) * SHOWN]

    def show_page(self, page: int) -> None:
        """The grid of mistakes page*SHOWN+1 .. (page+1)*SHOWN, the first of them large."""
        if self.preds is None:
            return
        self.page = min(max(0, page), self.pages() - 1)
        shown, first = self.on_page(), self.page * SHOWN
        n = len(self.mistakes)
        self.note.setText(
            f"{n} of {len(self.preds.labels)} test digits wrong; "
            + (f"the {first + 1}–{first + len(shown)} worst (page {self.page + 1} of "
               f"{self.pages()})" if n else "none")
            + "; under each: true → predicted, and where the cells have room the "
            "probability given to the true digit"
        )  # fmt: skip
        self.prev_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page < self.pages() - 1)
        tiles = np.zeros((len(shown), TILE, 28), np.float32)
        for k, m in enumerate(shown):
            tiles[k, :28] = self.images[m.index]
        if len(tiles):
            self.grid.setImage(mosaic(tiles, COLS, pad=2), levels=(0, 255))
        else:
            self.grid.clear()
        rows = -(-SHOWN // COLS)  # a short last page keeps the tiles' size, top left
        self.grid_plot.setRange(
            xRange=(0, COLS * 30 - 2), yRange=(0, rows * (TILE + 2) - 2), padding=0.02
        )
        self._captions()
        if shown:
            self.show_mistake(0)

    def _captions(self) -> None:
        for t in self.texts:
            self.grid_plot.removeItem(t)
        self.texts = []
        shown = self.on_page()
        texts = [
            f"{m.true}→{m.predicted} "
            + (f"{100 * m.true_prob:.0f}%" if m.true_prob >= 0.005 else "<1%")
            for m in shown
        ]
        font = self._caption_font(texts)
        if font.pointSizeF() < SHORT_BELOW_PT * self.scale:  # small cells (a laptop): the
            texts = [f"{m.true}→{m.predicted}" for m in shown]  # digits alone, readable; the
            font = self._caption_font(texts)  # probability is beside the one clicked
        for k, text in enumerate(texts):
            r, c = divmod(k, COLS)
            t = pg.TextItem(text, color="#ffcc33", anchor=(0.5, 0))
            t.setFont(font)
            t.setPos(c * 30 + 14, r * (TILE + 2) + 27)
            self.grid_plot.addItem(t)
            self.texts.append(t)

    def _caption_font(self, texts: list[str]) -> QFont:
        """Bold, 8 pt times the type scale, smaller where the widest caption would be wider
        than its digit's cell on the screen (lecturer type ran the captions into each other)."""
        font = QFont()
        font.setPointSizeF(8 * self.scale)
        font.setBold(True)
        units_per_px = self.grid_plot.getViewBox().viewPixelSize()[0]
        if not texts or not np.isfinite(units_per_px) or units_per_px <= 0:
            return font
        # a cell is 30 units wide (a digit and its gap); a caption's box has its margins
        cell = 0.92 * 30 / units_per_px - 2 * TEXT_MARGIN
        widest = max(QFontMetricsF(font).horizontalAdvance(t) for t in texts)
        if widest > cell:
            font.setPointSizeF(max(5.0, font.pointSizeF() * cell / widest))
        return font

    def _clicked(self, ev) -> None:
        pos = ev.pos()
        c, r = int(pos.x() // 30), int(pos.y() // (TILE + 2))
        k = r * COLS + c
        if 0 <= c < COLS and 0 <= k < len(self.on_page()):
            ev.accept()
            self.show_mistake(k)

    def show_mistake(self, k: int) -> None:
        """The page's k-th mistake, large."""
        m = self.on_page()[k]
        self.current = int(m.index)
        self.big.setImage(self.images[m.index].astype(np.float32), levels=(0, 255))
        top = ", ".join(f"{c}: {100 * p:.1f}%" for c, p in m.top3)
        self.big_plot.setTitle(
            f"test digit {m.index}: true {m.true} (p = {100 * m.true_prob:.1f}%), "
            f"predicted {m.predicted}"
        )
        self.bars_plot.setTitle(f"top 3: {top}  (loss {m.loss:.2f})")
        set_bars(self.bars, self.preds.probs[m.index], highlight=m.true)

    def set_scale(self, scale: float) -> None:
        self.scale = scale
        self._captions()
