"""Choosing what to learn: a preset (network and data), a built-in dataset, or a CSV file."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QPushButton, QWidget

from engine.numpy_engine import DATASETS

PRESET_DIR = Path(__file__).resolve().parents[2] / "assets" / "presets"


def list_presets() -> list[tuple[str, Path]]:
    out = []
    for p in sorted(PRESET_DIR.glob("*.json")):
        try:
            title = json.loads(p.read_text(encoding="utf-8")).get("name") or p.stem
        except (OSError, ValueError):
            continue
        out.append((title, p))
    return out


class DataPanel(QWidget):
    preset_chosen = Signal(str)  # path of a network file
    dataset_chosen = Signal(str)  # name of a built-in dataset
    csv_requested = Signal()  # the window asks for a file and imports it

    def __init__(self, parent=None):
        super().__init__(parent)
        form = QFormLayout(self)
        self.presets = QComboBox()
        self.presets.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.presets.setMinimumContentsLength(18)
        self.presets.addItem("— choose a preset —", None)
        for title, path in list_presets():
            self.presets.addItem(title, str(path))
        self.presets.activated.connect(self._preset)
        form.addRow("preset", self.presets)
        self.datasets = QComboBox()
        self.datasets.addItem("— choose a dataset —", None)
        for name in DATASETS:
            self.datasets.addItem(name, name)
        self.datasets.activated.connect(self._dataset)
        form.addRow("dataset", self.datasets)
        csv = QPushButton("Import CSV…")
        csv.clicked.connect(self.csv_requested.emit)
        form.addRow("", csv)
        self.description = QLabel()
        self.description.setWordWrap(True)
        form.addRow(self.description)

    def _preset(self, i: int) -> None:
        if self.presets.itemData(i):
            self.preset_chosen.emit(self.presets.itemData(i))

    def _dataset(self, i: int) -> None:
        if self.datasets.itemData(i):
            self.dataset_chosen.emit(self.datasets.itemData(i))

    def set_description(self, text: str) -> None:
        self.description.setText(text)
