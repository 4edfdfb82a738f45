"""What a key press costs in the explainer on the spiral preset (2-16-16-1, full batch: 27,275
events a step), and what a 2-500-500-1 network costs in memory when opened and stepped.

    python bench/spiral_keys.py [--presses 40] [--profile] [--no-big]

Printed: the redraw time of one key press (Space: the next event) from the key to the repainted
window, median and worst, at several places of the step (the first events, the middle of the
forward phase, the backward and update phases, and the last events of the step, where every
drawn value has been reached), with the formula dock shown and hidden (the formula panel's share);
then the peak memory (ru_maxrss) of opening and stepping the 2-500-500-1 net of bench/big_net.py
and its key press times. --profile prints where the time of the presses at the end of the step
goes (cProfile, top 25 by cumulative time). Offscreen; the machine is shared, so compare within
a run.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PLACES = ("start", "forward", "backward", "update", "end")


def at(ex, place: str, presses: int) -> int:
    """The event index the walk at `place` starts from (it presses Space `presses` times)."""
    events = ex.current.events
    n = len(events)
    start = {
        "start": 0,
        "forward": events.phase_start("loss") // 2,
        "backward": events.phase_start("backward"),
        "update": events.phase_start("update"),
        "end": n - 1 - presses,
    }[place]
    return max(0, min(start, n - 1 - presses))


def walk(app, w, presses: int) -> dict[str, list[float]]:
    from big_net import press_times
    from PySide6.QtCore import Qt

    ex = w.explainer
    out = {}
    for place in PLACES:
        ex.goto(ex.step_index, at(ex, place, presses))
        w.repaint()
        app.processEvents()
        out[place] = press_times(app, w, Qt.Key.Key_Space, presses)
    return out


def profile_end(app, w, presses: int) -> None:
    from big_net import press_times
    from PySide6.QtCore import Qt

    ex = w.explainer
    ex.goto(ex.step_index, at(ex, "end", presses))
    prof = cProfile.Profile()
    prof.enable()
    press_times(app, w, Qt.Key.Key_Space, presses)
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def report(label: str, times: dict[str, list[float]]) -> None:
    from big_net import CPU_MS

    every = [t for ts in times.values() for t in ts]
    cpu = CPU_MS[-len(every) :]
    parts = ", ".join(f"{p} {statistics.median(ts):.1f}/{max(ts):.1f}" for p, ts in times.items())
    print(
        f"  {label}: median {statistics.median(every):.1f} ms, worst {max(every):.1f} ms "
        f"(median/worst by place: {parts}) (goal: under 16 ms); the GUI thread's CPU time: "
        f"median {statistics.median(cpu):.1f} ms, worst {max(cpu):.1f} ms"
    )


def big_net(app, presses: int) -> None:
    """Open and step the 2-500-500-1 net; its peak memory is the process's (run it first)."""
    from big_net import open_big, press_times
    from PySide6.QtCore import Qt

    w, opened, _ = open_big(app)
    space = press_times(app, w, Qt.Key.Key_Space, presses)
    w.explainer.goto(0, len(w.explainer.current.events) - presses - 1)
    space += press_times(app, w, Qt.Key.Key_Space, presses)  # the end: every cell reached
    step = press_times(app, w, Qt.Key.Key_N, 5)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    w.docks["Formula"].hide()
    w.explainer.goto(w.explainer.step_index, len(w.explainer.current.events) - presses - 1)
    hidden = press_times(app, w, Qt.Key.Key_Space, presses)
    w.close()
    print("2-500-500-1, spiral, full batch (offscreen):")
    print(f"  open {opened:.2f} s; peak memory of the process {peak:,.0f} MB (goal: under 1 GB)")
    print(
        f"  Space: median {statistics.median(space):.1f} ms, worst {max(space):.1f} ms; "
        f"N (a new step): median {statistics.median(step):.1f} ms, worst {max(step):.1f} ms"
    )
    print(
        f"  Space at the end of a step, formula dock hidden: median "
        f"{statistics.median(hidden):.1f} ms, worst {max(hidden):.1f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--presses", type=int, default=40)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--no-big", action="store_true", help="skip the 2-500-500-1 net")
    a = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    from app.explainer.window import ExplainerWindow

    app = QApplication.instance() or QApplication([])
    if not a.no_big:
        big_net(app, a.presses)
    preset = Path(__file__).parents[1] / "assets" / "presets" / "spiral_deep.json"
    w = ExplainerWindow(tempfile.mkdtemp(), restore=False)
    w.resize(1500, 950)
    w.show()
    app.processEvents()
    assert w.open_network(str(preset)), w.last_error
    print(f"spiral_deep.json, {len(w.explainer.current.events):,} events a step (offscreen):")
    walk(app, w, 3)  # warm up: the first read of an event builds it
    report("formula dock shown", walk(app, w, a.presses))
    w.docks["Formula"].hide()
    app.processEvents()
    report("formula dock hidden", walk(app, w, a.presses))
    w.docks["Formula"].show()
    if a.profile:
        profile_end(app, w, a.presses)
    w.close()


if __name__ == "__main__":
    main()
