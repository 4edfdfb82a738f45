"""The Experiment tab: the one-click experiments' plots (LR and batch-size sweeps, the LR range
test: experiment_plots.py) or a sweep of any setting with repeated seeds and the preset
experiments (sweep_plots.py), whichever ran last. A sweep also gets its reading, one sentence from
the engine said above the plots, and a table beside them: for every two values, whether their
final test accuracies' ranges over the seeds overlap (engine/torch_engine/spread.py)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.trainer.experiment_plots import ExperimentPlots
from app.trainer.sweep_plots import SweepPlots
from engine.torch_engine.spread import overlap_table

TABLE_COLUMNS = ("value", "against", "final test accuracy (min–max)", "overlap?")
READING_PT, TABLE_PT = 13, 10  # normal type; lecturer mode doubles both


def accuracy_range_text(s) -> str:
    if not s.n:
        return "—"
    if s.n == 1:
        return f"{100 * s.mean:.2f}% (1 seed)"
    return f"{100 * s.lo:.2f}–{100 * s.hi:.2f}% ({s.n} seeds)"


class ExperimentTab(QWidget):
    def __init__(self, experiment: ExperimentPlots, sweep: SweepPlots, parent=None):
        super().__init__(parent)
        self.experiment, self.sweep = experiment, sweep
        self.reading = QLabel()
        self.reading.setObjectName("reading")
        self.reading.setWordWrap(True)
        self.reading.hide()
        self.stack = QStackedWidget()
        self.stack.addWidget(experiment)
        self.stack.addWidget(sweep)
        self.table = QTableWidget(0, len(TABLE_COLUMNS))
        self.table.setObjectName("overlap_table")
        self.table.setHorizontalHeaderLabels(list(TABLE_COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setStretchLastSection(True)
        self.table_title = QLabel("Do two values differ beyond seed noise?")
        side = QWidget()
        col = QVBoxLayout(side)
        col.setContentsMargins(4, 0, 0, 0)
        col.addWidget(self.table_title)
        col.addWidget(self.table, 1)
        self.side = side
        row = QHBoxLayout()
        row.addWidget(self.stack, 3)
        row.addWidget(side, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.reading)
        lay.addLayout(row, 1)
        self.set_lecturer(False)
        self.show_sweep(False)

    def show_sweep(self, on: bool) -> None:
        """The sweep's plots and table, or the one-click experiments' plots."""
        self.stack.setCurrentWidget(self.sweep if on else self.experiment)
        self.side.setVisible(on)
        if not on:
            self.set_reading("")

    def current_scene(self):
        return self.stack.currentWidget()

    def set_reading(self, text: str) -> None:
        self.reading.setText(text)
        self.reading.setVisible(bool(text))

    def update_table(self) -> None:
        """The overlap table from the sweep's finished runs."""
        finals, labels = self.sweep.finals(), self.sweep.labels
        rows = overlap_table(finals)
        self.table.setRowCount(len(rows))
        for r, pair in enumerate(rows):
            cells = (
                labels[pair.a],
                labels[pair.b],
                f"{accuracy_range_text(finals[pair.a])} · {accuracy_range_text(finals[pair.b])}",
                pair.words,
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()

    def set_lecturer(self, on: bool) -> None:
        k = 2 if on else 1
        self.reading.setStyleSheet(
            f"font-size: {READING_PT * k}pt; font-weight: bold; padding: 6px;"
        )
        self.table.setStyleSheet(f"font-size: {TABLE_PT * k}pt;")
        self.table_title.setStyleSheet(f"font-size: {TABLE_PT * k}pt; font-weight: bold;")
        self.table.resizeRowsToContents()
