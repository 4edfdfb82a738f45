"""The one-click experiments' inputs: the values of a learning-rate sweep, of a batch-size sweep
(with or without the linear LR scaling rule), and the range of the LR range test. Each is a set of
runs that differ in one value only: same seed, same initial weights, same data order."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit, QPushButton, QWidget

from engine.torch_engine import settings


class ExperimentBox(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        f = QFormLayout(self)
        f.setContentsMargins(4, 4, 4, 4)
        self.lrs = QLineEdit("0.0001, 0.001, 0.01, 0.1, 1")
        self.batches = QLineEdit("16, 64, 256, 1024")
        self.scale_lr = QCheckBox("scale the LR with the batch (linear rule)")
        self.lr_start = QLineEdit("1e-6")
        self.lr_end = QLineEdit("1")
        self.lr_steps = QLineEdit("100")
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.plan = QLabel()  # what the LR sweep will run and how long (sweep_plan.py)
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
