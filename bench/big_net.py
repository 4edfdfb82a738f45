"""What a big network costs in the explainer: a 2-500-500-1 net on the 200-row spiral, full
batch (about 250,000 parameters and 400,000 forward events a step).

    python bench/big_net.py [--presses 200]

Printed: the time to open it in the window, a key press (Space: the next event; N: the next
training step) from the key to the repainted window, the process's peak memory, and the
gradient check (the engine alone, and in the window, where it runs in a worker thread while a
60 Hz timer measures how late the GUI thread gets). Offscreen; the machine is shared, so
compare within a run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BIG = {
    "name": "2-500-500-1 spiral",
    "layers": [
        {"units": 2},
        {"units": 500, "activation": "tanh"},
        {"units": 500, "activation": "tanh"},
        {"units": 1, "activation": "sigmoid"},
    ],
    "loss": "bce",
    "optimizer": {"name": "adam", "lr": 0.01},
    "data": {"dataset": "spiral"},
}


def open_big(app):
    """(window, seconds, file): an explainer window opened on the 2-500-500-1 net, painted."""
    from app.explainer.window import ExplainerWindow

    path = Path(tempfile.mkdtemp()) / "big.json"
    path.write_text(json.dumps(BIG))
    w = ExplainerWindow(tempfile.mkdtemp(), restore=False)
    w.resize(1500, 950)
    w.show()
    app.processEvents()
    t0 = time.perf_counter()
    assert w.open_network(str(path)), w.last_error
    w.repaint()
    app.processEvents()
    return w, time.perf_counter() - t0, path


CPU_MS: list[float] = []  # the GUI thread's CPU time of every press (robust to a busy machine)


def press_times(app, window, key, n: int) -> list[float]:
    """ms from the key to the whole window repainted, each press; CPU_MS gets the GUI thread's
    CPU time of the same presses (wall time counts the waits of a shared machine, this does not)."""
    from PySide6.QtTest import QTest

    out = []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.thread_time()
        QTest.keyClick(window, key)
        window.repaint()
        app.processEvents()
        out.append(1e3 * (time.perf_counter() - t0))
        CPU_MS.append(1e3 * (time.thread_time() - c0))
    return out


def gradcheck_in_window(app, w) -> tuple[float, list[float]]:
    sys.path.insert(0, str(Path(__file__).parent))
    from gui_latency import TickClock

    clock = TickClock()
    clock.start()
    t0 = time.perf_counter()
    w.show_gradient_check()
    dlg = w.dialogs[-1]
    while dlg.running:
        app.processEvents()
        time.sleep(0.001)
    took = time.perf_counter() - t0
    clock.timer.stop()
    return took, clock.late


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--presses", type=int, default=200)
    a = ap.parse_args()
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from engine.numpy_engine import Network
    from engine.numpy_engine.gradcheck import gradient_check_steps

    app = QApplication.instance() or QApplication([])
    w, opened, path = open_big(app)
    space = press_times(app, w, Qt.Key.Key_Space, a.presses)
    step = press_times(app, w, Qt.Key.Key_N, 10)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    net = Network.from_file(path)
    t0 = time.perf_counter()
    gen = gradient_check_steps(net, net.initial_state())
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        result = stop.value
    engine_s = time.perf_counter() - t0
    in_window, late = gradcheck_in_window(app, w)
    w.close()
    print("2-500-500-1, spiral, full batch (offscreen):")
    print(f"  open: {opened:.2f} s; peak memory of the process: {peak:,.0f} MB")
    print(
        f"  Space: median {statistics.median(space):.1f} ms, max {max(space):.1f} ms over "
        f"{len(space)} presses; N (a whole new step): median {statistics.median(step):.1f} ms, "
        f"max {max(step):.1f} ms (goal: under 50 ms)"
    )
    rows = len(getattr(result, "rows", ()) or ())
    print(
        f"  gradient check: engine {engine_s:.2f} s ({rows} parameters compared); in the window "
        f"{in_window:.2f} s from G to the table, GUI timer late by p95 "
        f"{sorted(late)[int(0.95 * (len(late) - 1))] if late else 0:.1f} ms, max "
        f"{max(late, default=0):.1f} ms"
    )


if __name__ == "__main__":
    main()
