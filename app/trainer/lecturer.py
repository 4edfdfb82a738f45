"""The trainer's lecturer mode, for a projector at the back of a room: the window fills the screen
(app/shared/lecturer.fill_screen, the explainer's one mechanism), the docks and menu give the
plots the wall, everything is white on black, and a large line above the plots says the run's
epoch, loss and test accuracy. Leaving puts back exactly what was there before: the geometry,
the window state, the docks, the normal look."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel

from app.shared.lecturer import fill_screen
from app.shared.theme import LECTURER, NORMAL
from app.trainer.plot_style import plot_scale, style_scene
from engine.torch_engine.curves import readout_text

READOUT_PT = 30  # the readout's type: readable from the back row

# Qt's style sheets do not pass colours down to child widgets: every kind the trainer shows on
# its toolbar, tabs and plot rows is named, so none is left light grey with white type.
DARK_WIDGETS = (
    "QToolBar, QTabWidget::pane, QTabBar, QWidget#readout {{ background: {bg}; border: none; }}"
    "QToolBar QToolButton, QLabel, QCheckBox, QTabBar::tab {{ color: {fg}; background: {bg}; }}"
    "QTabBar::tab {{ padding: 6px 14px; border: 1px solid #555555; }}"
    "QTabBar::tab:selected {{ background: #333333; border-bottom: 3px solid {fg}; }}"
    "QCheckBox::indicator {{ border: 2px solid {fg}; width: 18px; height: 18px; }}"
    "QCheckBox::indicator:checked {{ background: {fg}; }}"
    "QComboBox, QSpinBox, QLineEdit, QPushButton {{ color: {fg}; background: #222222;"
    " border: 1px solid #888888; }}"
    "QProgressBar {{ background: #222222; border: 1px solid #888888; }}"
    "QProgressBar::chunk {{ background: #56b4e9; }}"
    "QTableWidget {{ color: {fg}; background: {bg}; gridline-color: #555555; }}"
    "QHeaderView::section {{ color: {fg}; background: #222222; border: 1px solid #555555; }}"
    "QHeaderView, QTableCornerButton::section {{ background: {bg}; border: none; }}"
)


def lecturer_style() -> str:
    t = LECTURER
    return t.stylesheet() + DARK_WIDGETS.format(bg=t.window, fg=t.text)


class TrainerLecture(QObject):
    """Enters and leaves lecturer mode for a TrainerWindow `window`."""

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.on = False
        self._saved: tuple | None = None  # geometry, state, window state, menu bar shown
        self.readout = QLabel()
        self.readout.setObjectName("readout")
        self.readout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.readout.setStyleSheet(f"font-size: {READOUT_PT}pt; font-weight: bold;")
        self.readout.hide()

    def set(self, on: bool) -> None:
        if on == self.on:
            return
        w = self.w
        if on:
            self._saved = (w.geometry(), w.saveState(), w.windowState(), w.menuBar().isVisible())
        self.on = on
        w.theme = LECTURER if on else NORMAL
        w.setStyleSheet(lecturer_style() if on else "")
        for scene in w.tabs.all_scenes():
            style_scene(scene, dark=on, scale=plot_scale(on))
        w.tabs.exp_tab.set_lecturer(on)
        w.insides.set_lecturer(on)
        self.readout.setVisible(on)
        if on:
            w.menuBar().setVisible(False)
            for dock in w.docks.values():  # the plots fill the wall; keys do the rest
                dock.setVisible(False)
            fill_screen(w)
            self.update()
        else:
            geometry, state, window_state, menu = self._saved
            w.menuBar().setVisible(menu)
            w.showNormal()
            w.setWindowState(window_state)
            w.setGeometry(geometry)
            w.restoreState(state)  # dock sizes, places and visibility

    def update(self) -> None:
        """The large line from the live run's numbers (called by the window's redraw timer)."""
        if not self.on:
            return
        live, start = self.w.live, self.w.start_rec
        s, e = live.steps, live.evals
        epochs = start.total_steps / max(1, start.steps_per_epoch) if start else float("nan")
        self.readout.setText(
            readout_text(
                float(s["epoch"][-1]) if len(s) else float("nan"),
                epochs,
                float(s["smooth"][-1]) if len(s) else float("nan"),
                float(e["test_acc"][-1]) if len(e) else None,
            )
        )
