"""The explainer's state: a network, the traced steps so far, and a position in them.

A QObject that widgets observe (it is not a widget). It holds indices over engine records and asks
the engine for new steps; it never computes a number itself. Continuous training
(explainer_training.py) trains in a child process, waited on from a superqt worker thread.
"""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from threadpoolctl import ThreadpoolController

from app.shared.errors import log_exception
from engine.numpy_engine import Network, StepResult, TrainState
from engine.numpy_engine.guard import check_step
from engine.numpy_engine.limits import MAX_HISTORY_BYTES
from engine.numpy_engine.spec import NetworkSpec
from engine.numpy_engine.stream import (
    DEFAULT_SPEED,
    shared_speed,
)

from . import loading
from .explainer_training import ContinuousTraining
from .explosion import ExplosionGate
from .loading import Prepared
from .sample_filter import SampleFilter

MAX_HISTORY = 400  # traced steps kept for stepping back (fewer for big nets: MAX_HISTORY_BYTES)
_blas: ThreadpoolController | None = None


def one_blas_thread():
    """A context for the GUI's own maths (a step, a decision grid) on one BLAS thread. On a busy
    2-core machine two spinning BLAS threads made a 2-500-500-1 step 4x slower (80 ms vs 20 ms)."""
    global _blas
    if _blas is None:
        _blas = ThreadpoolController()
    return _blas.limit(limits=1, user_api="blas")


def settle_garbage() -> None:
    """After a network is shown: collect everything once (what an earlier call froze too, so no
    cyclic garbage outlives a switch), then move every object alive now (Qt, pyqtgraph, the
    network) out of the collector's sight. A full collection then scans only what stepping
    creates instead of pausing a key press for 20-40 ms (bench/digit_step.py); objects are
    still freed when their last reference goes."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class Explainer(ContinuousTraining, QObject):
    changed = Signal()  # the position moved or the current step was recomputed
    network_changed = Signal()  # a new network or data set: views rebuild
    losses_changed = Signal()  # the loss history grew
    training_changed = Signal(bool)  # continuous training started (True) or stopped
    error = Signal(str)  # a message for the user; nothing was changed
    info = Signal(str)  # a status message
    sample_changed = Signal(object)  # the sample stepping keeps (int), or None for all
    exploded = Signal(str)  # the next step's loss exploded: it is held until asked for again
    hand_edited = Signal()  # a weight or bias was changed on the drawing: no longer the preset

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
        self.from_preset = False  # a session restored of its source preset, trained
        self.edited = False  # a weight or bias changed by hand since the network was loaded
        self.max_history = MAX_HISTORY  # traced steps kept for this network
        self.filter = SampleFilter()  # one sample of the batch, or every event
        self.gate = ExplosionGate()  # past an exploded loss only when asked twice
        self.speed = shared_speed(DEFAULT_SPEED)  # continuous training's steps a second (0: all)

    # ---- loading: validate, then switch ----
    def _attempt(self, build, failure: str, refused=None) -> bool:
        """Build aside with `build()` -> Prepared, then switch to it. On any failure nothing
        changes and the error signal says why in one sentence, prefixed with `failure`; or, when
        given, `refused(sentence, exception)` is told instead (the editor shows a refusal beside
        its field, from the exception's structured field)."""
        try:
            with one_blas_thread():
                prepared = build()
        except (ValueError, KeyError) as e:  # every refusal of the engine is a ValueError
            reason, exc = str(e.args[0] if isinstance(e, KeyError) and e.args else e), e
        except MemoryError as e:
            reason, exc = "there is not enough memory for it", e
        except RecursionError as e:
            reason, exc = "it is nested too deeply to read", e
        except Exception as e:  # noqa: BLE001 - a bug: the window stays as it was
            path = log_exception(type(e), e, e.__traceback__)
            reason = f"an unexpected error ({type(e).__name__}: {e}); details are in {path}"
            exc = e
        else:
            self._switch(prepared)
            return True
        if refused is not None:
            refused(f"{failure}{reason}", exc)
        else:
            self.error.emit(f"{failure}{reason}")
        return False

    def _switch(self, p: Prepared) -> None:
        """Show a prepared network: the only place that replaces it."""
        self.stop_training()
        self.gate.reset()
        self.net = p.net
        per_step = max(1, p.net.step_bytes())
        self.max_history = max(2, min(MAX_HISTORY, MAX_HISTORY_BYTES // per_step))
        self.history = [p.first]
        self.step_index = self.event_index = 0
        if self.filter.sample is not None and self.filter.sample >= p.net.batch_size():
            self.filter.sample = None  # the new batch is smaller: show every sample
            self.sample_changed.emit(None)
        self.source = p.source or self.source
        self.from_preset = p.from_preset
        self.edited = False
        self.loss_t, self.loss_v = list(p.losses[0]), list(p.losses[1])
        self._record_loss(p.first)
        self.network_changed.emit()
        self.losses_changed.emit()
        self.goto(0, p.event_index)
        if p.info:
            self.info.emit(p.info)
        settle_garbage()

    def load_prepared(self, build, failure: str = "") -> bool:
        """Build aside with `build()` -> loading.Prepared (a lesson's step), then switch."""
        return self._attempt(build, failure)

    def load_file(self, path: str | Path) -> bool:
        return self._attempt(lambda: loading.from_file(path), f"Could not open {Path(path).name}: ")

    def load_dict(self, d: dict, keep_state: TrainState | None = None, refused=None) -> bool:
        """A network from a dict (the editor). Errors are emitted, or told to `refused(text,
        exception)` when given; nothing changes."""
        return self._attempt(lambda: loading.from_dict(d, self.net, keep_state), "", refused)

    def open_session(self, path: str | Path) -> bool:
        """Reopen a saved session: its network and state, loss history and position."""
        return self._attempt(lambda: loading.from_session(path), "Session not opened: ")

    def use_dataset(self, name: str) -> bool:
        if self.net is None:
            return False
        return self._attempt(lambda: loading.from_dataset(self.net.spec, name), "Data not used: ")

    def import_csv(self, path: str | Path) -> bool:
        if self.net is None:
            return False
        return self._attempt(lambda: loading.from_csv(self.net.spec, path), "CSV not imported: ")

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
            self.loss_t.append(int(r.t))
            self.loss_v.append(float(r.loss))
            self.losses_changed.emit()

    def _append_step(self, state: TrainState, ask: bool = True) -> bool:
        """Trace the step after `state` and keep it; a diverging step is refused (False) with a
        message, and the window stays on the last good step. An exploded loss is held and said
        (False) until the same step is asked for again (explosion.py); not with `ask` False."""
        r = self.gate.waiting(state)
        if r is None:
            with one_blas_thread():
                r = self.net.step(state)
        diverged = check_step(r)
        if diverged is not None:
            self.error.emit(diverged.message)
            return False
        message = self.gate.admit(r, self.net.spec.optimizer.lr) if ask else None
        if message is not None:
            self.exploded.emit(message)
            return False
        if not ask:
            self.gate.reset()
        self.history.append(r)
        self._record_loss(r)
        if len(self.history) > self.max_history:
            drop = len(self.history) - self.max_history
            self.history = self.history[drop:]
            self.step_index = max(0, self.step_index - drop)
        return True

    # ---- the sample filter ----
    @property
    def sample(self) -> int | None:
        return self.filter.sample

    def set_sample(self, s) -> bool:
        """Step through sample `s` of the batch (its events and the batch's sums) or, with None,
        through every event. Anything else (beyond the batch, negative, not a whole number) is
        refused with a message and changes nothing."""
        if self.net is None:
            return False
        try:
            self.filter.choose(s, self.net.batch_size())
        except ValueError as e:
            self.error.emit(f"Sample not chosen: {e}")
            return False
        self.sample_changed.emit(self.filter.sample)
        self.goto(self.step_index, self.event_index)  # onto the nearest event it keeps
        return True

    def visible(self, step_index: int | None = None):
        """The events stepping visits in a step (the current one by default), as Spans."""
        return self.filter.spans(
            self.history[self.step_index if step_index is None else step_index]
        )

    def position_text(self) -> str:
        return self.filter.describe(self.current, self.event_index)

    # ---- moving ----
    def goto(self, step_index: int, event_index: int) -> None:
        """Show that event; with a sample chosen, the nearest event the filter keeps."""
        self.step_index = max(0, min(int(step_index), len(self.history) - 1))
        i = max(0, min(int(event_index), len(self.current.events) - 1))
        spans = self.visible()
        if i not in spans:
            i = spans.first_from(i)
            i = spans.last_before(event_index) if i is None else i
        self.event_index = int(i)  # a plain int: the session is saved from it
        self.changed.emit()

    def next(self) -> None:
        if self.training:
            return
        i = self.visible().next_after(self.event_index)
        if i is not None:
            self.goto(self.step_index, i)
        else:
            self.next_training_step()

    def back(self) -> None:
        if self.training:
            return
        i = self.visible().last_before(self.event_index)
        if i is not None:
            self.goto(self.step_index, i)
        elif self.step_index > 0:
            prev = self.visible(self.step_index - 1)
            self.goto(self.step_index - 1, prev.at(len(prev) - 1))

    def home(self) -> None:
        self.goto(self.step_index, self.visible().at(0))

    def end(self) -> None:
        spans = self.visible()
        self.goto(self.step_index, spans.at(len(spans) - 1))

    def jump_phase(self, phase: str) -> None:
        """To the first event of `phase` that the filter keeps."""
        i = self.visible().first_from(self.current.events.phase_start(phase))
        if i is not None:
            self.goto(self.step_index, i)

    def next_training_step(self) -> None:
        if self.training:
            return
        if self.step_index == len(self.history) - 1 and not self._append_step(self.current.after):
            return
        self.goto(self.step_index + 1, 0)  # its first event the filter keeps

    # ---- editing ----
    def edit_parameter(self, layer: int, part: str, index: tuple, value: float) -> None:
        """Change one weight or bias at the current step; the trace is recomputed from there."""
        if self.training or not np.isfinite(value):
            return
        self.gate.reset()  # a step held before the edit is no longer the next one
        state = self.net.edit_parameter(self.current.before, layer, part, index, value)
        with one_blas_thread():
            r = self.net.step(state)
        diverged = check_step(r)
        if diverged is not None:
            self.error.emit(
                f"{value:g} not used: this step would not be finite ({diverged.reason})"
            )
            return
        keep = self.event_index
        self.history = self.history[: self.step_index] + [r]
        t = self.current.t
        cut = next((k for k, s in enumerate(self.loss_t) if s >= t), len(self.loss_t))
        self.loss_t, self.loss_v = self.loss_t[:cut], self.loss_v[:cut]
        self._record_loss(self.current)
        self.losses_changed.emit()
        self.edited = True
        self.hand_edited.emit()
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
