"""The gradient check: backpropagation's gradient beside finite differences, for every parameter."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout

from engine.numpy_engine.fmt import num


class GradCheckDialog(QDialog):
    def __init__(self, rows, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Gradient check: analytic vs numerical")
        lay = QVBoxLayout(self)
        worst = max((r.rel_error for r in rows), default=0.0)
        ok = worst < 1e-5
        self.summary = QLabel(
            f"<b>{'✓ The gradients agree' if ok else '✗ Some gradients disagree'}</b>: largest "
            f"relative error {worst:.2e} over {len(rows)} parameters. Numerical gradient = "
            f"(L(θ + ε) − L(θ − ε)) / 2ε with ε = 1e-6, on this step's batch."
            + ("" if ok else " (At a kink — ReLU at 0, |x| at 0 — the two may differ.)")
        )
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.table = QTableWidget(len(rows), 4)
        self.table.setHorizontalHeaderLabels(
            ["parameter", "backprop ∂L/∂θ", "numerical", "relative error"]
        )
        for i, r in enumerate(rows):
            for c, text in enumerate(
                (r.symbol, num(r.analytic, 8), num(r.numeric, 8), f"{r.rel_error:.1e}")
            ):
                self.table.setItem(i, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        lay.addWidget(self.table)
        self.resize(560, 480)
