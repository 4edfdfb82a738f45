"""Seconds for a 61×61 loss grid of the 2-16-16-1 spiral net (assets/presets/spiral_deep.json, 200
samples, a random filter-normalised plane), and a 41×41 grid with a 3-optimizer race of 50 steps.

    python bench/landscape_grid.py [--repeats N]

Goal (issue 18): the 61×61 grid in under 0.5 s on the CPU. Each figure is the median of repeats;
the machine may be shared, so read the spread too.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))
from engine.numpy_engine import Network  # noqa: E402
from engine.numpy_engine.landscape import grid_losses, random_plane  # noqa: E402
from engine.numpy_engine.landscape_race import landscape, racers  # noqa: E402


def timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    net = Network.from_file(ROOT / "assets" / "presets" / "spiral_deep.json")
    like = net.initial_state().params
    plane = random_plane(like, seed=0)
    axis = np.linspace(-1, 1, 61)
    d = net.data

    def grid():
        return grid_losses(net.model, like, plane, axis, axis, d.inputs, d.targets)

    ts = timed(grid, args.repeats)
    print(
        f"61x61 grid, 2-16-16-1 spiral, {len(d.inputs)} samples: median {statistics.median(ts):.3f} s "
        f"(min {min(ts):.3f}, max {max(ts):.3f}, {args.repeats} repeats; goal < 0.5 s)"
    )
    rs = racers(["sgd", "momentum", "adam"], None, net)
    ts = timed(lambda: landscape(net, rs, 50, "path", 41), max(1, args.repeats // 2))
    print(
        f"41x41 grid + race of 3 optimizers x 50 steps (path plane): median "
        f"{statistics.median(ts):.3f} s"
    )


if __name__ == "__main__":
    main()
