"""The LR sweep says what it will run and roughly how long that takes, before it starts: its
values, and one run's time scaled from the newest finished run like it (plot_ranges)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from engine.torch_engine.plot_ranges import estimate_run_seconds, sweep_plan


def plan_text(w) -> str:
    """The plan line for the trainer window `w`'s LR sweep as its fields stand, or the reason
    there is none."""
    values, err = w.experiments.lr_values()
    if err:
        return ""  # the box shows the problem when the sweep is asked for
    cfg = w.form.check().config
    if cfg is None:
        return "fix the run settings to see what the sweep will run"
    rows = sorted(w.run_list.rows.values(), key=lambda r: -r.id)  # newest first
    done = [(r.settings, r.final) for r in rows if r.status == "finished" and r.kind != "lr-find"]
    return sweep_plan(values, estimate_run_seconds(cfg, done))


class SweepPlan(QObject):
    """Keeps the plan beside the sweep's button current: its values, the settings, the runs. A
    child of the experiments box, so its connections end with the box (a window closing)."""

    def __init__(self, w):
        super().__init__(w.experiments)
        self.w = w
        self.timer = QTimer(self)  # one update for a burst of changes (a run list refilled)
        self.timer.setSingleShot(True)
        self.timer.setInterval(0)
        self.timer.timeout.connect(self.update)
        w.experiments.lrs.textChanged.connect(self.timer.start)
        w.form.changed.connect(self.timer.start)
        w.run_list.model().rowsInserted.connect(self.timer.start)  # a run finished: one to go by
        w.run_list.model().modelReset.connect(self.timer.start)
        self.update()

    def update(self, *_) -> None:
        self.w.experiments.plan.setText(plan_text(self.w))


def wire_sweep_plan(w) -> SweepPlan:
    return SweepPlan(w)
