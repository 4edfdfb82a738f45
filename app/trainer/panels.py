"""The trainer's two big pieces: the side panel (data, run settings, run / stop, experiments)
and the plot tabs (live run, compare runs, experiment) with their controls. Built here, wired by
the window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.shared.fields import ComboBox, Slider
from app.shared.plot_style import style_scene
from app.trainer.compare_plots import ComparePlots
from app.trainer.data_box import DataBox
from app.trainer.experiment_box import ExperimentBox
from app.trainer.experiment_plots import ExperimentPlots
from app.trainer.experiment_tab import ExperimentTab
from app.trainer.live_plots import LivePlots
from app.trainer.settings_form import SettingsForm
from app.trainer.sweep_plots import SweepPlots
from engine.torch_engine.curves import X_AXES


def boxed(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    QVBoxLayout(box).addWidget(widget)
    return box


class SidePanel(QWidget):
    """Data, run settings and experiments in a scroll area, with Run and Stop pinned under it:
    on a 768-pixel screen the form is taller than the dock, and the button it is for stays in
    sight."""

    def __init__(self, data_dir=None, parent=None):
        super().__init__(parent)
        self.data = DataBox(data_dir)
        self.form = SettingsForm()
        self.experiments = ExperimentBox()
        self.run_button = QPushButton("Run  (Ctrl+Return)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        side = QWidget()
        lay = QVBoxLayout(side)
        lay.addWidget(boxed("Data", self.data))
        lay.addWidget(boxed("Run settings", self.form))
        lay.addWidget(boxed("Experiments (runs that differ in one value)", self.experiments))
        lay.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(side)
        # no sideways scrolling for the form; long messages (the data box's) wrap instead of
        # widening the window past a laptop's screen
        self.scroll.setMinimumWidth(min(side.sizeHint().width(), 420) + 24)
        row = QHBoxLayout()
        row.setContentsMargins(9, 6, 9, 6)
        row.addWidget(self.run_button, 2)
        row.addWidget(self.stop_button, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.scroll, 1)
        outer.addLayout(row)


class PlotTabs(QTabWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.live, self.compare, self.experiment = LivePlots(), ComparePlots(), ExperimentPlots()
        self.sweep = SweepPlots()  # a sweep of any setting with repeats, a preset experiment
        self.exp_tab = ExperimentTab(self.experiment, self.sweep)
        for scene in self.all_scenes():  # white, whatever pyqtgraph's global defaults say
            style_scene(scene, dark=False)
        self.smoothing = Slider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(90)
        self.smoothing.setMaximumWidth(220)
        self.smoothing.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no change on a stray wheel
        self.x_axis = ComboBox()
        self.x_axis.addItems(list(X_AXES))
        self.log_box = QCheckBox("log y axis (L)")  # the window puts it on its toolbar
        self.addTab(self._with_row(self.live, QLabel("smoothing"), self.smoothing), "Live run")
        self.addTab(
            self._with_row(
                self.compare,
                QLabel("x axis"),
                self.x_axis,
                QLabel("tick runs in the run list (R shows it) to overlay them"),
            ),
            "Compare runs",
        )
        self.addTab(self.exp_tab, "Experiment")

    @staticmethod
    def _with_row(plots, *controls) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        for c in controls:
            row.addWidget(c)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(plots, 1)
        return w

    def scenes(self):
        """The three tabs' plot scenes, in tab order (the Experiment tab's: the one it shows)."""
        return (self.live, self.compare, self.exp_tab.current_scene())

    def all_scenes(self):
        """Every plot scene, shown or not (a change of look reaches them all)."""
        return (self.live, self.compare, self.experiment, self.sweep)
