"""The explainer's state: a network, the traced steps so far, and a position in them.

A QObject that widgets observe (it is not a widget). It holds indices over engine records and asks
the engine for new steps; it never computes a number itself. Continuous training runs the engine's
`train_stream` generator in a superqt worker thread and is throttled there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import create_worker
from threadpoolctl import threadpool_limits

from engine.numpy_engine import (
    CsvError,
    Dataset,
    Network,
    NetworkFileError,
    StepResult,
    TrainState,
    gradient_check,
    load_csv,
    load_network_file,
    make_dataset,
    parse_network,
)
from engine.numpy_engine.adapt import adapt_to_data
from engine.numpy_engine.spec import DataSpec, NetworkSpec
from engine.numpy_engine.stream import Diverged, Progress, train_in_process

MAX_HISTORY = 400  # traced steps kept for stepping back


class Explainer(QObject):
    changed = Signal()  # the position moved or the current step was recomputed
    network_changed = Signal()  # a new network or data set: views rebuild
    losses_changed = Signal()  # the loss history grew
    training_changed = Signal(bool)  # continuous training started (True) or stopped
    error = Signal(str)  # a message for the user; nothing was changed
    info = Signal(str)  # a status message

    def __init__(self, parent=None):
        super().__init__(parent)
        self.net: Network | None = None
        self.history: list[StepResult] = []
        self.step_index = 0
        self.event_index = 0
        self.loss_t: list[int] = []
        self.loss_v: list[float] = []
        self.steps_per_s = 0.0
        self._worker = None
        self.source = ""  # the file or preset the network came from

    # ---- loading ----
    def load_file(self, path: str | Path) -> bool:
        try:
            net = Network(load_network_file(path))
        except (NetworkFileError, CsvError, KeyError) as e:
            self.error.emit(f"Could not open {Path(path).name}: {e}")
            return False
        if net.data is None:
            self.error.emit(f"{Path(path).name} has no data to train on.")
            return False
        self.source = str(path)
        self.set_network(net)
        return True

    def load_dict(self, d: dict, keep_state: TrainState | None = None) -> bool:
        """A network from a dict (the editor, a session). Errors are emitted; nothing changes."""
        try:
            spec = parse_network(d)
            net = Network(spec, self.net.data if spec.data is None and self.net else None)
        except (NetworkFileError, CsvError, KeyError) as e:
            self.error.emit(str(e))
            return False
        if net.data is None:
            self.error.emit("the network has no data to train on")
            return False
        self.set_network(net, keep_state)
        return True

    def set_network(self, net: Network, state: TrainState | None = None) -> None:
        self.stop_training()
        self.net = net
        self.history = [net.step(state or net.initial_state())]
        self.step_index = self.event_index = 0
        self.loss_t, self.loss_v = [], []
        self._record_loss(self.history[0])
        self.network_changed.emit()
        self.changed.emit()

    def restore(self, net: Network, state: TrainState, event_index: int, losses, source: str):
        """Reopen a saved session: its network and state, loss history and position."""
        self.set_network(net, state)
        self.source = source
        if losses and losses[0]:
            self.loss_t, self.loss_v = list(losses[0]), list(losses[1])
            self.losses_changed.emit()
        self.goto(0, event_index)

    def use_dataset(self, name: str) -> bool:
        return self._use_data(make_dataset(name), DataSpec(dataset=name))

    def import_csv(self, path: str | Path) -> bool:
        try:
            data = load_csv(path)
        except CsvError as e:
            self.error.emit(f"CSV not imported: {e}")
            return False
        return self._use_data(data, None)

    def _use_data(self, data: Dataset, data_spec: DataSpec | None) -> bool:
        if self.net is None:
            return False
        spec = adapt_to_data(self.net.spec, data, data_spec)
        try:
            net = Network(spec, data)
        except NetworkFileError as e:
            self.error.emit(str(e))
            return False
        self.set_network(net)
        self.info.emit(f"data: {data.name} ({len(data.inputs)} samples, {data.task})")
        return True

    # ---- position ----
    @property
    def current(self) -> StepResult:
        return self.history[self.step_index]

    @property
    def event(self):
        return self.current.events[self.event_index]

    @property
    def spec(self) -> NetworkSpec:
        return self.net.spec

    def _record_loss(self, r: StepResult) -> None:
        if not self.loss_t or r.t > self.loss_t[-1]:
            self.loss_t.append(r.t)
            self.loss_v.append(r.loss)
            self.losses_changed.emit()

    def _append_step(self, state: TrainState) -> None:
        r = self.net.step(state)
        self.history.append(r)
        self._record_loss(r)
        if len(self.history) > MAX_HISTORY:
            drop = len(self.history) - MAX_HISTORY
            self.history = self.history[drop:]
            self.step_index = max(0, self.step_index - drop)

    def goto(self, step_index: int, event_index: int) -> None:
        self.step_index = max(0, min(step_index, len(self.history) - 1))
        self.event_index = max(0, min(event_index, len(self.current.events) - 1))
        self.changed.emit()

    def next(self) -> None:
        if self.training:
            return
        if self.event_index < len(self.current.events) - 1:
            self.goto(self.step_index, self.event_index + 1)
        else:
            self.next_training_step()

    def back(self) -> None:
        if self.training:
            return
        if self.event_index > 0:
            self.goto(self.step_index, self.event_index - 1)
        elif self.step_index > 0:
            prev = self.history[self.step_index - 1]
            self.goto(self.step_index - 1, len(prev.events) - 1)

    def home(self) -> None:
        self.goto(self.step_index, 0)

    def end(self) -> None:
        self.goto(self.step_index, len(self.current.events) - 1)

    def jump_phase(self, phase: str) -> None:
        self.goto(self.step_index, self.current.events.phase_start(phase))

    def next_training_step(self) -> None:
        if self.training:
            return
        if self.step_index == len(self.history) - 1:
            self._append_step(self.current.after)
        self.goto(self.step_index + 1, 0)

    # ---- editing ----
    def edit_parameter(self, layer: int, part: str, index: tuple, value: float) -> None:
        """Change one weight or bias at the current step; the trace is recomputed from there."""
        if self.training or not np.isfinite(value):
            return
        state = self.net.edit_parameter(self.current.before, layer, part, index, value)
        keep = self.event_index
        self.history = self.history[: self.step_index] + [self.net.step(state)]
        t = self.current.t
        cut = next((k for k, s in enumerate(self.loss_t) if s >= t), len(self.loss_t))
        self.loss_t, self.loss_v = self.loss_t[:cut], self.loss_v[:cut]
        self._record_loss(self.current)
        self.losses_changed.emit()
        self.goto(self.step_index, keep)

    def parameter_history(self, layer: int, part: str, index: tuple, last: int | None = None):
        """(step, value before that step) for the traced steps kept (the `last` ones), then the
        value after the newest."""
        k = 0 if part == "weights" else 1
        steps = self.history[-last:] if last else self.history
        out = [(r.t, float(r.before.params[layer - 1][k][index])) for r in steps]
        out.append(
            (self.history[-1].t + 1, float(self.history[-1].after.params[layer - 1][k][index]))
        )
        return out

    def gradient_check(self):
        return gradient_check(self.net, self.current.before)

    # ---- continuous training ----
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
        self.step_index = len(self.history) - 1
        # the engine trains in a child process; this worker thread only waits on its pipe
        self._worker = create_worker(
            train_in_process, self.net, state, max_rate, _start_thread=False
        )
        self._worker.yielded.connect(self._on_progress)
        self._worker.finished.connect(self._on_finished)
        self._latest = state
        self._diverged: Diverged | None = None
        # the child trains on one core; one BLAS thread here keeps the GUI's small sums (the
        # decision grid) off that core: 7 ms -> 1 ms a grid in bench/gui_latency.py
        self._blas = threadpool_limits(1, user_api="blas")
        self._worker.start()
        self.training_changed.emit(True)

    def _on_progress(self, rec) -> None:
        if rec is None:  # a heartbeat
            return
        if isinstance(rec, Progress):
            self._latest = rec.state
            # one point per record (<= 30/s), however many steps it covers
            self.loss_t.append(rec.steps[-1])
            self.loss_v.append(rec.mean_loss)
            self.steps_per_s = rec.steps_per_s
            self.losses_changed.emit()
        elif isinstance(rec, Diverged):
            self._latest = rec.state
            self._diverged = rec

    def _on_finished(self) -> None:
        self._finish()

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
        except (RuntimeError, TypeError):
            pass
        # resume stepping exactly where training stopped: trace the next step from that state
        self._append_step(self._latest)
        self.goto(len(self.history) - 1, 0)
        self.training_changed.emit(False)
        if self._diverged is not None:
            self.error.emit(self._diverged.message)
            self._diverged = None
