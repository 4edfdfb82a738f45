"""The MNIST trainer window (the app's second view). It composes the data box, the run settings,
the experiments, the live / compare / experiment plots and the run list, and wires them to a
JobRunner. Training runs in a child process; records reach the plots through a 10 Hz redraw timer;
everything recorded lives in the run store. It computes nothing itself."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSlider,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.shared.actions import Action, install, keys_html
from app.shared.theme import LECTURER, NORMAL
from app.trainer.compare_plots import ComparePlots
from app.trainer.data_box import DataBox
from app.trainer.experiment_box import ExperimentBox
from app.trainer.experiment_plots import ExperimentPlots
from app.trainer.live_plots import LivePlots
from app.trainer.plot_style import style_scene
from app.trainer.run_list import RunList
from app.trainer.runner import JobRunner
from app.trainer.settings_form import SettingsForm
from engine.torch_engine.curves import X_AXES, progress_text, run_curves
from engine.torch_engine.jobs import Job
from engine.torch_engine.records import Diverged, Done, Start, Step
from engine.torch_engine.runstore import RunStore, RunStoreError


class TrainerWindow(QMainWindow):
    view_requested = Signal(str)  # "explainer": the app shows that view

    def __init__(self, settings_dir, data_dir=None, store=None):
        super().__init__()
        self.setWindowTitle("Backprop Studio — MNIST trainer")
        self.settings = QSettings(
            str(Path(settings_dir) / "trainer.ini"), QSettings.Format.IniFormat
        )
        self.theme = NORMAL
        self.last_error = ""
        self.dialogs: list = []
        self.store = RunStore(store)
        self.runner = JobRunner(self)
        self.job: Job | None = None
        self.start_rec: Start | None = None
        self._dirty = False
        self._lecturer_saved = None
        self._build(data_dir)
        self.table = self.actions_table()
        self.qactions = install(self, self.table)
        for name in ("run", "lr_sweep", "batch_sweep", "lr_find", "to_explainer"):
            self.toolbar.addAction(self.qactions[name])
        self._wire()
        self.timer = QTimer(self)  # plots redraw from a timer, never per record
        self.timer.setInterval(50)  # one live plot a tick, so each about 3-10 times a second
        self.timer.timeout.connect(self._redraw)
        self.timer.start()
        self.refresh_runs()
        self.form.check()
        self.resize(1500, 950)
        QTimer.singleShot(0, self._default_layout)

    def _default_layout(self) -> None:
        self.resizeDocks([self.docks["Setup"]], [400], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["Runs"]], [170], Qt.Orientation.Vertical)

    # ---- building ----
    def _build(self, data_dir) -> None:
        self.toolbar = QToolBar("Training")
        self.toolbar.setObjectName("training")
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.data = DataBox(data_dir)
        self.form = SettingsForm()
        self.experiments = ExperimentBox()
        self.run_button = QPushButton("Run  (Ctrl+Return)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        side = QWidget()
        lay = QVBoxLayout(side)
        for title, w in (("Data", self.data), ("Run settings", self.form)):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(w)
            lay.addWidget(box)
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        row.addWidget(self.stop_button)
        lay.addLayout(row)
        box = QGroupBox("Experiments (runs that differ in one value)")
        QVBoxLayout(box).addWidget(self.experiments)
        lay.addWidget(box)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(side)
        scroll.setMinimumWidth(side.sizeHint().width() + 24)  # no sideways scrolling
        self.live, self.compare, self.experiment = LivePlots(), ComparePlots(), ExperimentPlots()
        self.tabs = QTabWidget()
        self.tabs.addTab(self._with_controls(self.live, self._live_controls()), "Live run")
        self.tabs.addTab(
            self._with_controls(self.compare, self._compare_controls()), "Compare runs"
        )
        self.tabs.addTab(self.experiment, "Experiment")
        self.setCentralWidget(self.tabs)
        self.run_list = RunList()
        self.docks = {}
        for name, widget, area in (
            ("Setup", scroll, Qt.DockWidgetArea.LeftDockWidgetArea),
            ("Runs", self.run_list, Qt.DockWidgetArea.BottomDockWidgetArea),
        ):
            dock = QDockWidget(name)
            dock.setObjectName(f"trainer_{name.lower()}")
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self.progress = QProgressBar()
        self.progress.setMinimumWidth(420)
        self.progress.setFormat("idle")
        self.progress.setValue(0)
        self.statusBar().addPermanentWidget(self.progress)

    @staticmethod
    def _with_controls(plots, controls) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(controls)
        lay.addWidget(plots, 1)
        return w

    def _live_controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(90)
        self.smoothing.setMaximumWidth(220)
        self.smoothing.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.log_box = QCheckBox("log y axis (L)")
        row.addWidget(QLabel("smoothing"))
        row.addWidget(self.smoothing)
        self.toolbar.addWidget(self.log_box)  # for every tab
        row.addStretch(1)
        return row

    def _compare_controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.x_axis = QComboBox()
        self.x_axis.addItems(list(X_AXES))
        row.addWidget(QLabel("x axis"))
        row.addWidget(self.x_axis)
        row.addWidget(QLabel("tick runs in the run list to overlay them"))
        row.addStretch(1)
        return row

    def actions_table(self) -> list[Action]:
        return [
            Action(
                "run",
                "Run / stop",
                "Train",
                ("Ctrl+Return",),
                self.toggle_run,
                "Start a training run with these settings, or stop the one running",
            ),
            Action(
                "lr_sweep", "Learning-rate sweep", "Train", (), lambda: self.start_sweep("lr-sweep")
            ),
            Action(
                "batch_sweep",
                "Batch-size sweep",
                "Train",
                (),
                lambda: self.start_sweep("batch-sweep"),
            ),
            Action("lr_find", "LR range test", "Train", (), self.start_lr_find),
            Action(
                "export_png", "Export plots as PNG…", "File", (), lambda: self.export_plots("png")
            ),
            Action(
                "export_svg", "Export plots as SVG…", "File", (), lambda: self.export_plots("svg")
            ),
            Action(
                "save_model", "Save the selected run's model…", "File", ("Ctrl+S",), self.save_model
            ),
            Action("load_model", "Load a model…", "File", ("Ctrl+O",), self.load_model),
            Action(
                "export_runs", "Export every run's records as CSV…", "File", (), self.export_runs
            ),
            Action("close", "Close", "File", ("Ctrl+W",), self.close),
            Action("log", "Log / linear y axis", "View", ("L",), self.log_box.toggle),
            Action("lecturer", "Lecturer mode", "View", ("F11",), self.toggle_lecturer),
            Action(
                "leave", "Leave lecturer mode", "", ("Escape",), lambda: self.set_lecturer(False)
            ),
            Action(
                "tab_live", "Live run", "View", ("Alt+1",), lambda: self.tabs.setCurrentIndex(0)
            ),
            Action(
                "tab_compare",
                "Compare runs",
                "View",
                ("Alt+2",),
                lambda: self.tabs.setCurrentIndex(1),
            ),
            Action(
                "tab_experiment",
                "Experiment",
                "View",
                ("Alt+3",),
                lambda: self.tabs.setCurrentIndex(2),
            ),
            Action(
                "to_explainer",
                "Explainer",
                "Go",
                ("Ctrl+1",),
                lambda: self.view_requested.emit("explainer"),
                "Back to the step-by-step explainer",
            ),
            Action("keys", "Keys", "Help", ("F1",), self.show_keys),
        ]

    def _wire(self) -> None:
        self.run_button.clicked.connect(self.start_run)
        self.stop_button.clicked.connect(self.stop)
        e = self.experiments
        e.lr_button.clicked.connect(lambda: self.start_sweep("lr-sweep"))
        e.batch_button.clicked.connect(lambda: self.start_sweep("batch-sweep"))
        e.find_button.clicked.connect(self.start_lr_find)
        e.use_button.clicked.connect(self.use_suggested_lr)
        self.runner.record.connect(self.on_record)
        self.runner.failed.connect(self.show_error)
        self.runner.finished.connect(self.on_finished)
        self.smoothing.valueChanged.connect(lambda v: self.live.set_smoothing(v / 100))
        self.log_box.toggled.connect(self._set_log)
        self.x_axis.currentTextChanged.connect(self.compare.set_x_axis)
        rl = self.run_list
        rl.ticked_changed.connect(self.update_compare)
        rl.renamed.connect(self._rename)
        rl.delete_requested.connect(self._delete)
        rl.save_requested.connect(self.save_model)
        rl.reuse_requested.connect(self._reuse)

    # ---- starting and stopping ----
    def _checked_job(self, kind: str, **extra) -> Job | None:
        """The form and the data checked before anything starts; the reason shown if not."""
        if self.runner.running:
            self.show_error("a run is already going; stop it first (Ctrl+Return)")
            return None
        checked = self.form.check()
        if checked.config is None:
            self.show_error(
                "the run settings need fixing: "
                + "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in checked.errors.items())
            )
            return None
        self.data.refresh()
        if not self.data.present:
            self.show_error(self.data.status.text())
            return None
        return Job(
            kind=kind,
            config=checked.config,
            data_dir=str(self.data.folder),
            store_path=str(self.store.path),
            **extra,
        )

    def start_run(self) -> None:
        job = self._checked_job("train")
        if job is not None:
            self._start(job, tab=0)

    def start_sweep(self, kind: str) -> None:
        e = self.experiments
        values, err = e.lr_values() if kind == "lr-sweep" else e.batch_values()
        e.show_error(err)
        if err:
            return
        job = self._checked_job(
            kind, values=tuple(float(v) for v in values), scale_lr=e.scale_lr.isChecked()
        )
        if job is not None:
            self.experiment.begin(kind, job.values)
            self._start(job, tab=2)

    def start_lr_find(self) -> None:
        e = self.experiments
        rng, err = e.lr_range()
        e.show_error(err)
        if err:
            return
        job = self._checked_job("lr-find", lr_start=rng[0], lr_end=rng[1], lr_steps=rng[2])
        if job is not None:
            self.experiment.begin("lr-find", ())
            e.use_button.setEnabled(False)
            self._start(job, tab=2)

    def _start(self, job: Job, tab: int) -> None:
        self.job, self.start_rec = job, None
        self.live.reset()
        self.tabs.setCurrentIndex(tab)
        self.progress.setFormat("starting (loading MNIST in the training process)…")
        self.progress.setRange(0, 0)
        self.run_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.runner.start(job)

    def toggle_run(self) -> None:
        self.stop() if self.runner.running else self.start_run()

    def stop(self) -> None:
        if self.runner.running:
            self.progress.setFormat("stopping… (the run and its records are kept)")
            self.runner.stop()

    # ---- records ----
    def on_record(self, tagged) -> None:
        rec = tagged.record
        self.live.add(rec)
        if self.job is not None and self.job.kind != "train":
            self.experiment.add(tagged)
        if isinstance(rec, Start):
            self.start_rec = rec
            self.progress.setRange(0, 1000)
            self.statusBar().showMessage(f"{tagged.label or 'run'}: {rec.device_reason}", 8000)
        elif isinstance(rec, Step) and self.start_rec is not None:
            runs = len(self.job.values) if self.job is not None else 0
            text, frac = progress_text(self.start_rec, rec, tagged.run_index, runs or 1)
            self.progress.setFormat(text)
            self.progress.setValue(int(1000 * frac))
        elif isinstance(rec, Diverged):
            self.live.mark_diverged(rec.step, rec.message)
            self.statusBar().showMessage(rec.message, 15000)
        elif isinstance(rec, Done):
            self.statusBar().showMessage(
                f"{tagged.label or 'run'} {rec.status}: test accuracy {100 * rec.test_accuracy:.2f}% "
                f"in {rec.wall_seconds:.1f} s",
                15000,
            )
            self.refresh_runs()
        self._dirty = True

    def on_finished(self) -> None:
        self.run_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.progress.setRange(0, 1000)
        self.progress.setFormat("idle")
        self.progress.setValue(0)
        if self.experiment.suggestion is not None:
            self.experiments.use_button.setEnabled(True)
        self.refresh_runs()
        self._dirty = True

    def _redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = self.runner.running  # while training, the live plots go round in turn
        if self.tabs.currentIndex() == 0:
            self.live.redraw_next() if self.runner.running else self.live.redraw()
        elif self.tabs.currentIndex() == 2:
            self.experiment.redraw()

    def use_suggested_lr(self) -> None:
        s = self.experiment.suggestion
        if s is not None:
            self.form.set_lr(s.lr)
            self.statusBar().showMessage(f"learning rate set to {s.lr:.3g} for the next run", 8000)

    def _set_log(self, on: bool) -> None:
        self.live.set_log(on)
        self.compare.set_log(on)
        self.experiment.set_log(on)

    # ---- the run list ----
    def refresh_runs(self) -> None:
        try:
            rows = self.store.runs()
        except RunStoreError as e:
            self.show_error(str(e))
            return
        self.run_list.set_runs(rows, set(self.run_list.ticked()))
        self.update_compare()

    def update_compare(self) -> None:
        runs = {}
        for rid in self.run_list.ticked():
            row = self.run_list.rows.get(rid)
            if row is not None:
                runs[rid] = (row.name, rid, run_curves(self.store.records(rid, ("step", "eval"))))
        self.compare.set_runs(runs)

    def _rename(self, rid: int, name: str) -> None:
        self.store.rename(rid, name)
        self.refresh_runs()

    def _delete(self, ids: list) -> None:
        for rid in ids:
            self.store.delete(rid)
        self.refresh_runs()

    def _reuse(self, rid: int) -> None:
        self.form.set_config(self.store.config(rid))

    # ---- files ----
    def export_plots(self, kind: str, path: str | None = None) -> None:
        from app.trainer.files import export_scene

        scene = (self.live, self.compare, self.experiment)[self.tabs.currentIndex()]
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export plots", f"plots.{kind}", f"*.{kind}"
            )
        if path:
            self._try(lambda: export_scene(scene, path, kind), f"plots written to {path}")

    def save_model(self, rid: int | None = None, path: str | None = None) -> None:
        ids = [rid] if rid is not None else (self.run_list.selected_ids() or self.run_list.ticked())
        row = self.run_list.rows.get(ids[0]) if ids else None
        if row is None or not row.checkpoint or not Path(row.checkpoint).is_file():
            self.show_error("select a finished run that has a model to save")
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save model", f"{row.name}.pt", "*.pt")
        if path:
            self._try(lambda: shutil.copyfile(row.checkpoint, path), f"model saved to {path}")

    def load_model(self, path: str | None = None) -> None:
        from app.trainer.files import import_checkpoint

        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Load model", "", "Checkpoints (*.pt)")
        if path and self._try(lambda: import_checkpoint(self.store, path), f"{path} loaded"):
            self.refresh_runs()

    def export_runs(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export runs", "runs.csv", "*.csv")
        if path:
            self._try(lambda: self.store.export_csv(path), f"every run's records written to {path}")

    def _try(self, work, done: str) -> bool:
        try:
            work()
        except (OSError, ValueError) as e:
            self.show_error(str(e))
            return False
        self.statusBar().showMessage(done, 8000)
        return True

    # ---- messages, keys, lecturer mode ----
    def show_error(self, text: str) -> None:
        self.last_error = text
        self.statusBar().showMessage(text, 15000)
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Backprop Studio", text, QMessageBox.StandardButton.Ok, self
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.dialogs.append(box)

    def show_keys(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Trainer keys")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(keys_html(self.table))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.dialogs.append(box)

    def toggle_lecturer(self) -> None:
        self.set_lecturer(self.theme is not LECTURER)

    def set_lecturer(self, on: bool) -> None:
        if on == (self.theme is LECTURER):
            return
        if on:
            self._lecturer_saved = (self.geometry(), self.saveState())
        self.theme = LECTURER if on else NORMAL
        self.setStyleSheet(self.theme.stylesheet() if on else "")
        for scene in (self.live, self.compare, self.experiment):
            style_scene(scene, dark=on, scale=2.0 if on else 1.0)
        for dock in self.docks.values():  # the plots fill the wall; keys do the rest
            dock.setVisible(not on)
        if on:
            self.showFullScreen()
        else:
            self.showNormal()
            geo, state = self._lecturer_saved
            self.setGeometry(geo)
            self.restoreState(state)

    def closeEvent(self, ev) -> None:  # noqa: N802 (Qt)
        self.timer.stop()
        self.data.shutdown()
        self.runner.shutdown()  # the child ends; its run is kept as cancelled
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.sync()
        super().closeEvent(ev)
