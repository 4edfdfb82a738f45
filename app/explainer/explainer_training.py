"""The explainer's continuous training (Train): the engine trains from the newest state in a
child process (`train_in_process`), a superqt worker thread waits on its pipe and hands each
record to the GUI thread, throttled to at most `max_rate` records a second; stopping traces the
next step from where training stopped, so stepping resumes exactly there. A diverged loss or an
error in the worker keeps the last reported state and says why.

ContinuousTraining is the part of Explainer (explainer.py) that does this; it uses the
explainer's history, position, signals and `_append_step`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QThreadPool
from superqt.utils import create_worker
from threadpoolctl import threadpool_limits

from app.shared.errors import log_exception
from engine.numpy_engine import TrainState
from engine.numpy_engine.stream import Diverged, Progress, train_in_process


class ContinuousTraining:
    """Explainer's Train and Stop (needs its net, history, gate, speed, signals, goto)."""

    @property
    def latest_state(self) -> TrainState:
        """The newest state: the live one while training, else the current step's."""
        return self._latest if self.training else self.current.before

    @property
    def training(self) -> bool:
        return self._worker is not None

    def start_training(self, max_rate: float = 30.0) -> None:
        if self.training or self.net is None:
            return
        state = self.history[-1].after
        self.gate.reset()
        self.step_index = len(self.history) - 1
        # the engine trains in a child process; this worker thread only waits on its pipe
        self._worker = create_worker(
            train_in_process,
            self.net,
            state,
            max_rate,
            speed=self.speed,
            _start_thread=False,
            _connect={
                "yielded": self._on_progress,
                "finished": self._on_finished,
                "errored": self._on_errored,
            },
        )
        self._latest = state
        self._diverged: Diverged | None = None
        # the child trains on one core; one BLAS thread here keeps the GUI's small sums (the
        # decision grid) off that core: 7 ms -> 1 ms a grid in bench/gui_latency.py
        self._blas = threadpool_limits(1, user_api="blas")
        self._worker.start()
        self.training_changed.emit(True)

    def set_train_speed(self, steps_per_s: float) -> bool:
        """Continuous training's pace in steps a second (0: as fast as it goes), also for a run
        already going; a negative, non-finite or non-number speed is refused (False)."""
        if isinstance(steps_per_s, bool) or not isinstance(steps_per_s, (int, float)):
            return False
        if not np.isfinite(steps_per_s) or steps_per_s < 0:
            return False
        self.speed.value = float(steps_per_s)
        return True

    def _on_progress(self, rec) -> None:
        if rec is None:  # a heartbeat
            return
        if isinstance(rec, Progress):
            self._latest = rec.state
            # one point per record (<= 30/s), however many steps it covers
            self.loss_t.append(int(rec.steps[-1]))
            self.loss_v.append(float(rec.mean_loss))
            self.steps_per_s = rec.steps_per_s
            self.losses_changed.emit()
        elif isinstance(rec, Diverged):
            self._latest = rec.state
            self._diverged = rec

    def _on_finished(self) -> None:
        self._finish()

    def _on_errored(self, exc: BaseException) -> None:
        """The training worker failed: keep the last state it reported, say why (then finished
        arrives and stepping resumes from that state)."""
        path = log_exception(type(exc), exc, exc.__traceback__)
        self.error.emit(f"Training stopped by an error: {exc!r} (details in {path})")

    def stop_training(self) -> None:
        if self._worker is None:
            return
        self._worker.quit()
        QThreadPool.globalInstance().waitForDone(5000)
        self._finish()

    def _finish(self) -> None:
        if self._worker is None:
            return
        worker, self._worker = self._worker, None
        self._blas.restore_original_limits()
        try:
            worker.yielded.disconnect(self._on_progress)
            worker.finished.disconnect(self._on_finished)
            worker.errored.disconnect(self._on_errored)
        except (RuntimeError, TypeError):
            pass
        # resume stepping exactly where training stopped: trace the next step from that state
        appended = self._append_step(self._latest, ask=False)  # where training stopped
        self.goto(len(self.history) - 1, 0 if appended else self.event_index)
        self.training_changed.emit(False)
        if self._diverged is not None:
            self.error.emit(self._diverged.message)
            self._diverged = None
