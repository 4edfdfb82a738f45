"""The Experiment tab: the one-click experiments' plots (LR and batch-size sweeps, the LR range
test: experiment_plots.py) or a sweep of any setting with repeated seeds and the preset
experiments (sweep_plots.py), whichever ran last. A sweep also gets its reading, one sentence from
the engine said above the plots, and a table beside them: for every two values, whether their
final test accuracies' ranges over the seeds overlap (engine/torch_engine/spread.py). Where the
plots would not keep their least width beside the tables (a 1366-px wall in lecturer mode: the
plots alone need about 1,190 px), the plots (with the key to their lines below them) and the
tables are two pages of the tab."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.shared.messages import plain_tip
from app.shared.screen import QWIDGETSIZE_MAX
from app.trainer.experiment_plots import ExperimentPlots
from app.trainer.sweep_plots import SweepPlots
from engine.torch_engine.spread import overlap_table

FINAL_COLUMNS = ("value", "mean", "min–max", "seeds")
PAIR_COLUMNS = ("value", "against", "over the seeds")
READING_PT, TABLE_PT, SIDE_WIDTH = 13, 10, 470  # normal: type sizes, the tables' width in px
LECTURER_SIZES = (26, 18, 640)  # the same in lecturer mode: the plots keep most of the wall
FIRST_HINT = (
    "No experiment yet. Choose one in the Setup panel's Experiments box, below the run settings "
    "(a preset: Ctrl+Shift+1, 2 or 3; a sweep of one setting: Ctrl+Shift+S)."
)
LOW_WALL = 700  # px: a tab lower than this (a 768-line projector) takes the reading smaller
KEY_LINES = "Solid: validation, dashed: training set (each epoch's end)"
KEY_SEEDS = "shading and bars: the seeds' lowest to highest"
KEY_STOPS = "★ the epoch early stopping kept, ✕ where it stopped"


def sweep_key(seeds: bool, stops: bool) -> str:
    """The key under a sweep's plots, naming only what they can draw: the bands and bars with
    more than one seed, the marks with early stopping. Short: under the plots it takes their
    height (the whole key took two lines on a 1366 wall, for marks a sweep without early
    stopping never draws)."""
    parts = [KEY_LINES] + [KEY_SEEDS] * seeds + [KEY_STOPS] * stops
    return "; ".join(parts) + "."


def final_cells(label: str, s) -> tuple[str, ...]:
    """A value's row: its final test accuracy over the seeds (a dash before any has finished)."""
    if not s.n:
        return (label, "—", "—", "0")
    spread = f"{100 * s.lo:.2f}–{100 * s.hi:.2f}%" if s.n > 1 else "— (one seed)"
    return (label, f"{100 * s.mean:.2f}%", spread, str(s.n))


def table(columns, name: str) -> QTableWidget:
    t = QTableWidget(0, len(columns))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(list(columns))
    t.verticalHeader().hide()
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.setWordWrap(True)
    t.setTextElideMode(Qt.TextElideMode.ElideNone)  # a long verdict wraps, never "differ: nearest…"
    head = t.horizontalHeader()
    head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    head.setStretchLastSection(True)
    # a column's new width (the tab laid out anew, lecturer mode's type) re-wraps the verdicts:
    # else a row kept one line's height and its words ran out of the table
    head.sectionResized.connect(lambda *_: t.resizeRowsToContents())
    return t


def fit_columns(t: QTableWidget) -> None:
    """Columns to their contents, the stretched one back to the room left, rows to their
    wrapped text. Fitting to contents widened the verdicts' stretched column past the table
    (584 px in 634 at lecturer type): a verdict ran out of sight instead of wrapping."""
    t.resizeColumnsToContents()
    t.horizontalHeader().resizeSections()
    t.resizeRowsToContents()


def fill(t: QTableWidget, rows) -> None:
    t.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(plain_tip(text))
            t.setItem(r, c, item)
    t.resizeRowsToContents()  # a long verdict wraps in its stretched column


class ExperimentTab(QWidget):
    def __init__(self, experiment: ExperimentPlots, sweep: SweepPlots, parent=None):
        super().__init__(parent)
        self.experiment, self.sweep = experiment, sweep
        self.reading = QLabel()
        self.reading.setTextFormat(Qt.TextFormat.PlainText)  # runs' names and labels in it
        self.reading.setObjectName("reading")
        self.reading.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(experiment)
        self.stack.addWidget(sweep)
        self.finals_table = table(FINAL_COLUMNS, "finals_table")
        self.table = table(PAIR_COLUMNS, "overlap_table")
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.titles = (
            QLabel("Final test accuracy over the seeds"),
            QLabel("Do two values differ beyond seed noise?"),
            QLabel(sweep_key(True, True)),
        )
        side = QWidget()
        col = QVBoxLayout(side)
        col.setContentsMargins(4, 0, 0, 0)
        col.addWidget(self.titles[0])
        col.addWidget(self.finals_table, 1)
        col.addWidget(self.titles[1])
        col.addWidget(self.table, 2)
        self.plots = QWidget()  # the plots with their line key below: they go together
        under = QVBoxLayout(self.plots)
        under.setContentsMargins(0, 0, 0, 0)
        under.addWidget(self.stack, 1)
        under.addWidget(self.titles[2])
        self.side, self.side_width, self._sweep_on = side, SIDE_WIDTH, False
        self.pages = QTabWidget()  # too narrow for both: the plots and the tables as two pages
        self.pages.setObjectName("experiment_pages")
        self.pages.hide()
        self._paged = False
        self.row = QHBoxLayout()
        self.row.addWidget(self.plots, 1)
        self.row.addWidget(side)
        self.row.addWidget(self.pages, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.reading)
        lay.addLayout(self.row, 1)
        self._lecturer, self._reading_pt = False, None
        self.set_lecturer(False)
        self.show_sweep(False)
        self.set_reading(FIRST_HINT)  # the tab was blank, and nothing said where to begin

    def show_sweep(self, on: bool) -> None:
        """The sweep's plots and table, or the one-click experiments' plots."""
        self.stack.setCurrentWidget(self.sweep if on else self.experiment)
        self._sweep_on = on
        self.side.setVisible(on)
        self.titles[2].setVisible(on)  # the key to a sweep's lines
        self.pages.setCurrentIndex(0)
        self._arrange()
        if not on:
            self.set_reading("")

    def set_key(self, seeds: bool, stops: bool) -> None:
        """The key to the sweep's lines for what it draws (sweep_key)."""
        self.titles[2].setText(sweep_key(seeds, stops))

    def set_value_name(self, name: str) -> None:
        """The tables' first columns say what the values are ("MLP hidden sizes", "cure")."""
        self.finals_table.setHorizontalHeaderItem(0, QTableWidgetItem(name or "value"))
        self.table.setHorizontalHeaderItem(0, QTableWidgetItem(name or "value"))

    def current_scene(self):
        return self.stack.currentWidget()

    def set_reading(self, text: str) -> None:
        self.reading.setText(text)
        self.reading.setVisible(bool(text))

    def update_table(self) -> None:
        """Both tables from the sweep's finished runs."""
        finals, labels = self.sweep.finals(), self.sweep.labels
        fill(
            self.finals_table, [final_cells(lab, f) for lab, f in zip(labels, finals, strict=True)]
        )
        fill(self.table, [(labels[p.a], labels[p.b], p.words) for p in overlap_table(finals)])
        judged = any(f.n > 1 for f in finals)  # one seed per value: no spread, no verdicts
        self.table.setVisible(judged)
        self.titles[1].setVisible(judged)
        QTimer.singleShot(0, self, self._arrange)  # the legend may have grown

    def _settle(self) -> None:
        for t in (self.finals_table, self.table):
            fit_columns(t)

    def set_lecturer(self, on: bool) -> None:
        _, table_pt, width = LECTURER_SIZES if on else (READING_PT, TABLE_PT, SIDE_WIDTH)
        self._lecturer = on
        self._fit_reading()
        for t in (self.finals_table, self.table):
            t.setStyleSheet(f"font-size: {table_pt}pt;")
            fit_columns(t)
        for title in self.titles:
            bold = "" if title is self.titles[2] else " font-weight: bold;"
            title.setStyleSheet(f"font-size: {table_pt}pt;{bold}")
            title.setWordWrap(True)
        self.side_width = width
        QTimer.singleShot(0, self, self._settle)  # the new type applies once they are polished
        self.sweep.redraw()  # its points, bars and legend column at the new type size
        self._arrange()

    def _fit_reading(self) -> None:
        """The reading's type: the lecturer's 26 pt, or its tables' 18 pt on a low wall (at 1366
        x 768 three lines of 26 pt left the plots about 70 px each)."""
        lecturer, low = self._lecturer, self.height() < LOW_WALL
        pt = (LECTURER_SIZES[1] if low else LECTURER_SIZES[0]) if lecturer else READING_PT
        if pt != self._reading_pt:
            self._reading_pt = pt
            self.reading.setStyleSheet(f"font-size: {pt}pt; font-weight: bold; padding: 6px;")

    def resizeEvent(self, ev) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(ev)
        self._fit_reading()
        self._arrange()

    def _arrange(self) -> None:
        """The tables beside the plots (side_width wide) when the plots keep their least width
        there; else the plots and the tables are two pages (Plots, Final accuracies). Squeezed,
        the plots were cut off under the tables; put below, they were a strip."""
        ci = getattr(self.stack.currentWidget(), "ci", None)
        need = ci.effectiveSizeHint(Qt.SizeHint.MinimumSize).width() + 8 if ci else 0
        beside = not self._sweep_on or self.width() - self.side_width >= need
        if beside and self._paged:
            self.pages.clear()  # the pages go; their widgets are kept
            self.row.insertWidget(0, self.plots, 1)
            self.row.insertWidget(1, self.side)
            self.pages.hide()
        elif not beside and not self._paged:
            self.pages.addTab(self.plots, "Plots")
            self.pages.addTab(self.side, "Final accuracies")
            self.pages.show()
        self._paged = not beside
        if beside:  # (a page is shown and hidden by its tab)
            self.plots.show()
            self.side.setVisible(self._sweep_on)
            self.side.setFixedWidth(self.side_width)
        else:
            self.side.setMinimumWidth(0)
            self.side.setMaximumWidth(QWIDGETSIZE_MAX)
