"""The confusion matrix of the test set: the cells' numbers and their colours show the same thing,
counts or the percentage of each true digit's row (its colour bar says which), per-class
accuracy beside it. Clicking a cell shows
the test digits that fell in it, worst first."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.shared.fields import ComboBox
from app.trainer.insides.common import GREY, HEAT, image_plot, mosaic
from engine.torch_engine.insides import (
    cell_indices,
    confusion_colours,
    confusion_matrix,
    per_class_accuracy,
)

CELL_DIGITS = 40  # digits shown for a clicked cell
CELL_PT_FLOOR = 6.0  # the cells' numbers never get smaller (times the type scale's 1 + 0.4 (s - 1))


def short_count(n: int, short: int = 1) -> str:
    """A count as a cell of a small matrix writes it: 0, whole; 1, in four characters (1092 ->
    "1.1k", 12000 -> "12k"); 2, in thousands (1092 -> "1k")."""
    if n < 1000 or short == 0:
        return str(n)
    if n < 9950 and short == 1:
        return f"{(n + 50) // 100 / 10:.1f}k"  # halves up: 1050 -> 1.1k, as 2500 -> 3k
    return f"{(n + 500) // 1000}k"


class ConfusionView(QWidget):
    cell_selected = Signal(int, int)  # true class, predicted class

    def __init__(self, parent=None):
        super().__init__(parent)
        self.preds = self.images = self.counts = self.values = None
        self.cell: tuple[int, int] | None = None
        self.cell_digits = np.zeros(0, int)  # test indices of the digits shown for the cell
        self.scale = 1.0
        self.texts: list[pg.TextItem] = []
        self._cell_px = 0.0  # a cell's side on the screen when the numbers were written
        self._short = 0  # how short the numbers are written to fit small cells (_fitted)
        row = self._controls()
        self.scene = pg.GraphicsLayoutWidget()
        self._build_matrix()
        self._build_accuracy()
        self.digits_plot, self.digits = image_plot(self.scene, "click a cell", 1, 0, colspan=2)
        self.digits.setColorMap(GREY)
        self._rows(clicked=False)
        self.scene.ci.layout.setColumnStretchFactor(0, 3)
        self.scene.ci.layout.setColumnStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.scene, 1)

    def _controls(self) -> QHBoxLayout:
        """What the cells show, the colour scale's end, and the note on the test set."""
        self.mode = ComboBox()
        self.mode.addItems(["counts", "% of the true digit's row"])
        self.mode.currentIndexChanged.connect(lambda _: self._colour())
        self.clip = QCheckBox("colours up to the worst confusion")
        self.clip.setChecked(True)
        self.clip.setToolTip(
            "the colour scale ends at the largest off-diagonal cell: the mistakes show, the diagonal saturates"
        )
        self.clip.toggled.connect(lambda _: self._colour())
        self.note = QLabel("select a finished run to see its confusion matrix")
        self.note.setWordWrap(True)  # a long note wraps rather than widening the window
        row = QHBoxLayout()
        row.addWidget(QLabel("cells show"))
        row.addWidget(self.mode)
        row.addWidget(self.clip)
        row.addSpacing(16)  # the note is not the check box's words
        row.addWidget(self.note, 1)
        return row

    def _build_matrix(self) -> None:
        """The 10 x 10 matrix, its colour bar, the clicked cell's outline. Its range is the 10 x 10
        cells from the start: before a run, autoranged on nothing, the axes read "true digit
        (x0.001)" from −400 to 400; and the numbers take the cells' size whenever the range
        changes too (written while the range was still the empty one, they were 28 pt)."""
        self.matrix, self.image = image_plot(self.scene, "confusion matrix (test set)", 0, 0)
        self.matrix.invertY(True)
        for side, label in (("left", "true digit"), ("bottom", "predicted digit")):
            self.matrix.showAxis(side)
            self.matrix.setLabel(side, label)
            self.matrix.getAxis(side).setTicks([[(k + 0.5, str(k)) for k in range(10)], []])
            self.matrix.getAxis(side).enableAutoSIPrefix(False)
        self.matrix.setMouseEnabled(x=False, y=False)
        self.image.setColorMap(HEAT)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=HEAT, label="digits in the cell")
        self.bar.setImageItem(self.image, insert_in=self.matrix)
        self.image.mouseClickEvent = self._clicked
        # the clicked cell, outlined: the digits below are its (nothing showed which it was)
        self.mark = pg.PlotDataItem(pen=pg.mkPen("#ff2d55", width=3))
        self.matrix.addItem(self.mark)
        vb = self.matrix.getViewBox()
        vb.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
        vb.sigResized.connect(self._refit_cells)
        vb.sigRangeChanged.connect(self._refit_cells)

    def _build_accuracy(self) -> None:
        """Each digit's accuracy as a bar (0 to 1 before a run: no "x0.001" on empty axes)."""
        self.acc = self.scene.addPlot(row=0, col=1, title="accuracy per digit")
        self.acc.setLabel("left", "accuracy")
        self.acc.setLabel("bottom", "digit")
        self.acc_bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7)
        self.acc.addItem(self.acc_bars)
        self.acc.getAxis("bottom").setTicks([[(k, str(k)) for k in range(10)], []])
        for side in ("left", "bottom"):
            self.acc.getAxis(side).enableAutoSIPrefix(False)
        self.acc.setRange(xRange=(-0.5, 9.5), yRange=(0, 1))

    def set_predictions(self, preds, images: np.ndarray) -> None:
        """preds: insides.Predictions of the test set; images (n, 28, 28) the test digits."""
        self.preds, self.images = preds, images
        self.counts = confusion_matrix(preds)
        self._colour()
        acc = per_class_accuracy(self.counts)
        self.acc_bars.setOpts(height=np.nan_to_num(acc), brush="#1f63b4")
        lo = float(np.nanmin(acc)) if np.isfinite(acc).any() else 0.0
        self.acc.setYRange(max(0.0, lo - 0.05), 1.0)
        total = int(self.counts.sum())
        right = int(np.trace(self.counts))
        self.note.setText(f"{right} of {total} test digits right ({100 * right / total:.2f}%)")
        if self.cell is not None:
            self.select_cell(*self.cell)

    def _shown(self) -> str:
        return "percent" if self.mode.currentIndex() == 1 else "counts"

    def _colour(self) -> None:
        """Colours of the quantity the cells show, on 0 to its top (or its worst confusion)."""
        if self.counts is None:
            return
        self.values, levels, label = confusion_colours(
            self.counts, self._shown(), self.clip.isChecked()
        )
        self.image.setImage(self.values, levels=levels)
        self.image.setRect(0, 0, 10, 10)
        self.bar.setLevels(levels)
        self.bar.getAxis("left").setLabel(label)  # where ColorBarItem puts its label
        self._write_cells()

    def _cell_texts(self, short: int) -> dict[tuple[int, int], str]:
        """Each non-empty cell's number; `short` 1 or 2: as short_count writes it ("1.1k", "1k";
        percent: "99"), for cells too small for "1092" at the floor (the clicked cell's title
        says it whole)."""
        pct = self._shown() == "percent"
        out = {}
        for (r, c), n in np.ndenumerate(self.counts):
            if n != 0:
                v = self.values[r, c]
                if pct:
                    whole = f"{v:.0f}" if v >= 0.5 else "<1"  # a real mistake never reads 0
                    out[r, c] = whole if short else f"{v:.1f}"
                else:
                    out[r, c] = short_count(int(n), short)
        return out

    def _fitted(self) -> tuple[dict, QFont, int]:
        """The cells' texts and their font, and how short they had to be to fit (0: whole)."""
        for short in (0, 1, 2):
            texts = self._cell_texts(short)
            widest = max(texts.values(), key=len, default="8")
            font = self.cell_font(widest)
            side = self.cell_px()
            if side <= 0 or QFontMetricsF(font).horizontalAdvance(widest) <= 0.9 * side:
                break
        return texts, font, short

    def _write_cells(self) -> None:
        for t in self.texts:
            self.matrix.removeItem(t)
        self.texts = []
        if self.counts is None:
            return
        texts, font, self._short = self._fitted()
        self._cell_px = self.cell_px()
        lo, hi = self.bar.levels()
        for (r, c), text in texts.items():
            v = self.values[r, c]
            colour = "k" if (v - lo) / (hi - lo or 1) > 0.6 else "w"  # dark on viridis' yellow
            t = pg.TextItem(text, color=colour, anchor=(0.5, 0.5))
            t.setFont(font)
            t.setPos(c + 0.5, r + 0.5)
            self.matrix.addItem(t)
            self.texts.append(t)

    def _clicked(self, ev) -> None:
        pos = ev.pos()
        r, c = int(pos.y()), int(pos.x())
        if 0 <= r < 10 and 0 <= c < 10:
            ev.accept()
            self.select_cell(r, c)

    def select_cell(self, true: int, predicted: int) -> None:
        """Show the digits of class `true` predicted as `predicted`, highest loss first."""
        if self.preds is None:
            return
        self.cell = (true, predicted)
        self._rows(clicked=True)
        x, y = predicted, true  # column: predicted, row: true (the matrix's y points down)
        self.mark.setData([x, x + 1, x + 1, x, x], [y, y, y + 1, y + 1, y])
        idx = cell_indices(self.preds, true, predicted)
        self.cell_digits = idx
        shown = idx[:CELL_DIGITS]
        what = "right" if true == predicted else f"called {predicted}"
        title = f"true {true}, {what}: {len(idx)} digits"
        self.digits_plot.setTitle(title + (f" (first {CELL_DIGITS})" if len(idx) > 30 else ""))
        if len(shown):
            self.digits.setImage(
                mosaic(self.images[shown].astype(np.float32), min(20, len(shown))), levels=(0, 255)
            )
        else:
            self.digits.clear()
        self.cell_selected.emit(true, predicted)

    def _rows(self, clicked: bool) -> None:
        """The matrix takes the height until a cell is clicked; then the cell's digits get two
        sevenths of it (a lecturer's matrix was a third of the screen's height above an empty
        box)."""
        self.scene.ci.layout.setRowStretchFactor(0, 5 if clicked else 8)
        self.scene.ci.layout.setRowStretchFactor(1, 2 if clicked else 1)

    def cell_px(self) -> float:
        """A cell's side in pixels on the screen (the matrix is 10 x 10 view units)."""
        vb = self.matrix.getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        rect = vb.boundingRect()
        if x1 <= x0 or y1 <= y0:
            return 0.0
        return min(rect.width() / (x1 - x0), rect.height() / (y1 - y0))

    def cell_font(self, widest: str = "8888") -> QFont:
        """Bold, as large as the widest number (`widest`) fits in 0.9 of a cell's width and
        two fifths of its height, up to 28 pt; never under CELL_PT_FLOOR (times the type
        scale), where the numbers of a very small matrix may touch."""
        font = QFont()
        font.setBold(True)
        floor = CELL_PT_FLOOR * (1 + 0.4 * (self.scale - 1))
        font.setPointSizeF(8.0)
        side = self.cell_px()
        if side <= 0:
            font.setPointSizeF(max(floor, 8.0))
            return font
        metrics = QFontMetricsF(font)
        wide, tall = metrics.horizontalAdvance(widest), metrics.height()
        font.setPointSizeF(max(floor, min(8.0 * min(0.9 * side / wide, 0.4 * side / tall), 28.0)))
        return font

    def _refit_cells(self, *_) -> None:
        """The view resized: the numbers take the new cells' size (their font only, unless they
        must turn short or whole: a splitter dragged resizes the view at every mouse move)."""
        side = self.cell_px()
        if self.texts and abs(side - self._cell_px) > 2:
            _, font, short = self._fitted()
            if short != self._short:
                self._write_cells()
                return
            for t in self.texts:
                t.setFont(font)
            self._cell_px = side

    def set_scale(self, scale: float) -> None:
        self.scale = scale
        self._write_cells()
