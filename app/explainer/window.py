"""The explainer window (one of the app's two views). It composes the widgets, wires them to the Explainer, and owns the menus,
keys, lecturer mode and session restore. It computes nothing."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QDockWidget,
    QInputDialog,
    QMainWindow,
    QStackedWidget,
    QTabWidget,
    QToolBar,
)

from app.shared.actions import Action, install
from app.shared.chrome import column_scroll, flat_chrome
from app.shared.errors import guarded
from app.shared.lecturer import AutoHide
from app.shared.messages import open_box
from app.shared.screen import restore_geometry, saved_bytes
from app.shared.theme import NORMAL
from engine.numpy_engine.fmt import num

from . import first_layout, last_session
from .ahead import Ahead, next_positions
from .cell_pick import Picker, pick
from .code_panel import add_code_dock
from .controls import StepControls
from .conv_view import ConvView
from .data_panel import DataPanel
from .editor_panel import EditorPanel
from .event_list import EventList
from .event_list import wire as wire_events
from .explainer import Explainer
from .formula_panel import FormulaPanel
from .gradcheck_dialog import GradCheckDialog
from .landscape_dock import add_landscape_dock
from .landscape_standardise import add_standardise_switch
from .lecturer_layout import LecturerLayout
from .lesson_mode import LessonMode
from .network_view import NetworkView
from .plot_redraws import PlotRedraws
from .plots_panel import PlotsPanel
from .scene_state import tooltip, view_state
from .wall_notice import WallNotice
from .welcome import Welcome
from .window_actions import add_panel_actions, explainer_actions
from .window_files import FileDialogs

SWITCH_INTERVAL_S = 0.0005


class ExplainerWindow(FileDialogs, PlotRedraws, QMainWindow):
    view_requested = Signal(str)  # "trainer": the app shows that view
    trainer_action_requested = Signal(str)  # a lesson's step: the trainer's action of that name

    def __init__(self, settings_dir: str | Path, restore: bool = True):
        super().__init__()
        self.setWindowTitle("Backprop Studio — explainer")
        self.settings_dir = Path(settings_dir)
        self.settings = QSettings(
            str(self.settings_dir / "settings.ini"), QSettings.Format.IniFormat
        )
        self.theme = NORMAL
        self.last_error = ""
        self.dialogs: list = []
        self.explainer = Explainer(self)
        self.view = NetworkView(self.theme)
        self.view.tooltip_provider = self.guard(
            lambda item_id: tooltip(self.explainer, item_id, self.lessons.asked_event())
        )
        self.conv_view = ConvView(self.theme)  # image nets: maps as grids of cells
        self.stack = self._central()
        self.formula = FormulaPanel(self.theme)
        self.data_panel = DataPanel()
        self.editor = EditorPanel()
        self.plots = PlotsPanel()
        self.events = EventList()  # the step's events by phase, layer and unit
        self.controls = StepControls()
        self.toolbar = QToolBar("Stepping")
        self.toolbar.setObjectName("stepping")
        self.toolbar.addWidget(self.controls)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.docks = self._docks()
        self.landscape = add_landscape_dock(self)  # the optimizer lab (View → Landscape panel)
        self.standardise = add_standardise_switch(self)  # a switch in the Data tab
        self.lessons = LessonMode(self)  # the lesson player's dock and prediction mode
        add_code_dock(self)  # the current event's NumPy and PyTorch lines
        self.wall_notice = WallNotice(self)  # the status line's messages on the wall
        self.lecture = LecturerLayout(self)  # lecturer mode: its layout, and leaving it
        self.table = self.actions_table()
        self.qactions = install(self, self.table)
        add_panel_actions(self, self.docks)
        self.toolbar.addAction(self.qactions["to_trainer"])
        self.welcome = Welcome(self.stack, self.settings)  # first run only
        for first in ("next", "step"):  # Space or N: the first step is found
            self.qactions[first].triggered.connect(self.welcome.dismiss)
        self.autohide = AutoHide(self)
        flat_chrome(self, self.theme)  # scroll bars, tool bar, tab pane: flat, cheap to paint
        # The training thread holds the GIL between its switches; a short switch interval lets
        # the GUI thread's Python callbacks in quickly (measured in bench/gui_latency.py).
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.plot_timer = QTimer(self)  # redraw plots from a timer, never per record
        self.plot_timer.setInterval(100)
        self.plot_timer.timeout.connect(self.guard(self._redraw_plots))
        self.plot_timer.start()
        self._plots_dirty = True
        self._loss_hidden = False  # a forward or loss question: its loss point and the map wait
        self._live_ticks = 0
        self._grid_for: object = None
        self._wire()
        room = self.screen().availableGeometry()  # a wider first window where the screen has room
        self.resize(first_layout.first_width(room.width()), 950)
        restored = self._restore() if restore else False
        if not restored:  # the first layout: the drawing gets the room, the plots a strip
            QTimer.singleShot(0, self._default_layout)

    def _docks(self) -> dict[str, QDockWidget]:
        """The formula on the right, data and network setup on the left, the plots below."""
        docks = {}
        tabs = QTabWidget()
        data = column_scroll(self.data_panel)  # a long description scrolls in a short dock
        tabs.addTab(data, "Data")
        tabs.addTab(self.editor, "Network")  # it scrolls inside; its Apply bar stays visible
        self.editor.pending_changed.connect(
            lambda on: tabs.setTabText(1, "Network ●" if on else "Network")
        )
        for name, widget, area in (
            ("Formula", self.formula, Qt.DockWidgetArea.RightDockWidgetArea),
            ("Setup", tabs, Qt.DockWidgetArea.LeftDockWidgetArea),
            ("Plots", self.plots, Qt.DockWidgetArea.BottomDockWidgetArea),
            ("Events", self.events, Qt.DockWidgetArea.LeftDockWidgetArea),
        ):
            dock = QDockWidget(name)
            dock.setObjectName(name.lower())
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            docks[name] = dock
        return docks

    def _central(self) -> QStackedWidget:
        stack = QStackedWidget()
        stack.addWidget(self.view)
        stack.addWidget(self.conv_view)
        self.setCentralWidget(stack)
        return stack

    def _default_layout(self) -> None:
        first_layout.arrange(self)

    # ---- wiring ----
    def guard(self, fn):
        """`fn` for a slot: an exception is logged and shown, never passed to Qt's event loop."""
        return guarded(fn, self.show_error)

    def _wire(self) -> None:
        ex, c, g = self.explainer, self.controls, self.guard
        ex.changed.connect(g(self.refresh))
        ex.network_changed.connect(g(self._rebuild))
        ex.hand_edited.connect(self._name_loaded)  # the preset box: "changed: <name>"
        ex.losses_changed.connect(self._mark_plots)
        ex.error.connect(self.show_error)
        ex.exploded.connect(g(self.explosion))
        ex.info.connect(lambda t: self.statusBar().showMessage(t, 8000))
        ex.training_changed.connect(g(self._training_changed))
        c.back.connect(g(ex.back))
        c.next.connect(g(ex.next))
        c.home.connect(g(ex.home))
        c.end.connect(g(ex.end))
        c.phase.connect(g(self.lessons.jump_phase))  # asked in prediction mode
        c.next_step.connect(g(self.lessons.next_training_step))
        c.train_toggled.connect(g(self.set_training))
        c.train_speed.connect(g(ex.set_train_speed))
        self.view.edit_weight.connect(g(self.edit_weight))
        self.picker = Picker()  # a pixel (or unit) and a unit: that weight's gradient
        self.conv_view.cell_clicked.connect(
            g(lambda *hit: pick(ex, self.picker, *hit, self.statusBar().showMessage))
        )
        self.view.edit_bias.connect(g(self.edit_bias))
        self.data_panel.preset_chosen.connect(g(self.open_network))
        # a refused dataset leaves the box showing the data in use, not the refused name
        self.data_panel.dataset_chosen.connect(g(lambda n: ex.use_dataset(n) or self._dataset()))
        self.data_panel.csv_requested.connect(g(self.import_csv_dialog))
        self.editor.applied.connect(g(self.apply_editor))
        wire_events(self)  # the sample choice and the Events panel
        self.ahead = Ahead(self)  # the next key's work, done while the keys pause

    def actions_table(self) -> list[Action]:
        """Every action of this window, once: menus, shortcuts and the keys help read it."""
        return explainer_actions(self)

    def chrome(self):
        """What lecturer mode hides while the mouse is still: the step controls, floating over
        the drawing (the menus, the status bar, the setup and the events stay hidden for the whole
        lecture; the formula and the side plot stay: they are what the room reads)."""
        return [self.toolbar]

    # ---- showing ----
    def _rebuild(self) -> None:
        ex = self.explainer
        names = ex.net.data.input_names or ()
        self.stack.setCurrentWidget(self.conv_view if self._images() else self.view)
        if not self._images():
            m = ex.net.model
            self.view.build(m.sizes, names, [d.kind for d in m.layers], m.activations)
        self.editor.set_spec(ex.spec)
        self.data_panel.set_description(ex.spec.description or ex.spec.name)
        self._name_loaded()
        self._dataset()
        d = ex.net.data
        image = ex.net.model.layers[0].in_shape if self._images() else ()
        self.plots.set_data(d.inputs, d.targets, d.task, image)
        self._grid_for = None
        self._mark_plots()

    def _name_loaded(self) -> None:
        ex = self.explainer
        self.data_panel.show_loaded(ex.source, ex.spec, ex.from_preset, ex.edited)

    def _dataset(self) -> None:
        data = self.explainer.spec.data
        self.data_panel.show_dataset(data.dataset if data is not None else None)

    def refresh(self) -> None:
        ex = self.explainer
        if ex.net is None:
            return
        self.lessons.settle()  # a question stepped away from is withdrawn before the drawing
        if self._images():
            self.conv_view.show_state(self.lessons.conv(self.ahead.conv_state(ex)))
        else:
            self.view.show_state(self.lessons.view(view_state(ex)))
        r = ex.current
        self.lessons.sync()  # a question's number stays hidden in the formula and the events
        hide_loss = self.lessons.hides_loss()  # in the position and the loss curve
        self.data_panel.set_description(
            self.lessons.description(ex.spec.description or ex.spec.name)
        )
        loss = "?" if hide_loss else num(r.loss)
        pos = f"step {r.t} · {ex.position_text()} · {r.mode} · loss {loss}"
        named = ex.filter.applies_to(r) is not None  # the position names the chosen sample
        self.formula.show_event(ex.event, pos, self._ahead, named)  # ahead: when keys pause
        self.code.follow()  # its number hidden too, while asked
        self.landscape.follow_question()  # and in the Landscape dock's losses and gradients
        self.controls.set_position(pos)
        if self._grid_for is not r or hide_loss != self._loss_hidden:
            if hide_loss != self._loss_hidden:  # the y range would keep the hidden point's top
                self.plots.fit_next()
            self._loss_hidden = hide_loss
            self._mark_plots()

    def _ahead(self):
        """The events the keys go to from here (ahead.next_positions) and Space twice, the
        likeliest first: the formula typesets them ahead, taking one a turn of the event loop
        (each is built as it is taken: building one costs up to 2 ms)."""
        ex, r = self.explainer, self.explainer.current
        spans, out = ex.visible(), next_positions(ex)
        nxt = spans.next_after(ex.event_index)
        after = spans.next_after(nxt) if nxt is not None else None
        if after is not None:
            out.insert(1, after)
        return (r.events[k] for k in dict.fromkeys(out))

    def _images(self) -> bool:
        return self.explainer.net is not None and self.explainer.net.model.images

    # ---- actions ----
    def show_error(self, text: str) -> None:
        self.last_error = text
        self.statusBar().showMessage(text, 10000)
        open_box(self, text, warning=True)  # not modal to the app: a test or a lecture goes on

    def explosion(self, text: str) -> None:
        """The next step's loss exploded: Play stops (it never steps past it) and the window says
        so; N again takes the step (explosion.py)."""
        self.controls.play.setChecked(False)
        self.show_error(text)

    def open_network(self, path: str) -> bool:
        ok, ex = self.explainer.load_file(path), self.explainer
        if not ok and ex.net is not None:  # the preset box goes back to what is shown
            self._name_loaded()
        if ok:  # a network of the user's choice: a lesson's steps would go back to theirs
            self.lessons.leave("You opened another network, so you left")
        return ok

    def apply_editor(self, d: dict, keep: bool) -> None:
        ex = self.explainer
        sizes = tuple(layer["units"] for layer in d["layers"])
        if keep and ex.net is not None and sizes == ex.net.model.sizes:
            for k, (W, b) in enumerate(ex.current.before.params):
                d["layers"][k + 1]["weights"] = W.tolist()
                d["layers"][k + 1]["bias"] = b.tolist()
        ex.load_dict(d, refused=self._editor_refused)

    def _editor_refused(self, text: str, exc: BaseException) -> None:
        """The editor shows a refusal beside its field, in plain words (not in a box)."""
        self.last_error = text
        self.editor.show_error(text, exc)

    def edit_weight(self, layer: int, j: int, i: int) -> None:
        W = self.explainer.current.before.params[layer - 1][0]
        at = (j, i) if W.ndim == 2 else (j,)  # a batch norm's γ_j: one weight per unit
        name = f"w[{layer}][{j}][{i}]" if W.ndim == 2 else f"γ[{layer}][{j}]"
        v, ok = QInputDialog.getDouble(self, "Edit weight", f"{name} =", float(W[at]), -1e6, 1e6, 6)
        if ok:
            self.explainer.edit_parameter(layer, "weights", at, v)

    def edit_bias(self, layer: int, j: int) -> None:
        b = self.explainer.current.before.params[layer - 1][1]
        v, ok = QInputDialog.getDouble(
            self, "Edit bias", f"b[{layer}][{j}] =", float(b[j]), -1e6, 1e6, 6
        )
        if ok:
            self.explainer.edit_parameter(layer, "bias", (j,), v)

    def set_training(self, on: bool) -> None:
        if on:
            self.explainer.start_training()
        else:
            self.explainer.stop_training()

    def _training_changed(self, on: bool) -> None:
        self.controls.set_training(on)
        # lines in motion need no antialiasing; it halves the live drawing's cost
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing, not on)
        if not on:
            self.statusBar().showMessage("paused: stepping resumes at the next training step", 5000)

    def show_gradient_check(self) -> None:
        """The check runs in a worker thread; the dialog shows progress and can cancel it. It
        lists every gradient of the step: refused while a question asks one of its numbers."""
        ex = self.explainer
        if ex.net is None or ex.training:
            return
        if self.lessons.refuses("The gradient check lists every gradient of this step"):
            return
        self.dialogs = [d for d in self.dialogs if not isinstance(d, GradCheckDialog) or d.running]
        dlg = GradCheckDialog(ex.net, ex.current.before, self, on_error=self.show_error)
        dlg.open()
        self.dialogs.append(dlg)

    # ---- lecturer mode ----
    def toggle_lecturer(self) -> None:
        self.set_lecturer(not self.lecture.on)

    def set_lecturer(self, on: bool) -> None:
        """Lecturer mode (lecturer_layout.py); leaving it restores the layout from before."""
        self.lecture.set(on)

    def _restore(self) -> bool:
        """The last session and window layout; True when a layout was restored."""
        restore_geometry(self, self.settings.value("geometry"))  # kept on the screen
        st = saved_bytes(self.settings, "window_state")
        restored = st is not None and bool(self.restoreState(st))
        last_session.reopen(self)
        return restored

    def closeEvent(self, ev) -> None:  # noqa: N802 (Qt)
        for dlg in self.dialogs:
            if isinstance(dlg, GradCheckDialog):
                dlg.wait()
        self.explainer.stop_training()
        self.controls.timer.stop()
        self.plot_timer.stop()
        self.set_lecturer(False)  # the normal layout is the one saved
        last_session.save_at_quit(self)
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.settings.sync()
        super().closeEvent(ev)
