"""Data augmentation, seen: one digit and a grid of random rotations (±10°) and shifts (±2 px) of
it, made by the very function training uses (training.augment_batch)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.shared.fields import SpinBox
from app.trainer.insides.common import GREY, image_plot, mosaic
from engine.torch_engine.insides import augmentations

COUNT = 24  # augmented copies shown


class AugmentView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.images = None
        self.seed = 0
        self.index = SpinBox()
        self.index.setRange(0, 0)
        self.index.valueChanged.connect(lambda _: self.redraw())
        self.again = QPushButton("New random draw")
        self.again.clicked.connect(self.reshuffle)
        row = QHBoxLayout()
        row.addWidget(QLabel("test digit"))
        row.addWidget(self.index)
        row.addWidget(self.again)
        row.addWidget(QLabel("rotations ±10° and shifts ±2 px, as training draws them"), 1)
        self.scene = pg.GraphicsLayoutWidget()
        self.orig_plot, self.orig = image_plot(self.scene, "the digit", 0, 0)
        self.grid_plot, self.grid = image_plot(self.scene, f"{COUNT} random augmentations", 0, 1)
        for img in (self.orig, self.grid):
            img.setColorMap(GREY)
        self.scene.ci.layout.setColumnStretchFactor(1, 3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.scene, 1)

    def set_digits(self, images: np.ndarray) -> None:
        self.images = images
        self.index.setRange(0, max(0, len(images) - 1))
        self.redraw()

    def reshuffle(self) -> None:
        self.seed += 1
        self.redraw()

    def redraw(self) -> None:
        if self.images is None or not len(self.images):
            return
        digit = self.images[self.index.value()]
        self.orig.setImage(digit.astype(np.float32), levels=(0, 255))
        aug = augmentations(digit, COUNT, seed=self.seed)
        self.grid.setImage(mosaic(aug, 6, pad=2), levels=(0, 255))
