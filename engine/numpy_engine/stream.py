"""Continuous training as a generator, for the GUI's worker thread: untraced steps, yielding a
progress record at most `max_rate` times a second. Cancelling is closing the generator (or the
worker quitting at the next yield). A loss that explodes stops the stream with the last good state.

Its pace: as fast as it goes (about 36,000 steps/s on the 2-2-2 example: the loss curve is flat
after its first 1%) or at most `pace()` steps a second, read at every step, so a learner can
watch it learn and change the speed while it runs (train_in_process shares it with the child).
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .guard import EXPLODE_LOSS, Diverged, check_step
from .network import Network, TrainState

__all__ = ["Diverged", "Progress", "train_in_process", "train_stream", "SPEEDS", "DEFAULT_SPEED"]

SPEEDS = (10, 30, 100, 300, 1000, 3000, 0)  # steps a second a learner may choose; 0: full speed
DEFAULT_SPEED = 100  # the 2-2-2 example learns in about 20 s, its loss curve falling throughout
BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Progress:
    state: TrainState  # the state after the last step of this chunk
    steps: tuple[int, ...]  # step numbers done in this chunk
    losses: tuple[float, ...]  # the batch loss before each of those steps
    steps_per_s: float  # measured over this chunk

    @property
    def mean_loss(self) -> float:
        """One point for a live loss curve: the chunk's mean batch loss."""
        return float(np.mean(self.losses)) if self.losses else float("nan")


def train_stream(
    net: Network,
    state: TrainState,
    max_rate: float = 30.0,
    max_steps: int | None = None,
    explode: float = EXPLODE_LOSS,
    pace: Callable[[], float] | None = None,
) -> Iterator[Progress | Diverged]:
    """Train from `state` until closed (or `max_steps`), yielding Progress records; with `pace`,
    at most pace() steps a second (0 or less, or no pace: as fast as it goes)."""
    interval = 1.0 / max_rate if max_rate > 0 else 0.0
    last = time.perf_counter()
    started = last
    steps: list[int] = []
    losses: list[float] = []
    done = 0
    while max_steps is None or done < max_steps:
        r = net.step(state, trace=False)
        diverged = check_step(r, explode)
        if diverged is not None:
            if steps:
                yield Progress(state, tuple(steps), tuple(losses), 0.0)
            yield diverged
            return
        state = r.after
        steps.append(r.t)
        losses.append(r.loss)
        done += 1
        started = _wait_for_pace(pace, started)
        now = time.perf_counter()
        if now - last >= interval or done == max_steps:
            yield Progress(state, tuple(steps), tuple(losses), len(steps) / max(now - last, 1e-9))
            steps, losses, last = [], [], now


def _wait_for_pace(pace: Callable[[], float] | None, started: float) -> float:
    """Sleep until a step begun at `started` has taken 1/pace() seconds; the next one's start."""
    rate = pace() if pace is not None else 0.0
    if rate > 0 and math.isfinite(rate):
        wait = started + 1.0 / rate - time.perf_counter()
        if wait > 0:
            time.sleep(min(wait, 1.0))
    return time.perf_counter()


def _child(conn, net: Network, state: TrainState, max_rate: float, speed=None) -> None:
    """Runs in the child process: stream records to the parent until told to stop; `speed`, a
    shared value the parent may change, paces it (steps a second, 0 for full speed)."""
    pace = (lambda: speed.value) if speed is not None else None
    try:
        for rec in train_stream(net, state, max_rate, pace=pace):
            conn.send(rec)
            if conn.poll():  # the parent asked us to stop
                break
        conn.send(None)
    except (BrokenPipeError, EOFError, KeyboardInterrupt):
        pass
    finally:
        conn.close()


def train_in_process(
    net: Network,
    state: TrainState,
    max_rate: float = 30.0,
    heartbeat_s: float = 0.05,
    speed=None,
) -> Iterator[Progress | Diverged | None]:
    """`train_stream` in a child process, so a GUI in this process keeps its interpreter lock.

    Yields the child's records, and None every `heartbeat_s` while none arrives (so a worker can
    check for cancellation). Closing the generator stops the child. `speed`: a shared value
    made by `shared_speed`, read by the child at every step (the window's speed control).
    """
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # never fork a process that runs Qt threads
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(child, net, state, max_rate, speed), daemon=True)
    # one BLAS thread in the child: small nets gain nothing from more, and spinning BLAS threads
    # on every core would slow the GUI beside it (measured in bench/gui_latency.py)
    saved = {k: os.environ.get(k) for k in BLAS_THREAD_VARS}
    os.environ.update(dict.fromkeys(BLAS_THREAD_VARS, "1"))
    try:
        proc.start()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    child.close()
    try:
        while True:
            if parent.poll(heartbeat_s):
                try:
                    rec = parent.recv()
                except EOFError:
                    return
                if rec is None:
                    return
                yield rec
                if isinstance(rec, Diverged):
                    return
            elif not proc.is_alive():
                return
            else:
                yield None
    finally:
        with contextlib.suppress(BrokenPipeError, OSError):
            parent.send("stop")
        proc.join(2.0)
        if proc.is_alive():
            proc.terminate()
            proc.join(1.0)
        parent.close()


def shared_speed(steps_per_s: float = DEFAULT_SPEED):
    """A speed (steps a second; 0: full speed) shared with train_in_process's child: setting
    its `.value` paces a run already going."""
    import multiprocessing as mp

    return mp.get_context("spawn").Value("d", float(steps_per_s), lock=False)
