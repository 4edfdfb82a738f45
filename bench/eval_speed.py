"""How long one evaluation of the 10,000 test digits takes, by evaluation batch size.

    python bench/eval_speed.py [--repeats 5] [--threads 2]

For the fast CNN (channels-last, as the engine trains it on a CPU) and the MLP 784-256-128-10:
the seconds `training.evaluate` takes over 10,000 digits at each batch size, the sizes
alternating within each repeat (the machine is shared), medians printed beside the ratio to the
engine's default. The values of the digits do not change the work, so random digits stand in for
MNIST. An evaluation runs at every `eval_every` steps and every epoch's end, so on a CPU its batch
size is part of the time to 99% (issue 21). Then the fast CNN at its batch with its batch norms
folded into the convs (what `evaluate` does) against the same without folding.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

import torch

sys.path.insert(0, str(Path(__file__).parents[1]))
from engine.torch_engine.device import fast_layout  # noqa: E402
from engine.torch_engine.evaluation import eval_batch, evaluate, folded  # noqa: E402
from engine.torch_engine.models import ModelConfig, build_model  # noqa: E402

SIZES = (64, 128, 256, 500, 2000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(10_000, 1, 28, 28, generator=gen)
    y = torch.randint(0, 10, (10_000,), generator=gen)
    print(f"CPU, {a.threads} threads, 10,000 digits")
    for name in ("fast-cnn", "mlp"):
        torch.manual_seed(0)
        model = fast_layout(build_model(ModelConfig(name)))
        default = eval_batch(model, x)
        evaluate(model, x[:500], y[:500], 128)  # warm up
        times: dict[int, list[float]] = {b: [] for b in SIZES}
        for _ in range(a.repeats):
            for b in SIZES:
                t = time.perf_counter()
                evaluate(model, x, y, b)
                times[b].append(time.perf_counter() - t)
        base = statistics.median(times[default])
        row = ", ".join(
            f"{b}: {statistics.median(t):.3f} s ({statistics.median(t) / base:.2f}x)"
            for b, t in times.items()
        )
        print(f"  {name} (the engine's batch: {default}): {row}")
        if name == "fast-cnn":
            fold_or_not(model, x, y, a.repeats)


def fold_or_not(model, x, y, repeats: int) -> None:
    """The fast CNN's evaluation with its batch norms folded (the engine's) and without."""
    times: dict[str, list[float]] = {"folded": [], "not folded": []}
    for _ in range(repeats):
        for kind in times:
            with mock.patch(
                "engine.torch_engine.evaluation.folded",
                (lambda m: m) if kind != "folded" else folded,
            ):
                t = time.perf_counter()
                evaluate(model, x, y)
                times[kind].append(time.perf_counter() - t)
    f, n = (statistics.median(times[k]) for k in ("folded", "not folded"))
    print(f"  fast-cnn batch norms folded: {f:.3f} s, not folded: {n:.3f} s ({n / f:.2f}x)")


if __name__ == "__main__":
    main()
