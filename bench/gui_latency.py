"""How responsive a window stays while it trains, and how fast it trains.

    python bench/gui_latency.py [--seconds 10] [--preset spiral_deep.json]
    python bench/gui_latency.py --trainer [--seconds 20] [--data DIR] [--model fast-cnn]

The second form measures the MNIST trainer: the fast CNN training on the real MNIST (in the
trainer's child process) with every live plot drawn, against the same job run headless (the same
child process, no window). Throughput is the median samples/s of the step records.

A 60 Hz QTimer runs on the GUI thread while the window trains (the engine in its child process,
the window drawing plots from its timer). Reported: how late the timer fires (p50, p95, max; goal
p95 under 8 ms and no stall over 50 ms), and the training steps per second the window gets versus
the same engine generator run headless for the same time (goal: at least 0.9). Offscreen by
default; set QT_QPA_PLATFORM=xcb under Xvfb to include real painting.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def headless_steps_per_s(preset: Path, seconds: float) -> float:
    from engine.numpy_engine import Network
    from engine.numpy_engine.stream import train_stream

    net = Network.from_file(preset)
    t0 = time.perf_counter()
    steps = 0
    for rec in train_stream(net, net.initial_state(), max_rate=30):
        steps += len(rec.steps)
        if time.perf_counter() - t0 >= seconds:
            break
    return steps / (time.perf_counter() - t0)


def gui_run(preset: Path, seconds: float):
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from app.explainer.window import ExplainerWindow as MainWindow

    app = QApplication.instance() or QApplication([])
    win = MainWindow(tempfile.mkdtemp(), restore=False)
    win.open_network(str(preset))
    win.show()
    ex = win.explainer
    late: list[float] = []
    clock = QElapsedTimer()
    tick = QTimer()
    tick.setInterval(16)
    last = [0.0]

    def on_tick():
        now = clock.nsecsElapsed() / 1e6
        if last[0]:
            late.append(max(0.0, now - last[0] - 16.0))
        last[0] = now

    tick.timeout.connect(on_tick)
    ex.start_training()
    # wait for the child process to start before measuring
    t_wait = time.perf_counter()
    while not ex.loss_t or ex.loss_t[-1] <= 1:
        app.processEvents()
        time.sleep(0.005)
        if time.perf_counter() - t_wait > 30:
            raise SystemExit("training did not start")
    start_step = ex.loss_t[-1]
    clock.start()
    tick.start()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        app.processEvents()
        time.sleep(0.001)
    elapsed = time.perf_counter() - t0
    steps = ex.loss_t[-1] - start_step
    tick.stop()
    ex.stop_training()
    win.close()
    return np.array(late), steps / elapsed


class TickClock:
    """A 60 Hz QTimer on the GUI thread that records how late each tick fires (ms)."""

    def __init__(self):
        from PySide6.QtCore import QElapsedTimer, QTimer

        self.late: list[float] = []
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(16)
        self.last = 0.0
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed() / 1e6
        if self.last:
            self.late.append(max(0.0, now - self.last - 16.0))
        self.last = now

    def start(self) -> None:
        self.clock.start()
        self.timer.start()


def trainer_job(data: str, model: str, epochs: int):
    from engine.torch_engine.jobs import Job
    from engine.torch_engine.models import ModelConfig
    from engine.torch_engine.training import TrainConfig

    cfg = TrainConfig(model=ModelConfig(model), epochs=epochs, lr=1e-2, schedule="onecycle")
    return Job(kind="train", config=cfg, data_dir=data, store_path=tempfile.mktemp(".sqlite"))


def speeds_after_start(records, seconds: float, clock=None):
    """Median samples/s of the step records over `seconds` after the first step record (or
    until the run is done, on a GPU that trains the epochs in less time)."""
    from engine.torch_engine.records import Done, Step

    speeds, t0 = [], None
    for tagged in records:
        rec = getattr(tagged, "record", None)
        if isinstance(rec, Step):
            if t0 is None:
                t0 = time.perf_counter()
                if clock is not None:
                    clock.start()
            else:
                speeds.append(rec.samples_per_s)
        if isinstance(rec, Done):
            break
        if t0 is not None and time.perf_counter() - t0 >= seconds:
            break
    return float(np.median(speeds)) if speeds else float("nan")


def trainer_gui(job, seconds: float):
    from PySide6.QtWidgets import QApplication

    from app.trainer.window import TrainerWindow

    app = QApplication.instance() or QApplication([])
    win = TrainerWindow(tempfile.mkdtemp(), data_dir=job.data_dir, store=job.store_path)
    win.show()
    clock = TickClock()
    got: list = []
    win.runner.record.connect(got.append)
    win.job = job
    win.start_job(job, tab=0)

    def pumped():
        while True:
            app.processEvents()
            time.sleep(0.001)
            while got:
                yield got.pop(0)

    rate = speeds_after_start(pumped(), seconds, clock)
    clock.timer.stop()
    win.close()
    return np.array(clock.late), rate


def trainer_headless(job, seconds: float) -> float:
    from engine.torch_engine.jobs import run_job_in_process

    stream = run_job_in_process(job)
    try:
        return speeds_after_start(stream, seconds)
    finally:
        stream.close()


def plots_100k(points: int = 100_000) -> None:
    """The live plots holding a 100,000-step run: the cost of one redraw and one repaint."""
    from PySide6.QtWidgets import QApplication

    from app.trainer.live_plots import LivePlots
    from engine.torch_engine.records import Eval, Start, Step

    app = QApplication.instance() or QApplication([])
    w = LivePlots()
    w.resize(1400, 900)
    w.show()
    names = ("conv 1", "conv 2", "dense 1")
    w.add(Start("cpu", "", "CPU", 13114, 469, points, 60000, names))
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for k in range(1, points + 1):
        loss = 2.3 * np.exp(-k / 20000) + 0.1 * rng.random()
        w.add(Step(k, k / 469, loss, 0.9, 1e-3, 5000.0, 1.0, (0.5, 0.3, 0.2), k * 0.01))
        if k % 469 == 0:
            w.add(Eval(k, k / 469, loss, 0.98, loss, 0.98, k * 0.01))
    fill = time.perf_counter() - t0

    def timed(redraw) -> list[float]:
        times = []
        for _ in range(12):
            t0 = time.perf_counter()
            redraw()
            w.repaint()
            app.processEvents()
            times.append(1e3 * (time.perf_counter() - t0))
        return times

    every, one = timed(w.redraw), timed(w.redraw_next)
    print(
        f"live plots with {points:,} step records: appending {1e6 * fill / points:.1f} us a "
        f"record; every plot redrawn + repainted: median {np.median(every):.1f} ms, max "
        f"{max(every):.1f} ms; one plot a tick (as while training): median "
        f"{np.median(one):.1f} ms, max {max(one):.1f} ms"
    )
    w.close()


def trainer_main(a) -> None:
    from engine.torch_engine.mnist import default_data_dir

    data = a.data or str(
        Path(__file__).parents[2] / "shared" / "data" / "mnist"
        if (Path(__file__).parents[2] / "shared" / "data" / "mnist").is_dir()
        else default_data_dir()
    )
    job = trainer_job(data, a.model, epochs=a.epochs or max(1, int(a.seconds // 5)))
    late, gui_rate = trainer_gui(job, a.seconds)
    head_rate = trainer_headless(job, a.seconds)
    print(f"trainer, {a.model} on MNIST for {a.seconds:.0f} s ({os.environ['QT_QPA_PLATFORM']}):")
    print(
        f"  60 Hz timer lateness: p50 {np.percentile(late, 50):.2f} ms, p95 "
        f"{np.percentile(late, 95):.2f} ms, max {late.max():.1f} ms over {len(late)} ticks "
        f"(goal: p95 < 8 ms, max < 50 ms)"
    )
    print(
        f"  samples/s in the window {gui_rate:,.0f}, headless {head_rate:,.0f}: ratio "
        f"{gui_rate / head_rate:.2f} (goal >= 0.95)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--preset", default="spiral_deep.json")
    ap.add_argument("--trainer", action="store_true", help="measure the MNIST trainer")
    ap.add_argument("--data", default=None, help="MNIST folder (--trainer)")
    ap.add_argument("--model", default="fast-cnn", help="mlp | lenet | fast-cnn (--trainer)")
    ap.add_argument(
        "--epochs", type=int, default=0, help="the run's epochs (--trainer; 0: by time)"
    )
    a = ap.parse_args()
    if a.trainer:
        plots_100k()
        trainer_main(a)
        return
    preset = Path(__file__).parents[1] / "assets" / "presets" / a.preset
    late, gui_rate = gui_run(preset, a.seconds)
    head_rate = headless_steps_per_s(preset, a.seconds)
    print(
        f"explainer training {a.preset} for {a.seconds:.0f} s "
        f"({os.environ['QT_QPA_PLATFORM']} platform, {os.cpu_count()} cores):"
    )
    print(
        f"  60 Hz timer lateness: p50 {np.percentile(late, 50):.2f} ms, p95 "
        f"{np.percentile(late, 95):.2f} ms, max {late.max():.1f} ms over {len(late)} ticks "
        f"(goal: p95 < 8 ms, max < 50 ms)"
    )
    print(
        f"  steps/s in the window {gui_rate:,.0f}, headless {head_rate:,.0f}: ratio "
        f"{gui_rate / head_rate:.2f} (goal >= 0.9)"
    )


if __name__ == "__main__":
    main()
