"""The Landscape dock's controller: it runs the race and the grid off the GUI thread (a superqt
worker, `errored` connected as well as `returned`), keeps the result only while the window still
shows the network it was computed for, and marks the window's current step on it (throttled).

Hooked into the window with one call, `add_landscape_dock(window)`, before the View menu's panel
list is made; it starts closed, below the drawing (View → Landscape panel opens it).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget
from superqt.utils import create_worker, qthrottled

from app.shared.theme import LECTURER

from .landscape_panel import LandscapePanel
from .landscape_pick import WeightPick

MAX_STRIP_WORK = 50_000_000  # multiply-adds the GUI thread may spend on the strip or the marker


def compute(net, names: str, lrs: str, steps: int, plane: str, stop=None):
    """(Landscape, race table, target): the engine's work, run in the worker thread."""
    from engine.numpy_engine.landscape_race import landscape, parse_racers, race_table

    rs = parse_racers(names, lrs, net)
    ls = landscape(net, rs, steps, plane, side=41, stop=stop)
    target = 0.5 * float(ls.paths[0].losses[0])
    return ls, race_table(ls.paths, target), target


class LandscapeDock(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.panel = LandscapePanel()
        self.dock = QDockWidget("Landscape")
        self.dock.setObjectName("landscape")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()  # opened from View → Landscape panel; the usual layout stays as it was
        self.worker = None
        self.stop = threading.Event()  # set by Cancel (or the window closing): the engine stops
        self.result = None  # (Landscape, the Network it was computed for)
        self._asked = None  # the event a question asked when the step was last marked
        self.pick = WeightPick(window)
        self.panel.pick_toggled.connect(window.guard(self._pick))
        self.pick.said.connect(self.panel.status.setText)
        self.pick.picked.connect(self.panel.use_plane)
        self.pick.ended.connect(lambda: self.panel.pick.setChecked(False))
        self.panel.cancel_requested.connect(self.stop.set)
        self.sync = qthrottled(window.guard(self._sync), timeout=100)
        self.panel.race_requested.connect(window.guard(self.request))
        self.panel.inits_requested.connect(window.guard(self.compare_inits))
        self.refine = qthrottled(window.guard(self._refine), timeout=300)
        self.panel.view_changed.connect(self.refine)
        window.explainer.changed.connect(self.sync)
        self.dock.visibilityChanged.connect(window.guard(self._shown))
        self.dock.toggleViewAction().triggered.connect(window.guard(self._from_menu))
        window.explainer.network_changed.connect(window.guard(self.clear))
        window.installEventFilter(self)

    # ---- the race, off the GUI thread ----
    def request(self, names: str, lrs: str, steps: int, plane: str) -> None:
        net = self.w.explainer.net
        if net is None or self.worker is not None:
            return
        self._begin(f"Racing {names} for {steps} steps and computing the grid…")
        self.worker = create_worker(
            compute, net, names, lrs, steps, plane, stop=self.stop.is_set, _start_thread=False,
            _connect={"returned": lambda res: self._done(net, res), "errored": self._failed,
                      "finished": self._finished},
        )  # fmt: skip
        self.worker.start()

    def _done(self, net, res) -> None:
        if net is not self.w.explainer.net:  # the window moved on: the result is stale
            self.panel.show_error("The network changed while racing; race again.")
            return
        ls, table, target = res
        self.result = (ls, net)
        self.panel.show_landscape(ls, table, target)
        self._sync()

    def _refine(self, x0: float, x1: float, y0: float, y1: float) -> None:
        """The view was zoomed or panned: a new grid over what it shows, off the GUI thread."""
        from engine.numpy_engine.landscape_race import grid_over

        ex = self.w.explainer
        if self.result is None or self.result[1] is not ex.net or self.worker is not None:
            return
        net, plane = ex.net, self.result[0].plane
        self._begin("Refining the grid over the view…")
        self.worker = create_worker(
            grid_over, net, plane, (x0, x1), (y0, y1), stop=self.stop.is_set, _start_thread=False,
            _connect={"returned": lambda g: self._refined(net, g), "errored": self._failed,
                      "finished": self._finished},
        )  # fmt: skip
        self.worker.start()

    def compare_inits(self, sigma: float) -> None:
        """The four initialisations of this net at step 0, computed off the GUI thread."""
        from engine.numpy_engine.landscape_depth import init_compare

        net = self.w.explainer.net
        if net is None or self.worker is not None:
            return
        self._begin("Comparing zeros, N(0, σ²), Xavier and He at step 0…")
        self.worker = create_worker(
            init_compare, net, sigma=sigma, stop=self.stop.is_set, _start_thread=False,
            _connect={"returned": lambda res: self._inits(net, res), "errored": self._failed,
                      "finished": self._finished},
        )  # fmt: skip
        self.worker.start()

    def _inits(self, net, compared) -> None:
        if net is self.w.explainer.net:
            self.panel.show_inits(compared)
        else:
            self.panel.show_error("The network changed while comparing; compare again.")

    def _begin(self, text: str) -> None:
        self.stop.clear()
        self.panel.set_busy(text)

    def _refined(self, net, grid) -> None:
        self.panel.set_idle()
        if self.result is not None and net is self.result[1] is self.w.explainer.net:
            self.panel.show_grid(*grid)
            self.panel.status.setText("Grid refined over the view.")

    def _pick(self, on: bool) -> None:
        if on and self.w.explainer.net is not None:
            self.pick.start()
        else:
            self.pick.cancel()
            self.panel.pick.setChecked(False)

    def _failed(self, exc: BaseException) -> None:
        from engine.numpy_engine.landscape_forward import Cancelled

        if isinstance(exc, Cancelled):
            self.panel.show_error("Cancelled; the landscape is as it was.", say_kept=False)
            return
        if isinstance(exc, ValueError):  # the engine's refusals: one plain sentence
            self.panel.show_error(str(exc))
            return
        from app.shared.errors import log_exception, plain_message

        path = log_exception(type(exc), exc, exc.__traceback__)
        self.panel.show_error(f"The race failed: {plain_message(exc)} (details in {path})")

    def _finished(self) -> None:
        self.worker = None

    def wait(self, ms: int = 10_000) -> None:
        """Stop a running race, grid or comparison and let its thread end (the window closes, a
        test ends)."""
        from PySide6.QtCore import QThreadPool

        if self.worker is not None:
            self.stop.set()
        QThreadPool.globalInstance().waitForDone(ms)

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 (Qt)
        if obj is self.w and ev.type() == QEvent.Type.Close:
            self.wait()
        elif obj is self.w and ev.type() == QEvent.Type.StyleChange:  # lecturer mode on or off
            on = self.w.theme is LECTURER
            if on != self.panel.lecturer:
                self.panel.set_lecturer(on)
        return False

    def _shown(self, on: bool) -> None:
        """Opened: the current step marked."""
        if on:
            self.sync()

    def _from_menu(self) -> None:
        """View → Landscape panel ticked: opened as `open` opens it. Qt alone showed it beside the
        Plots, a third of their width: at 1366 × 768 its map was 150 px wide. (PySide sends
        `triggered` without its argument to a wrapped slot, so the tick is read here.)"""
        if self.dock.toggleViewAction().isChecked():
            self.open()

    def open(self) -> None:
        """Show the dock with room for the map: tabbed over the Plots below the drawing (their
        full width), half the window's height. A dock the user moved elsewhere stays there."""
        w, plots, dock = self.w, self.w.docks["Plots"], self.dock
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        beside = w.dockWidgetArea(plots) == bottom and w.dockWidgetArea(dock) == bottom
        if (
            beside
            and plots.isVisible()
            and not plots.isFloating()
            and not dock.isFloating()
            and dock not in w.tabifiedDockWidgets(plots)
        ):
            w.tabifyDockWidget(plots, dock)
        self.dock.show()
        self.dock.raise_()
        QTimer.singleShot(0, w.guard(self._room))  # once the dock is laid out

    def _room(self) -> None:
        if self.dock.isVisible() and not self.dock.isFloating():
            self.w.resizeDocks([self.dock], [self.w.height() // 2], Qt.Orientation.Vertical)

    # ---- the current step ----
    def clear(self) -> None:
        self.pick.cancel()  # a new network: the weights being picked belong to the old one
        net = self.w.explainer.net
        self.panel.use_race(net.spec.race if net is not None else None)  # the file's race
        self.panel.forget()  # also after a cancelled race: its "Cancelled" went with it
        self.result = None
        self.panel.show_step(0, None)
        self._sync()

    def follow_question(self) -> None:
        """The window's refresh calls this: a question asked or answered since the last mark
        marks the step again (its number hidden, or shown)."""
        if self.dock.isVisible() and self.w.lessons.asked_event() is not self._asked:
            self.sync()

    def _sync(self) -> None:
        ex = self.w.explainer
        if ex.net is None or not self.dock.isVisible():
            return
        # a question's number: the step's loss (true loss at the cross) or a gradient's
        self._asked = asked = self.w.lessons.asked_event()
        hide_loss = self.w.lessons.hides_loss()
        from engine.numpy_engine.landscape_depth import layer_strip
        from engine.numpy_engine.landscape_forward import work
        from engine.numpy_engine.landscape_race import locate

        state = ex.current.before
        if self.result is not None and self.result[1] is ex.net:
            small = work(ex.net.model, len(ex.net.data.inputs), 2) <= MAX_STRIP_WORK
            here = locate(ex.net, self.result[0].plane, state.params) if small else None
            self.panel.show_step(ex.current.t, here, asked is not None, hide_loss)
        if work(ex.net.model, ex.net.batch_size(), 2) <= MAX_STRIP_WORK:
            # the step's gradients come in its backward phase: a question before them (forward,
            # loss, backward) leaves the strip's norms out (one weight's is |δ·x|, and δ tells a)
            early = asked is not None and asked.phase != "update"
            self.panel.strip.show(layer_strip(ex.net, state), hide_grads=early)


def add_landscape_dock(window) -> LandscapeDock:
    """The Landscape dock, closed, listed in window.docks (so View lists it)."""
    ctl = LandscapeDock(window)
    window.docks["Landscape"] = ctl.dock
    return ctl
