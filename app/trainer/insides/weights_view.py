"""Weights over time: for one layer, the histogram of its parameters and of its last gradients at
epoch 0 (the initial weights, no gradient yet) and at each epoch end, as heat strips (epochs across, values up). Filled from the run store for a
selected run, and live, epoch by epoch, while a run trains."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.shared.fields import ComboBox
from app.trainer.insides.common import HEAT
from engine.torch_engine.histograms import LOG_FLOOR, heat_strip
from engine.torch_engine.records import Histograms, Start, from_dict


class WeightsView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.records: list[Histograms] = []
        self.layer = ComboBox()
        self.layer.currentIndexChanged.connect(lambda _: self.redraw())
        self.note = QLabel("histograms are recorded at the start of a run and at each epoch end")
        self.note.setWordWrap(True)  # a long note must not widen the window
        row = QHBoxLayout()
        row.addWidget(QLabel("layer"))
        row.addWidget(self.layer)
        row.addWidget(self.note, 1)
        self.scene = pg.GraphicsLayoutWidget()
        self.plots, self.images = {}, {}
        # short titles (the note says which epochs; the axis, each epoch's end): at lecturer type
        # "gradients: epoch 0 (initial), then each end" made the scene wider than a 1366-px wall
        titles = (("weight", "weights"), ("grad", "gradients of each epoch's last step"))
        for col, (which, title) in enumerate(titles):
            p = self.scene.addPlot(row=0, col=col, title=title)
            p.setLabel("bottom", "epoch")
            p.setLabel("left", "value")
            p.getAxis("left").enableAutoSIPrefix(False)
            img = pg.ImageItem(axisOrder="row-major")
            img.setColorMap(HEAT)
            p.addItem(img)
            self.plots[which], self.images[which] = p, img
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.scene, 1)

    def set_records(self, records) -> None:
        """Histograms records (or the store's dicts of them) of one run, in order."""
        self.records = [from_dict(r) if isinstance(r, dict) else r for r in records]
        names = self.records[0].layer_names if self.records else ()
        if tuple(self.layer.itemText(k) for k in range(self.layer.count())) != tuple(names):
            self.layer.blockSignals(True)
            self.layer.clear()
            self.layer.addItems(list(names))
            self.layer.blockSignals(False)
        self.redraw()

    def add_live(self, rec) -> None:
        """A record of the run training now: a Start begins afresh, Histograms add an epoch."""
        if isinstance(rec, Start):
            self.set_records([])
        elif isinstance(rec, Histograms):
            self.set_records([*self.records, rec])

    def redraw(self) -> None:
        k = self.layer.currentIndex()
        if not self.records or k < 0:
            for img in self.images.values():
                img.clear()
            self.note.setText("no histograms: this run was recorded before they were kept")
            return
        for which, img in self.images.items():
            epochs, edges, image = heat_strip(self.records, k, which, log=True)  # (bins, E)
            img.setImage(image, levels=(LOG_FLOOR, 0.0))
            x0 = float(epochs[0]) - 0.5
            img.setRect(x0, float(edges[0]), float(len(epochs)), float(edges[-1] - edges[0]))
            every = max(1, math.ceil(len(epochs) / 12))  # a tick per column: its epoch, whole
            ticks = [(float(e), f"{e:g}") for e in epochs[::every]]  # (it read −0.5 … 1.5)
            self.plots[which].getAxis("bottom").setTicks([ticks, []])
        first, last = self.records[0].epoch, self.records[-1].epoch
        self.note.setText(
            f"epochs {first:g} to {last:g}"
            + (" (0: the initial weights; no gradient yet)" if first == 0 else "")
            + "; colour: the fraction of the layer's values in each "
            "bin, on a log scale (yellow: all of them, dark: one in a million)"
        )
