"""The experiments' inputs: a sweep of any one setting (its values and how many seeds each runs),
the preset experiments (one button each), the values of a learning-rate sweep, of a batch-size
sweep (with or without the linear LR scaling rule), and the range of the LR range test. Each is a
set of runs that differ in one value only: same seed, same initial weights, same data order (a
repeat differs only in its seed). The engine checks every value (sweepable.parse_values)."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.shared.fields import ComboBox
from app.shared.theme import ERROR_RED
from engine.torch_engine import settings
from engine.torch_engine.presets import PRESETS
from engine.torch_engine.sweepable import MAX_REPEATS, SWEEPABLE, parse_values

SWEEP_DEFAULTS = {  # a setting's values proposed when it is chosen
    "lr": "0.0003, 0.001, 0.003",
    "batch_size": "32, 128, 512",
    "dropout": "0, 0.2, 0.5",
    "weight_decay": "0, 0.0001, 0.001",
    "augment": "off, on",
    "train_size": "1000, 5000, 20000",
    "optimizer": "sgd, momentum, adam",
    "hidden": "256; 256,128; 64,64,64,64",
    "width": "0.5, 1, 2",
}


class ExperimentBox(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        f = QFormLayout(self)
        f.setContentsMargins(4, 4, 4, 4)
        self._sweep_rows(f)
        self.lrs = QLineEdit("0.0001, 0.001, 0.01, 0.1, 1")
        self.batches = QLineEdit("16, 64, 256, 1024")
        self.scale_lr = QCheckBox("scale the LR with the batch (linear rule)")
        self.lr_start = QLineEdit("1e-6")
        self.lr_end = QLineEdit("1")
        self.lr_steps = QLineEdit("100")
        self.error = QLabel()
        self.error.setTextFormat(Qt.TextFormat.PlainText)  # it repeats what was typed
        self.error.setStyleSheet(f"color: {ERROR_RED};")
        self.error.setWordWrap(True)
        self.error.hide()
        self.plan = QLabel()  # what the LR sweep will run and how long (sweep_plan.py)
        self.plan.setTextFormat(Qt.TextFormat.PlainText)
        self.plan.setWordWrap(True)
        self.lr_button = QPushButton("Learning-rate sweep")
        self.batch_button = QPushButton("Batch-size sweep")
        self.find_button = QPushButton("LR range test")
        self.use_button = QPushButton("Use the suggested LR")
        self.use_button.setEnabled(False)
        f.addRow("LRs", self.lrs)
        f.addRow("", self.plan)
        f.addRow("", self.lr_button)
        f.addRow("Batch sizes", self.batches)
        f.addRow("", self.scale_lr)
        f.addRow("", self.batch_button)
        f.addRow("LR from", self.lr_start)
        f.addRow("LR to", self.lr_end)
        f.addRow("Steps", self.lr_steps)
        f.addRow("", self.find_button)
        f.addRow("", self.use_button)
        f.addRow(self.error)

    def _sweep_rows(self, f: QFormLayout) -> None:
        """Sweep any setting with repeats, then the presets: one button each."""
        self.setting = ComboBox()
        for key, s in SWEEPABLE.items():
            self.setting.addItem(s.label, key)
        self.setting.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no change on a stray wheel
        self.values = QLineEdit()
        self.repeats = QLineEdit("1")
        self.repeats.setToolTip(f"seeds per value, 1 to {MAX_REPEATS}: seed, seed+1, ...")
        self.sweep_button = QPushButton("Sweep this setting")
        self.setting.currentIndexChanged.connect(self._setting_changed)
        f.addRow("Sweep", self.setting)
        f.addRow("Values", self.values)
        f.addRow("Repeats", self.repeats)
        f.addRow("", self.sweep_button)
        self.preset_buttons: dict[str, QPushButton] = {}
        for key, p in PRESETS.items():
            b = QPushButton(p.title)
            b.setToolTip(p.what)
            self.preset_buttons[key] = b
            f.addRow("Preset" if len(self.preset_buttons) == 1 else "", b)
        self._setting_changed()

    def _setting_changed(self, *_) -> None:
        s = SWEEPABLE[self.param()]
        self.values.setText(SWEEP_DEFAULTS.get(s.name, ""))
        self.values.setToolTip(f"{s.label}: {s.range_text}")
        self.values.setPlaceholderText(s.range_text)

    def param(self) -> str:
        return self.setting.currentData()

    def set_param(self, key: str) -> None:
        self.setting.setCurrentIndex(self.setting.findData(key))

    def sweep_values(self, model: str | None = None):
        """(values, "") or ((), the problem) for the chosen setting, checked by the engine."""
        return parse_values(self.param(), self.values.text(), model)

    def repeats_value(self) -> tuple[int | None, str]:
        """(seeds per value, "") or (None, the problem in one sentence)."""
        text = self.repeats.text().strip()
        if not re.fullmatch(r"[0-9]{1,4}", text) or not 1 <= int(text) <= MAX_REPEATS:
            return None, f"Repeats: a whole number from 1 to {MAX_REPEATS}"
        return int(text), ""

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def lr_values(self):
        """(values, "") or ((), the problem): checked by the engine, as the CLI's sweep is."""
        return settings.sweep_values("lr", self.lrs.text())

    def batch_values(self):
        return settings.sweep_values("batch_size", self.batches.text())

    def lr_range(self):
        return settings.lr_range(self.lr_start.text(), self.lr_end.text(), self.lr_steps.text())
