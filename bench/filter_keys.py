"""Stepping one sample of a full batch, and the Events panel, on big steps: the spiral preset
(2-16-16-1, 200 samples, 27,275 events a step) and the 2-500-500-1 net of big_net.py on the
same data (about 1.25 million events a step).

    python bench/filter_keys.py [--presses 300] [--no-big]

Printed per net: the events a step and those one sample keeps; a filtered Space in the explainer
alone (the filter's own cost: a bisect over a few ranges) and in the window from the key to the
repainted window (the drawing, the formula and the Events panel following), median and worst;
the Events panel's part of a press; and the time to build the panel's tree for a new step (the
groups and the rows shown). Offscreen; the machine is shared, so compare within a run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from big_net import BIG  # noqa: E402  (the same 2-500-500-1 net)


def _ms(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.3f} ms, worst {max(xs):.3f} ms"


def _timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(1e3 * (time.perf_counter() - t0))
    return out


def explainer_alone(load, sample: int, presses: int) -> None:
    from app.explainer.explainer import Explainer

    ex = Explainer()
    load(ex)
    r = ex.current
    ex.set_sample(sample)
    print(f"  {len(r.events):,} events a step; sample {sample} keeps {len(ex.visible()):,}")
    ex.home()
    print(f"  Space, explainer alone: {_ms(_timed(ex.next, presses))}")
    print(f"  Back, explainer alone:  {_ms(_timed(ex.back, presses))}")
    print(f"  End then Home:          {_ms(_timed(lambda: (ex.end(), ex.home()), 50))}")


def in_window(app, load, sample: int, presses: int) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.explainer.window import ExplainerWindow

    w = ExplainerWindow(tempfile.mkdtemp(), restore=False)
    w.show()
    load(w.explainer)
    app.processEvents()
    ex, panel = w.explainer, w.events
    ex.set_sample(sample)
    app.processEvents()

    def press():
        QTest.keyClick(w, Qt.Key.Key_Space)
        w.repaint()
        app.processEvents()

    follow, show = [], panel.show_position

    def timed_show(e):  # the panel's own part of each press
        t0 = time.perf_counter()
        show(e)
        follow.append(1e3 * (time.perf_counter() - t0))

    panel.show_position = timed_show  # the window calls it through the attribute
    print(f"  Space in the window (to repainted): {_ms(_timed(press, presses))}")
    print(f"  the Events panel's part of a press: {_ms(follow)}")
    panel.show_position = show
    for s in (sample, None):
        ex.set_sample(s)

        def rebuild():
            panel._shown = ()  # as a new step: new groups, a new model
            panel.show_position(ex)
            panel.tree.repaint()

        t = _timed(rebuild, 10)
        who = "every sample" if s is None else f"sample {s}"
        print(f"  the tree for a new step ({who}): {_ms(t)}, {panel.model.nodes_made} rows made")
    w.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--presses", type=int, default=300)
    ap.add_argument("--no-big", action="store_true", help="the spiral preset only")
    a = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    from app.explainer.data_panel import PRESET_DIR

    app = QApplication.instance() or QApplication([])
    nets = [("spiral preset, 2-16-16-1", lambda ex: ex.load_file(PRESET_DIR / "spiral_deep.json"))]
    if not a.no_big:
        nets.append(("2-500-500-1 on the spiral", lambda ex: ex.load_dict(dict(BIG))))
    for name, load in nets:
        print(name)
        explainer_alone(load, 3, a.presses)
        in_window(app, load, 3, min(a.presses, 100))


if __name__ == "__main__":
    main()
