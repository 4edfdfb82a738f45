"""The MNIST trainer window (the app's second view). It composes the data box, the run settings,
the experiments, the live / compare / experiment plots and the run list, and wires them to a
JobRunner. Training runs in a child process; records reach the plots through a 10 Hz redraw timer;
everything recorded lives in the run store. It computes nothing itself."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QProgressBar,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.shared.actions import Action, install, keys_html
from app.shared.chrome import flat_chrome
from app.shared.messages import open_box, plain_tip
from app.shared.plot_style import plot_scale, style_scene
from app.shared.screen import restore_geometry
from app.shared.theme import LECTURER, NORMAL
from app.trainer import last_experiment, sweep_runs
from app.trainer.actions import trainer_actions
from app.trainer.file_actions import FileActions
from app.trainer.insides.panel import InsidesPanel
from app.trainer.insides.wiring import InsidesLink
from app.trainer.lecturer import TrainerLecture
from app.trainer.panels import PlotTabs, SidePanel
from app.trainer.run_actions import RunListActions
from app.trainer.run_list import RunList
from app.trainer.runner import JobRunner
from app.trainer.saved_form import restore_form, save_form, saved_folder
from app.trainer.sweep_plan import wire_sweep_plan
from engine.torch_engine.curves import progress_text
from engine.torch_engine.jobs import Job
from engine.torch_engine.records import Diverged, Done, LrPoint, Start, Step
from engine.torch_engine.runstore import RunStore

RUN_POLL_MS = 3000  # how often an idle window looks for runs whose process has died


class TrainerWindow(RunListActions, FileActions, QMainWindow):
    view_requested = Signal(str)  # "explainer": the app shows that view
    open_network_requested = Signal(str)  # a network file for the explainer (a digit stepped)

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
        self.job_run_ids: list[int] = []
        self.start_rec: Start | None = None
        self.live_run: tuple[str, int] = ("", 0)  # the live run's label and index in its job
        self._dirty = False
        self._build(data_dir if data_dir is not None else saved_folder(self.settings))
        self.table = self.actions_table()
        self.qactions = install(self, self.table)
        for name in ("run", "lr_sweep", "batch_sweep", "lr_find", "to_explainer"):
            self.toolbar.addAction(self.qactions[name])
        self.toolbar.addSeparator()
        self.toolbar.addWidget(self.log_box)  # for every tab
        self._wire()
        flat_chrome(self, self.theme)  # scroll bars, tool bar, tab panes: flat
        self.timer = QTimer(self)  # plots redraw from a timer, never per record
        self.timer.setInterval(50)  # one live plot a tick, so each about 3-10 times a second
        self.timer.timeout.connect(self._redraw)
        self.tabs.currentChanged.connect(lambda _: setattr(self, "_dirty", True))  # draw it now
        self.timer.start()
        self._curves: dict[int, tuple] = {}  # finished run id -> (its finish time, its curves)
        self.run_poll = QTimer(self)  # a run listed as running whose process died: interrupted
        self.run_poll.setInterval(RUN_POLL_MS)
        self.run_poll.timeout.connect(self._poll_runs)
        self.run_poll.start()
        self.refresh_runs()
        restore_form(self.settings, self.form)
        self.last = last_experiment.LastExperiment(self)
        self.last.restore()  # the Experiment tab as it was at the last quit (read in a thread)
        self.form.check()
        self.resize(1500, 950)
        restore_geometry(self, self.settings.value("geometry"))  # as last time, on the screen
        QTimer.singleShot(0, self._default_layout)

    def _default_layout(self) -> None:
        self.resizeDocks([self.docks["Setup"]], [400], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["Runs"]], [170], Qt.Orientation.Vertical)

    # ---- building ----
    def _build(self, data_dir) -> None:
        self.toolbar = QToolBar("Training")
        self.toolbar.setObjectName("training")
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.side = SidePanel(data_dir)
        self.data, self.form, self.experiments = (
            self.side.data,
            self.side.form,
            self.side.experiments,
        )
        self.run_button, self.stop_button = self.side.run_button, self.side.stop_button
        self.tabs = PlotTabs()
        self.insides = InsidesPanel()  # the selected run's model, looked into
        self.insides_link = InsidesLink(self)  # they talk to the window as an InsidesHost
        self.tabs.addTab(self.insides, "Inside the model")
        self.live, self.compare = self.tabs.live, self.tabs.compare
        self.experiment, self.sweep = self.tabs.experiment, self.tabs.sweep
        self.smoothing, self.x_axis, self.log_box = (
            self.tabs.smoothing,
            self.tabs.x_axis,
            self.tabs.log_box,
        )
        self.lecture = TrainerLecture(self)  # lecturer mode, and its large readout line
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.lecture.readout)
        lay.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.run_list = RunList()
        self.docks = {}
        for name, widget, area in (
            ("Setup", self.side, Qt.DockWidgetArea.LeftDockWidgetArea),
            ("Runs", self.run_list, Qt.DockWidgetArea.BottomDockWidgetArea),
        ):
            dock = QDockWidget(name)
            dock.setObjectName(f"trainer_{name.lower()}")
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self.progress = QProgressBar()
        self.progress.setMinimumWidth(160)
        self.progress.setTextVisible(False)  # the words go beside the bar, readable
        self.progress_label = QLabel("idle")
        self.progress_label.setObjectName("progress_label")
        self.statusBar().addPermanentWidget(self.progress_label)
        self.statusBar().addPermanentWidget(self.progress)

    def say(self, said: str, ms: int = 8000) -> None:
        """A sentence in the status bar, ended with "…" where it would run under the progress
        words (while a run goes, their longest, "epoch 10.00/10 · ETA …", is kept free: a
        diverged run's message and a long folder's were cut off mid-word under "idle"), and
        whole in the bar's tooltip."""
        bar = self.statusBar()
        metrics = bar.fontMetrics()
        several = self.job is not None and self.job.runs > 1  # "run 2/9 · …" (a sweep ran into
        longest = (
            f"{'run 10/10 · ' if several else ''}epoch 10.00/10 · ETA 1000 s · 100,000 samples/s"
        )
        words = longest if self.runner.running else self.progress_label.text()  # it otherwise)
        reserved = max(
            metrics.horizontalAdvance(words),
            metrics.horizontalAdvance(self.progress_label.text()),
            self.progress_label.sizeHint().width(),
        )
        room = bar.width() - reserved - self.progress.width() - 4 * metrics.averageCharWidth()
        bar.showMessage(metrics.elidedText(said, Qt.TextElideMode.ElideRight, max(room, 80)), ms)
        bar.setToolTip(plain_tip(said))

    def actions_table(self) -> list[Action]:
        return trainer_actions(self) + self.insides_link.actions()

    def _wire(self) -> None:
        self.run_button.clicked.connect(self.start_run)
        self.stop_button.clicked.connect(self.stop)
        e = self.experiments
        e.lr_button.clicked.connect(lambda: self.start_sweep("lr-sweep"))
        e.batch_button.clicked.connect(lambda: self.start_sweep("batch-sweep"))
        e.find_button.clicked.connect(self.start_lr_find)
        e.use_button.clicked.connect(self.use_suggested_lr)
        e.sweep_button.clicked.connect(lambda: sweep_runs.start_setting_sweep(self))
        for key, button in e.preset_buttons.items():
            button.clicked.connect(lambda _=False, k=key: sweep_runs.start_preset(self, k))
        self.runner.record.connect(self.on_record)
        self.runner.failed.connect(self.show_error)
        self.runner.finished.connect(self.on_finished)
        self.smoothing.valueChanged.connect(lambda v: self.live.set_smoothing(v / 100))
        self.log_box.toggled.connect(self._set_log)
        self.x_axis.currentTextChanged.connect(self.compare.set_x_axis)
        rl = self.run_list
        rl.ticked_changed.connect(self.update_compare)
        rl.renamed.connect(self._rename)
        rl.rename_refused.connect(self.say)
        rl.delete_requested.connect(self._delete)
        rl.save_requested.connect(self.save_model)
        rl.reuse_requested.connect(self._reuse)
        self.insides_link.connect(self.runner)
        wire_sweep_plan(self)

    # ---- starting and stopping ----
    def checked_job(self, kind: str, **extra) -> Job | None:
        """The form and the data checked before anything starts; the reason shown if not."""
        if self.runner.running:
            self.show_error("a run is already going; stop it first (Ctrl+Return)")
            return None
        checked = self.form.check()
        if checked.config is None:
            self.show_error(
                "the run settings need fixing: "
                + "; ".join(
                    f"{self.form.labels.get(k, k.replace('_', ' '))} {v}"
                    for k, v in checked.errors.items()
                )
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
        job = self.checked_job("train")
        if job is not None:
            self.start_job(job, tab=0)

    def start_sweep(self, kind: str) -> None:
        e = self.experiments
        values, err = e.lr_values() if kind == "lr-sweep" else e.batch_values()
        e.show_error(err)
        if err:
            return
        job = self.checked_job(
            kind, values=tuple(float(v) for v in values), scale_lr=e.scale_lr.isChecked()
        )
        if job is not None:
            self.start_job(job, tab=2, experiment=True)

    def start_lr_find(self) -> None:
        e = self.experiments
        rng, err = e.lr_range()
        e.show_error(err)
        if err:
            return
        job = self.checked_job("lr-find", lr_start=rng[0], lr_end=rng[1], lr_steps=rng[2])
        if job is not None:
            e.use_button.setEnabled(False)
            self.start_job(job, tab=2, experiment=True)

    def start_job(self, job: Job, tab: int, experiment: bool = False) -> None:
        """Start `job` with tab `tab` shown; `experiment`: its runs make a new experiment plot."""
        if experiment:
            self.experiment.begin(job.kind, job.values)
        self.job, self.start_rec, self.live_run = job, None, ("", 0)
        self.last.started(job)
        self.job_run_ids: list[int] = []  # the store's ids of this job's runs, as they arrive
        self.live.reset()
        self.lecture.update()  # the banner blank too, not the last run's numbers while loading
        self.style_experiment()
        if job.kind in last_experiment.KINDS:  # a single run leaves the Experiment tab as it is
            self.tabs.exp_tab.show_sweep(job.kind in sweep_runs.SWEEP_KINDS)
        self.tabs.setCurrentIndex(tab)
        self.progress_label.setText("starting (loading MNIST in the training process)…")
        self.progress.setRange(0, 0)
        self.run_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.runner.start(job)

    def style_experiment(self) -> None:
        """An experiment's new plots take the current look (normal or lecturer)."""
        lecturer = self.theme is LECTURER
        for scene in (self.experiment, self.sweep):
            style_scene(scene, dark=lecturer, scale=plot_scale(lecturer))

    def job_runs(self, kind: str) -> list[int] | None:
        """The store's ids of the job in hand's runs if it is of `kind` (InsidesHost)."""
        return self.job_run_ids if self.job is not None and self.job.kind == kind else None

    def toggle_run(self) -> None:
        self.stop() if self.runner.running else self.start_run()

    def stop(self) -> None:
        if self.runner.running:
            self.progress_label.setText("stopping… (the run and its records are kept)")
            self.runner.stop()

    # ---- records ----
    def on_record(self, tagged) -> None:
        rec = tagged.record
        if tagged.run_id not in self.job_run_ids:
            self.job_run_ids.append(tagged.run_id)
            self.last.seen(tagged)
        if tagged.run_id not in self.run_list.rows:
            self.refresh_runs()  # a new run: in the list at once, marked running
        self.live.add(rec)
        if self.job is not None and self.job.kind in sweep_runs.SWEEP_KINDS:
            sweep_runs.add(self, tagged)
        elif self.job is not None and self.job.kind != "train":
            self.experiment.add(tagged)
        if isinstance(rec, Start):
            self.start_rec, self.live_run = rec, (tagged.label, tagged.run_index)
            self.progress.setRange(0, 1000)
            self.say(f"{tagged.label or 'run'}: {rec.device_reason}")
        elif isinstance(rec, Step) and self.start_rec is not None:
            runs = self.job.runs if self.job is not None else 1
            text, frac = progress_text(self.start_rec, rec, tagged.run_index, runs)
            self.progress_label.setText(text)
            self.progress.setValue(int(1000 * frac))
            self.run_list.set_progress(tagged.run_id, rec.step / max(1, self.start_rec.total_steps))
        elif isinstance(rec, LrPoint) and self.start_rec is not None:
            n = max(1, self.start_rec.total_steps)
            self.progress_label.setText(f"LR range test: step {rec.step + 1}/{n}, lr {rec.lr:.2g}")
            self.progress.setValue(int(1000 * min(1.0, (rec.step + 1) / n)))
        elif isinstance(rec, Diverged):
            self.live.mark_diverged(rec.step, rec.message)
            self.say(rec.message, 15000)
        elif isinstance(rec, Done):
            self.say(
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
        self.progress_label.setText("idle")
        self.progress.setValue(0)
        if self.experiment.suggestion is not None:
            self.experiments.use_button.setEnabled(True)
        if self.job is not None and self.job.kind in sweep_runs.SWEEP_KINDS:
            sweep_runs.finish(self)
        self.refresh_runs()
        self._dirty = True

    def _redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = self.runner.running  # while training, the live plots go round in turn
        if self.tabs.currentIndex() == 0:
            self.live.redraw_next() if self.runner.running else self.live.redraw()
        elif self.tabs.currentIndex() == 2:
            self.tabs.exp_tab.current_scene().redraw()
        self.lecture.update()

    def use_suggested_lr(self) -> None:
        s = self.experiment.suggestion
        if s is not None:
            self.form.set_lr(s.lr)
            self.say(f"learning rate set to {s.lr:.3g} for the next run")

    def _set_log(self, on: bool) -> None:
        self.live.set_log(on)
        self.compare.set_log(on)
        self.experiment.set_log(on)
        self.sweep.set_log(on)

    # ---- messages, keys, lecturer mode ----
    def show_error(self, text: str) -> None:
        self.last_error = text
        self.say(text, 15000)
        open_box(self, text, warning=True)

    def show_keys(self) -> None:
        open_box(self, keys_html(self.table), "Trainer keys", rich=True)

    def toggle_lecturer(self) -> None:
        self.set_lecturer(self.theme is not LECTURER)

    def set_lecturer(self, on: bool) -> None:
        """Lecturer mode (lecturer.py); leaving it restores the layout from before."""
        self.lecture.set(on)

    def closeEvent(self, ev) -> None:  # noqa: N802 (Qt)
        self.set_lecturer(False)  # the normal geometry is the one saved, not the full screen
        self.timer.stop()
        self.run_poll.stop()
        self.data.shutdown()
        self.runner.shutdown()  # the child ends; its run is kept as cancelled
        self.insides.shutdown()  # and no insides computation is left running
        self.set_lecturer(False)  # the geometry saved is the normal window's, not full screen
        self.settings.setValue("geometry", self.saveGeometry())
        save_form(self.settings, self.form, self.data.folder)
        self.last.save()
        self.settings.sync()
        super().closeEvent(ev)
