"""How responsive the explainer stays while it trains continuously, and how fast it trains.

    python bench/gui_latency.py [--seconds 10] [--preset spiral_deep.json]

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--preset", default="spiral_deep.json")
    a = ap.parse_args()
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
