"""What the first layer learned: a CNN's first-layer kernels, or an MLP's first-layer weight rows
shown as 28 x 28 images (the first 64, or the 64 with the largest norm). In the explainer's sign
colours (app/shared/theme.py): blue positive, orange negative, the canvas's colour at zero, on one
symmetric scale."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.shared.fields import ComboBox
from app.shared.theme import NORMAL, Theme
from app.trainer.insides.common import image_plot, mosaic, sign_colormap
from engine.torch_engine.insides import first_layer_filters


class FiltersView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = None
        self.order = ComboBox()
        self.order.addItems(["the first 64", "the 64 with the largest norm"])
        self.order.currentIndexChanged.connect(lambda _: self.redraw())
        self.note = QLabel("")
        row = QHBoxLayout()
        row.addWidget(QLabel("show"))
        row.addWidget(self.order)
        row.addWidget(self.note, 1)
        self.scene = pg.GraphicsLayoutWidget()
        self.plot, self.image = image_plot(self.scene, "first-layer filters", 0, 0)
        self.bar = pg.ColorBarItem(values=(-1, 1), colorMap=sign_colormap(NORMAL), label="weight")
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.set_theme(NORMAL)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.scene, 1)

    def set_theme(self, theme: Theme) -> None:
        """The sign colours of this look (lecturer mode: bright on black)."""
        cmap = sign_colormap(theme)
        self.bar.setColorMap(cmap)
        self.image.setColorMap(cmap)

    def set_model(self, model) -> None:
        self.model = model
        self.redraw()

    def _name_choices(self, k: int, kernels: bool) -> None:
        """The choices say what there is: "the 16 kernels" where a CNN has 16 (it offered
        "the first 64" of them)."""
        what = "kernels" if kernels else "units"
        names = (
            [f"all {k} {what}", f"all {k} {what}, largest norm first"]
            if k < 64 else ["the first 64", "the 64 with the largest norm"]
        )  # fmt: skip
        for i, text in enumerate(names):
            if self.order.itemText(i) != text:
                self.order.setItemText(i, text)

    def redraw(self) -> None:
        if self.model is None:
            return
        by_norm = self.order.currentIndex() == 1
        imgs, units, _ = first_layer_filters(self.model, 64, by_norm)
        k, h, w = imgs.shape
        self._name_choices(k, h != 28)
        cols = int(np.ceil(np.sqrt(k)))
        top = float(np.quantile(np.abs(imgs), 0.995)) or 1.0  # a few extremes saturate
        self.image.setImage(mosaic(imgs, cols, pad=max(1, h // 14)), levels=(-top, top))
        self.bar.setLevels((-top, top))
        what = f"kernels ({h} × {w})" if h != 28 else "weight rows, each as a 28 × 28 image"
        self.plot.setTitle(f"first layer: {k} {what}")
        self.note.setText(
            "units " + ", ".join(str(u) for u in units[:16]) + (" …" if k > 16 else "")
        )
