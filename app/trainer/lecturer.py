"""The trainer's lecturer mode, for a projector at the back of a room: app/shared/lecturer's
LecturerMode (the one mechanism both windows use) fills the screen, puts the whole window white on
black and puts everything back on leaving; here the docks give the plots the wall, the plots take
the large type, and a large line above the plots says the run's epoch, loss and test accuracy."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel

from app.shared.lecturer import LecturerMode, fill_screen
from app.shared.on_resize import on_resize
from app.shared.plot_style import plot_scale, style_scene
from app.shared.theme import LECTURER, Theme
from engine.torch_engine.curves import readout_text, run_of_job

READOUT_PT = 30  # the readout's type: readable from the back row
LOW_WINDOW, LOW_READOUT_PT = 850, 22  # a window lower than this (a 768-line projector): 22 pt
WIDE = 1.5  # a low window this many times as wide as high: the live plots in three columns


class TrainerLecture(LecturerMode):
    """Enters and leaves lecturer mode for a TrainerWindow `window`."""

    def __init__(self, window):
        super().__init__(window)
        self.readout = QLabel()
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        self.readout.setObjectName("readout")
        self.readout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.readout.setWordWrap(True)  # one line that did not fit set the window's least
        # width: at 1366 the window grew to 1565 px, its right column off the screen
        self.readout.hide()
        self._pt = None
        self._fit_type()

    def _fit_type(self) -> None:
        """30 pt, or 22 on a low wall: at 1366x768 the readout's two lines of 30 pt took 130 of
        the 768 px and left a sweep's plots about 80 px each."""
        pt = LOW_READOUT_PT if self.w.height() < LOW_WINDOW else READOUT_PT
        if pt != self._pt:
            self._pt = pt
            self.readout.setStyleSheet(f"font-size: {pt}pt; font-weight: bold;")

    def _fit_plots(self) -> None:
        """The live run's six plots in two rows of three on a low, wide wall (live_plots)."""
        w = self.w
        low = w.height() < LOW_WINDOW and w.width() >= WIDE * w.height()
        w.live.set_columns(3 if self.on and low else 2)

    def _one_line(self, text: str) -> str:
        """On a low wall, the run's name and its numbers in one line where the width allows."""
        if self._pt == READOUT_PT or "\n" not in text:
            return text
        one = text.replace("\n", "   ·   ")
        font = QFont(self.readout.font())
        font.setPointSizeF(self._pt)
        font.setBold(True)
        return one if QFontMetrics(font).horizontalAdvance(one) < self.w.width() - 40 else text

    def apply_theme(self, theme: Theme) -> None:
        w, on = self.w, theme is LECTURER
        w.theme = theme
        for scene in w.tabs.all_scenes():
            style_scene(scene, dark=on, scale=plot_scale(on))
        w.tabs.exp_tab.set_lecturer(on)
        w.insides.set_lecturer(on)
        self.readout.setVisible(on)

    def enter(self, rect: QRect | None) -> None:
        for dock in self.w.docks.values():  # the plots fill the wall; keys do the rest
            dock.setVisible(False)
        # a resize may change the wall's height, so the readout's type; watched only while on,
        # so that outside lecturer mode no Python runs on the window's events
        self._resized = on_resize(self.w, self.update)
        fill_screen(self.w, rect)
        self.update()

    def leave(self) -> None:
        self.w.removeEventFilter(self._resized)
        self._resized.deleteLater()
        self.w.live.set_columns(2)

    def update(self) -> None:
        """The large line from the live run's numbers (called by the window's redraw timer)."""
        if not self.on:
            return
        live, start = self.w.live, self.w.start_rec
        s, e = live.steps, live.evals
        epochs = start.total_steps / max(1, start.steps_per_epoch) if start else float("nan")
        self._fit_type()
        self._fit_plots()
        text = readout_text(
            float(s["epoch"][-1]) if len(s) else float("nan"),
            epochs,
            float(s["smooth"][-1]) if len(s) else float("nan"),
            float(e["test_acc"][-1]) if len(e) else None,
            run_of_job(*self.w.live_run, self.w.job.runs if self.w.job else 1),
            start.label_smoothing if start else 0.0,
        )
        self.readout.setText(self._one_line(text))
