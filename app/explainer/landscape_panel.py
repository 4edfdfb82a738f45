"""The Landscape panel: the loss over a plane as a heat map with a colour bar, the race on it
(landscape_race_view.py: each racer's path with the current step marked, Nesterov's look-ahead
points, the loss curves and the table), and the layer strip (landscape_strip.py: activation
spread and gradient norm per layer). It only draws what the engine computed
(engine/numpy_engine/landscape*.py); the controller (landscape_dock.py) runs the engine off the
GUI thread.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.shared.chrome import column_scroll
from app.shared.fields import ComboBox, DoubleSpinBox, SpinBox
from app.shared.on_resize import on_resize
from app.shared.plot_style import plot_scale, style_scene
from app.shared.theme import ERROR_RED, ERROR_RED_ON_BLACK
from app.shared.y_ticks import follow_log_ticks
from engine.numpy_engine.fmt import apart
from engine.numpy_engine.spec_race import MAX_RACE_STEPS, RaceSpec

from .landscape_inits import InitsView, symmetric, title
from .landscape_places import PlotPlaces
from .landscape_race_view import COLOURS, PATHS_Z, RaceView
from .landscape_strip import LayerStrip, decades

LOW_SCENE, LOW_SCALE = 380, 0.75  # px: a lower scene takes the lecturer's type at 3/4
MARKS_Z = PATHS_Z + 2 * len(COLOURS)  # the current step's marks above every racer's path
HEAT = pg.colormap.get("viridis")
DEFAULT_RACE = RaceSpec(("sgd", "momentum", "adam")).fields()  # a file without a race
LEAST_BAR = 0.01  # decades: the colour bar's least span (a flat plane's still reads)
HEADERS = ("optimizer", "η", "steps to\ntarget", "final\nloss", "diverged")  # two-line: at 1366
# the table was wider than its column ("divergec" and a scroll bar)


class LandscapePanel(QWidget):
    race_requested = Signal(str, str, int, str)  # optimizers, learning rates, steps, plane
    view_changed = Signal(float, float, float, float)  # the map's α and β ranges: refine there
    inits_requested = Signal(float)  # σ of the small normal: compare the schemes at step 0
    cancel_requested = Signal()  # stop the race, the grid or the comparison that runs
    pick_toggled = Signal(bool)  # pick the plane's two weights by clicking them (or stop)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.scene = pg.GraphicsLayoutWidget()
        self._build_plots()
        self.inits_view = InitsView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.scene, "Landscape")
        self.tabs.addTab(self.inits_view, "Inits at step 0")
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        side = QVBoxLayout()  # the controls, what was computed, the race table
        side.addLayout(self._build_controls())
        self.status = QLabel("Race the optimizers to draw the landscape.")
        self.here = QLabel("")  # the current step: its true loss and the loss at its projection
        self.key = QLabel("")  # each racer's colour, for the map and the curves alike
        for label in (self.status, self.key, self.here):
            label.setWordWrap(True)
            side.addWidget(label)
        side.addWidget(self.table, 1)
        self.race_view = RaceView(self.map, self.race, self.table, self.key, self.ahead)
        self._summary: tuple | None = None  # what the status line says of the landscape drawn
        self._said = ""  # the summary as last written (a later message replaces it)
        self.box = QWidget()
        self.box.setLayout(side)
        # a short dock (lecturer type on a 1080-line screen) scrolls the column: its fields
        # were squeezed under their height, one over the other, and the window grew past the
        # screen's bottom
        self.side = column_scroll(self.box)
        self.box.setAutoFillBackground(False)  # setWidget filled it in the light palette
        self.side.setStyleSheet("QScrollArea { background: transparent; }")
        self.side.viewport().setAutoFillBackground(False)  # the dock's own colour behind it
        self.side.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.side.setMaximumWidth(470)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.side)
        self.set_lecturer(False)

    def _build_controls(self) -> QGridLayout:
        """The race's fields, the plane (typed, or picked by clicking two weights), Race and
        Cancel, and the initialisations' σ with its button."""
        self._file_race = None  # the fields as the last file's race set them (use_race)
        self.optimizers = QLineEdit(DEFAULT_RACE[0])
        self.optimizers.setToolTip("optimizers to race, comma-separated (any of the eight)")
        self.lrs = QLineEdit()
        self.lrs.setPlaceholderText("usual learning rates")
        self.lrs.setToolTip("one learning rate per optimizer; empty: each one's usual value")
        self.steps = SpinBox()
        self.steps.setRange(1, MAX_RACE_STEPS)
        self.steps.setValue(DEFAULT_RACE[2])
        self.steps.setPrefix("steps ")
        self.plane = ComboBox()
        self.plane.setEditable(True)  # weights:L.J.I,L.J.I can be typed
        self.plane.addItems(["path", "random", "weights:1.0.0,1.0.1"])
        self.plane.setToolTip("path: PCA of the visited weights; random: seeded, filter-"
                              "normalised; weights:L.J.I,L.J.I: two weights in their units")  # fmt: skip
        self.pick = QPushButton("Pick two weights")
        self.pick.setCheckable(True)
        self.pick.setToolTip("click two edges (or filter cells) of the drawing: α, then β")
        self.pick.toggled.connect(self.pick_toggled)
        self.run = QPushButton("Race")
        self.run.clicked.connect(self._request)
        self.cancel = QPushButton("Cancel")
        self.cancel.setEnabled(False)
        self.cancel.clicked.connect(self.cancel_requested)
        self.sigma = DoubleSpinBox()
        self.sigma.setDecimals(4)
        self.sigma.setRange(0.0001, 10.0)
        self.sigma.setValue(0.01)
        self.sigma.setPrefix("σ ")
        self.sigma.setToolTip("the standard deviation of the small normal initialisation N(0, σ²)")
        self.inits = QPushButton("Inits at step 0")
        self.inits.setToolTip("zeros, N(0, σ²), Xavier and He on this net at step 0: each "
                              "layer's activations and gradients as histograms")  # fmt: skip
        self.inits.clicked.connect(lambda: self.inits_requested.emit(self.sigma.value()))
        grid = QGridLayout()
        rows = (("optimizers", self.optimizers), ("η", self.lrs), ("plane", self.plane),
                (None, self.pick), (None, (self.steps, self.run, self.cancel)),
                (None, (self.sigma, self.inits)))  # fmt: skip
        for r, (name, what) in enumerate(rows):
            if name:
                grid.addWidget(QLabel(name), r, 0)
            if isinstance(what, tuple):
                row = QHBoxLayout()
                for wgt in what:
                    row.addWidget(wgt)
                grid.addLayout(row, r, 1)
            else:
                grid.addWidget(what, r, 1)
        return grid

    def _build_plots(self) -> None:
        self.map = self.scene.addPlot(row=0, col=0, rowspan=3, title="loss over the plane")
        self.map.setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(HEAT)
        self.map.addItem(self.image)
        self._drawing = False
        self.map.sigRangeChanged.connect(self._range_changed)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=HEAT, label="log₁₀ loss",
                                   interactive=False)  # fmt: skip
        self.bar.setImageItem(self.image, insert_in=self.map)
        self.marks = pg.ScatterPlotItem(size=14, symbol="o", pen=pg.mkPen("k", width=2))
        self.ahead = pg.ScatterPlotItem(size=7, symbol="t", brush=pg.mkBrush("#ffffff"))
        self.you = pg.ScatterPlotItem(size=16, symbol="+", pen=pg.mkPen("#ff0000", width=3))
        self.start = pg.ScatterPlotItem([0], [0], size=12, symbol="s", brush=None,
                                        pen=pg.mkPen("k", width=2))  # fmt: skip
        for item in (self.marks, self.ahead, self.you, self.start):
            item.setZValue(MARKS_Z)
        self.race = self.scene.addPlot(row=0, col=1, title="loss per step")
        self.race.setLabel("bottom", "step")
        self.race.setLogMode(y=True)
        follow_log_ticks(self.race)
        decades(self.race, (0.1, 10.0))  # before a race: whole decades, not crowded minor ticks
        self.strip = LayerStrip(self.scene, row=1, col=1)  # and its label in row 2
        self.places = PlotPlaces(self.scene, self.map, self.race, self.strip)
        self.places.place(False)  # stacked until the scene's shape says otherwise
        self._scale = 1.0  # the plots' type scale now (type_scale)
        self._resized = on_resize(self.scene, self._scene_resized)

    def resizeEvent(self, ev) -> None:  # noqa: N802 (Qt)
        """The column as wide as its widest field needs (the lecturer's type is wider), plus
        the scroll bar it may show."""
        super().resizeEvent(ev)
        bar = self.side.verticalScrollBar().sizeHint().width()
        self.side.setMinimumWidth(
            min(self.box.minimumSizeHint().width() + bar, self.side.maximumWidth())
        )

    def type_scale(self) -> float:
        """The plots' type: the lecturer's, or three quarters of it in a low scene (a 768-line
        wall: at full size the loss per step and the layer strip were flat lines, and the three
        plots side by side did not fit the width)."""
        low = self.lecturer and 0 < self.scene.height() < LOW_SCENE
        return plot_scale(self.lecturer) * (LOW_SCALE if low else 1.0)

    def _scene_resized(self) -> None:
        if self.lecturer and self.type_scale() != self._scale:
            self.set_lecturer(True)  # the type for the new height
        self.places.refit()
        self.strip.refit()  # its norms a line for the new width

    def set_lecturer(self, on: bool) -> None:
        """Lecturer mode: black, the trainer's lecturer type size and pens; a wider side column."""
        self.lecturer = on
        self._scale = scale = self.type_scale()
        style_scene(self.scene, dark=on, scale=scale)
        self.race_view.set_lecturer(on)
        self.box.setStyleSheet("QLabel { color: white; }" if on else "")
        self.bar.axis.setTextPen("w" if on else "k")
        font = QFont()
        font.setPointSizeF(9 * scale)
        self.bar.axis.setStyle(tickFont=font)  # the colour bar's numbers at the plots' size
        self.bar.axis.label.setFont(font)
        self.side.setMaximumWidth(700 if on else 470)
        self.table.resizeColumnsToContents()
        self.inits_view.set_lecturer(on)
        self.strip.set_lecturer(on, scale)

    def _request(self) -> None:
        self.race_requested.emit(*self.race_fields())

    def race_fields(self) -> tuple[str, str, int, str]:
        """The race asked for: optimizers, learning rates, steps, plane."""
        return (self.optimizers.text(), self.lrs.text(), self.steps.value(),
                self.plane.currentText())  # fmt: skip

    def use_race(self, race) -> None:
        """A new network: its file's race (a RaceSpec: the one its description tells) in the
        fields, unless they hold what the user typed over that same race (the network is
        rebuilt by the standardise switch, the editor, a lesson's step). A file without one
        leaves what the user typed, but not the last file's race."""
        untouched = self._file_race is not None and self.race_fields() == self._file_race
        if race is not None and (race.fields() != self._file_race or untouched):
            values = race.fields()
        elif race is None and untouched:
            values = DEFAULT_RACE
        else:
            if race is None:
                self._file_race = None
            return
        names, lrs, steps, plane = values
        self.optimizers.setText(names)
        self.lrs.setText(lrs)
        self.steps.setValue(steps)
        self.plane.setCurrentText(plane)
        self._file_race = values if race is not None else None

    def set_busy(self, text: str) -> None:
        """A computation runs: Race and Inits wait, Cancel can stop it. A pressed button that
        is disabled hands the keys to the window, not to the next field (Qt's choice): Space,
        the step key, went into the σ field after Race and wiped it."""
        if any(b.hasFocus() for b in (self.run, self.inits)):
            self.window().setFocus()
        for b in (self.run, self.inits):
            b.setEnabled(False)
        self.cancel.setEnabled(True)
        self.status.setText(text)

    def set_idle(self) -> None:
        for b in (self.run, self.inits):
            b.setEnabled(True)
        self.cancel.setEnabled(False)

    def show_error(self, text: str, say_kept: bool = True) -> None:
        """A refusal or a failure, in red; with a landscape drawn it says that landscape is the
        last race's (a bad plane had replaced its summary, the old map and table still shown)."""
        self.set_idle()
        red = ERROR_RED_ON_BLACK if self.lecturer else ERROR_RED
        drawn = say_kept and self._summary is not None
        kept = "<br>The landscape shown is the last race's." if drawn else ""
        self.status.setText(f"<span style='color:{red}'>{html.escape(text)}</span>{kept}")

    def forget(self) -> None:
        """A new network: nothing drawn for the old one stays (map, paths, curves, table, and
        the axes: a race at η 1000 had left ±20000 and "PC1/PC2" over the next network's map,
        a 999-step race a step axis to 800 for 40 steps)."""
        self.image.clear()
        self.race_view.forget()
        self._summary = None
        for item in (self.marks, self.ahead, self.you):
            item.setData([], [])
        self.status.setText("Race the optimizers to draw the landscape.")
        self._drawing = True  # not a view change to refine
        for side in ("bottom", "left"):
            self.map.showLabel(side, False)  # the plane's axes are named by its next race
        self.map.setRange(xRange=(-0.5, 0.5), yRange=(-0.5, 0.5), padding=0)
        self._drawing = False
        self.bar.setLevels((0, 1))
        self.race.setXRange(0, 1, padding=0)
        decades(self.race, (0.1, 10.0))

    def use_plane(self, plane: str) -> None:
        """The plane picked by clicking two weights."""
        self.plane.setCurrentText(plane)

    # ---- the landscape ----
    def show_landscape(self, ls, table: list[dict], target: float) -> None:
        """Draw a Landscape (engine/numpy_engine/landscape_race.py) and its race table."""
        self.set_idle()
        self.tabs.setCurrentWidget(self.scene)
        a, b = ls.alpha, ls.beta
        self._drawing = True  # the range set here is not a view change to refine
        lo, hi = self.show_grid(a, b, ls.loss)
        self.map.setLabel("bottom", ls.plane.axes[0])
        self.map.setLabel("left", ls.plane.axes[1])
        self._draw_paths(ls, table)
        self.map.setRange(xRange=(a[0], a[-1]), yRange=(b[0], b[-1]), padding=0)
        self._drawing = False
        self.set_lecturer(self.lecturer)  # the new curves in the current look
        self._summary = (ls.plane.kind, len(a), len(b), lo, hi, target)
        self._say_summary()

    def _say_summary(self, if_shown: bool = False) -> None:
        """The landscape in one line; its target is half the start loss, the loss of step 1
        (full batch): "?" while a question hides that loss. `if_shown`: only over itself (not
        over a message that came after it)."""
        if self._summary is None:
            return
        if if_shown and self.status.text() != self._said:
            return
        kind, n_a, n_b, lo, hi, target = self._summary
        shown = "?" if self.race_view.asked == (1, True) else f"{target:.3g}"
        low, high = apart(10**lo, 10**hi)
        spread = f"loss {low} to {high}" if low != high else f"loss flat at {low} (to 8 digits)"
        self._said = (
            f"{kind} plane through the start · {n_a}×{n_b} grid · {spread} · "
            f"target {shown} (half the start loss)"
        )
        self.status.setText(self._said)

    def show_grid(self, a, b, loss) -> tuple[float, float]:
        """The heat map of log10 loss over α (columns) and β (rows); returns its (lo, hi)."""
        with np.errstate(all="ignore"):
            shown = np.log10(np.where(loss > 0, loss, np.nan))
        finite = shown[np.isfinite(shown)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        self.image.setImage(np.nan_to_num(shown, nan=hi, posinf=hi), levels=(lo, hi))
        self.image.setRect(QRectF(a[0], b[0], a[-1] - a[0], b[-1] - b[0]))
        mid, half = (lo + hi) / 2, max((hi - lo) / 2, LEAST_BAR / 2)
        self.bar.setLevels((mid - half, mid + half))  # a flat plane's bar kept no numbers
        return lo, hi

    def _range_changed(self, *_) -> None:
        if not self._drawing:
            (x0, x1), (y0, y1) = self.map.viewRange()
            self.view_changed.emit(x0, x1, y0, y1)

    def _draw_paths(self, ls, table: list[dict]) -> None:
        for item in (self.marks, self.ahead, self.you, self.start):
            if item.getViewBox() is None:
                self.map.addItem(item)
        self.race_view.draw(ls, table, self.lecturer)

    # ---- the current step ----
    def show_step(
        self,
        t: int,
        here: tuple[float, float, float, float] | None,
        asking: bool = False,
        hide_loss: bool = False,
    ) -> None:
        """Mark the weights before step t (t − 1 steps done) on every path, and the window's own
        weights (here: α, β, true loss, loss at the projection) with a red cross. `asking`: a
        question asks a number of this step (the paths' hovers hide what _tip says);
        `hide_loss`: the two losses read "?" too; the race shows what came before them
        (landscape_race_view.py)."""
        if self.race_view.ask(t, asking, hide_loss):
            self._say_summary(if_shown=True)
        xs, ys = self.race_view.marks(t)
        self.marks.setData(xs, ys, brush=[pg.mkBrush(COLOURS[k % len(COLOURS)])
                                           for k in range(len(xs))])  # fmt: skip
        if here is None:
            self.you.setData([], [])
            self.here.setText("")
            return
        a, b, true, on = here
        self.you.setData([a], [b])
        true, on = ("?", "?") if hide_loss else (f"{true:.4g}", f"{on:.4g}")
        self.here.setText(
            f"step {t}: the weights before it (red +) at ({a:.4g}, {b:.4g}); true loss "
            f"{true}, loss at its projection on the plane {on}"
        )

    def show_inits(self, compared: dict) -> None:
        """{scheme: InitLayer per layer} (engine landscape_depth.init_compare): the histograms
        in their tab, and each layer's spread in the status."""
        self.set_idle()
        sigma = self.sigma.value()
        self.inits_view.show_compared(compared, sigma)
        self.tabs.setCurrentWidget(self.inits_view)
        flat = [title(s, sigma) for s, layers in compared.items() if symmetric(layers)]
        note = f"; {', '.join(flat)}: every unit of a layer the same, forever" if flat else ""
        self.status.setText(f"initialisations compared at step 0 (σ = {sigma:g}){note}")
