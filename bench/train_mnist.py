"""The PyTorch engine on the real MNIST, beside a plain PyTorch loop of the same model and recipe.

    python bench/train_mnist.py [--data DIR] [--repeats 2] [--only fast-cnn|mlp] [--device cpu]
    python bench/train_mnist.py --vs-user-cnn [--repeats 2]

For each model: test accuracy, wall seconds, seconds to the target accuracy, and the engine's
overhead against the plain loop (same data tensors, seed, data order, optimizer and schedule; the
runs alternate so a noisy machine hurts both alike). Goals (issue 4): the fast CNN at >= 99.0% in
under 20 s on the 2-core CPU; the MLP at <= 1.8% test error; overhead at most 5%; on a GPU, time to
99.0% under 1 s with the data on the GPU.

`--vs-user-cnn` (issue 21; bench/user_loop.py) times, alternating, each in a fresh process, the
loop a user would write for MNIST against the engine's fast CNN with its recipe, each to 99.0%
test accuracy, and prints the engine's time as a fraction of the user's (goal: at most 0.30).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).parents[1]))
from engine.torch_engine.device import forward, has_conv, pick_device, uses_bf16  # noqa: E402
from engine.torch_engine.mnist import default_data_dir, load_mnist  # noqa: E402
from engine.torch_engine.models import ModelConfig, build_model, count_parameters  # noqa: E402
from engine.torch_engine.records import Done, Eval  # noqa: E402
from engine.torch_engine.training import (  # noqa: E402
    TrainConfig,
    evaluate,
    make_optimizer,
    make_schedule,
    prepare,
    train,
)

RECIPES = {
    # the fast CNN: Adam + one-cycle to 4e-2 over one epoch of batch 128, label smoothing 0.05
    # (issue 21, 2026-12-06; settings.RECIPES). Seeds 0-11 ended at 99.04-99.18%, but seed 10 at
    # 98.90% (3e-2: the same, 98.91%; 5e-2 with smoothing 0.1: seed 11 at 98.99%); without
    # smoothing one epoch ended at 98.99-99.06% for seeds 0-2, so the recipe was 2 epochs at
    # 3e-2, passing 99.0% at 1.25-1.5 epochs
    "fast-cnn": (
        TrainConfig(
            model=ModelConfig("fast-cnn"),
            epochs=1,
            batch_size=128,
            lr=4e-2,
            schedule="onecycle",
            label_smoothing=0.05,
        ),
        0.990,
    ),
    # the course's MLP 784-256-128-10 with dropout 0.2: Adam + one-cycle, 8 epochs of batch 128
    # (constant Adam 1e-3 gave 97.8% after 5 epochs and 98.1% after 10 here)
    "mlp": (
        TrainConfig(
            model=ModelConfig("mlp", dropout=0.2),
            epochs=8,
            batch_size=128,
            lr=3e-3,
            schedule="onecycle",
        ),
        0.982,
    ),
}


def plain_loop(cfg: TrainConfig, data, target: float, stop_at_target: bool = False):
    """pytorch/examples style: the same recipe with nothing around it."""
    torch.manual_seed(cfg.seed)
    dev = data.train_x.device
    model = build_model(cfg.model).to(dev).train()
    bf16 = uses_bf16(cfg.precision, dev.type, has_conv(model))  # the recipe's precision too
    opt = make_optimizer(cfg, model.parameters())
    n = len(data.train_x)
    per_epoch = math.ceil(n / cfg.batch_size)
    sched = make_schedule(cfg, opt, per_epoch * cfg.epochs)
    gen = torch.Generator().manual_seed(cfg.seed)
    t0 = time.perf_counter()
    reached = None
    acc = 0.0
    for _ in range(cfg.epochs):
        order = torch.randperm(n, generator=gen).to(dev)
        for b in range(per_epoch):
            idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
            out = forward(model, data.train_x[idx], bf16, dev.type)
            loss = F.cross_entropy(out, data.train_y[idx], label_smoothing=cfg.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
        _, acc = evaluate(model, data.test_x, data.test_y)
        if reached is None and acc >= target:
            reached = time.perf_counter() - t0
            if stop_at_target:
                break
    return acc, time.perf_counter() - t0, reached


def engine_run(cfg: TrainConfig, data, target: float):
    t0 = time.perf_counter()
    reached = None
    acc = 0.0
    for rec in train(cfg, data):
        if isinstance(rec, Eval):
            acc = rec.test_accuracy
            if reached is None and acc >= target:
                reached = time.perf_counter() - t0
        elif isinstance(rec, Done):
            acc = rec.test_accuracy
    return acc, time.perf_counter() - t0, reached


def fmt_reached(r):
    return f"{r:6.1f} s" if r is not None else "   not reached"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--only", choices=list(RECIPES), default=None)
    ap.add_argument("--device", default=None)
    ap.add_argument("--vs-user-cnn", action="store_true", help="the issue-21 ratio")
    ap.add_argument(
        "--checks", type=int, default=1, help="--vs-user-cnn: the engine's checks an epoch"
    )
    ap.add_argument(
        "--precision",
        default="auto",
        choices=("auto", "float32", "bfloat16"),
        help="the engine's and its plain loop's (--vs-user-cnn: the user's loop stays float32)",
    )
    a = ap.parse_args()
    folder = a.data
    if folder is None:
        shared = Path(__file__).parents[1].parent / "shared" / "data" / "mnist"
        folder = shared if shared.exists() else default_data_dir()
    choice = pick_device(a.device)
    print(f"device: {choice.name} ({choice.reason}); data: {folder}")
    if a.vs_user_cnn:
        from user_loop import vs_user_cnn

        vs_user_cnn(str(folder), a.repeats, a.device, a.checks, a.precision)
        return
    data = prepare(load_mnist(folder), choice.device)
    for name, (cfg, target) in RECIPES.items():
        if a.only and name != a.only:
            continue
        cfg = replace(cfg, device=a.device, precision=a.precision)
        params = count_parameters(build_model(cfg.model))
        print(
            f"\n{name} ({params:,} parameters): {cfg.epochs} epoch{'s' * (cfg.epochs != 1)}, "
            f"batch {cfg.batch_size}, "
            f"{cfg.optimizer} lr {cfg.lr:g}, {cfg.schedule}; target {100 * target:.1f}%"
        )
        plain_t, eng_t = [], []
        for r in range(a.repeats):
            for label, fn, times in (
                ("plain loop", plain_loop, plain_t),
                ("engine    ", engine_run, eng_t),
            ):
                acc, wall, reached = fn(cfg, data, target)
                times.append(wall)
                print(
                    f"  run {r + 1} {label}: test accuracy {100 * acc:.2f}% "
                    f"(error {100 * (1 - acc):.2f}%), {wall:6.1f} s, "
                    f"{100 * target:.1f}% at {fmt_reached(reached)}"
                )
        p, e = statistics.median(plain_t), statistics.median(eng_t)
        print(
            f"  engine / plain loop wall time: {e / p:.3f} (overhead {100 * (e / p - 1):+.1f}%; "
            f"goal at most +5%)"
        )


if __name__ == "__main__":
    main()
