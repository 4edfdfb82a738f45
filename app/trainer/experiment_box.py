"""The one-click experiments' inputs: the values of a learning-rate sweep, of a batch-size sweep
(with or without the linear LR scaling rule), and the range of the LR range test. Each is a set of
runs that differ in one value only: same seed, same initial weights, same data order."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit, QPushButton, QWidget

MAX_RUNS = 12  # values in one sweep


def parse_values(text: str, integer: bool = False, lo: float = 0.0, hi: float = math.inf):
    """'1e-4, 1e-3, 0.01' -> (values, error sentence or '')."""
    words = [w for w in text.replace(";", ",").replace(" ", ",").split(",") if w]
    if not words:
        return (), "give at least one value, separated by commas"
    if len(words) > MAX_RUNS:
        return (), f"at most {MAX_RUNS} values in one sweep"
    out = []
    for w in words:
        try:
            v = float(w)
        except ValueError:
            return (), f"'{w}' is not a number"
        if not math.isfinite(v) or not lo < v <= hi or (integer and v != int(v)):
            kind = "whole numbers" if integer else "numbers"
            return (), f"'{w}': values must be {kind} above {lo:g} and at most {hi:g}"
        out.append(int(v) if integer else v)
    if len(set(out)) != len(out):
        return (), "each value once"
    return tuple(out), ""


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
        self.lr_button = QPushButton("Learning-rate sweep")
        self.batch_button = QPushButton("Batch-size sweep")
        self.find_button = QPushButton("LR range test")
        self.use_button = QPushButton("Use the suggested LR")
        self.use_button.setEnabled(False)
        f.addRow("LRs", self.lrs)
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
        return parse_values(self.lrs.text(), lo=0.0, hi=10.0)

    def batch_values(self):
        return parse_values(self.batches.text(), integer=True, lo=0.0, hi=60000)

    def lr_range(self):
        a, e1 = parse_values(self.lr_start.text(), hi=10.0)
        b, e2 = parse_values(self.lr_end.text(), hi=100.0)
        n, e3 = parse_values(self.lr_steps.text(), integer=True, lo=2, hi=10000)
        err = e1 or e2 or e3
        if not err and (len(a) != 1 or len(b) != 1 or len(n) != 1):
            err = "the LR range test takes one start, one end and one number of steps"
        if not err and a[0] >= b[0]:
            err = "the start LR must be below the end LR"
        return (None, err) if err else ((a[0], b[0], n[0]), "")
