"""The issue-21 ratio: the loop a user writes for MNIST against the engine's fast CNN, to 99.0%.

The user's loop: two 5x5 conv layers of 16 and 32 filters, max-pooling, a dense layer; ReLU, no
batch norm, float32 in torch's default NCHW; Adam + one-cycle to 1e-2 over 2 epochs of batch
128, evaluated after each epoch (97.98% after the first, 99.08% after the second). It builds
its Adam as the engine does (fused on the CPU since 2026-12-06), a little faster than the
torch.optim.Adam a user writes, so the ratio errs on the user's side. The engine:
the fast CNN with its recipe (settings.RECIPES), as the trainer runs it, checked after each
epoch too (`checks` > 1: that many times an epoch).

Each timed run has a fresh process of its own, as a user's script and the trainer's run do, so
neither inherits the other's caches, heap or threads. Each process first runs one untimed epoch
of its loop on 2,048 digits (oneDNN builds a layer's primitives at its first call), then the
timed run.
"""

from __future__ import annotations

import math
import statistics
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context

USER_CNN = (  # what a user writes: conv5(16)-pool-conv5(32)-pool-fc, ReLU, no batch norm
    {"type": "conv", "out": 16, "kernel": 5, "activation": "relu"},
    {"type": "pool", "size": 2},
    {"type": "conv", "out": 32, "kernel": 5, "activation": "relu"},
    {"type": "pool", "size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 10},
)
TARGET = 0.990


def _configs(device, checks: int, n: int, precision: str):
    from train_mnist import RECIPES

    from engine.torch_engine.models import ModelConfig
    from engine.torch_engine.training import TrainConfig

    user = TrainConfig(
        model=ModelConfig("custom", layers=USER_CNN),
        epochs=2,
        batch_size=128,
        lr=1e-2,
        schedule="onecycle",
        device=device,
        precision="float32",  # what a user writes: float32 (and torch's default NCHW)
    )
    every = 0 if checks <= 1 else math.ceil(n / 128 / checks)
    fast = replace(RECIPES["fast-cnn"][0], device=device, target_accuracy=TARGET, eval_every=every,
                   precision=precision)  # fmt: skip
    return user, fast


def _timed(side: str, folder: str, device, checks: int, precision: str):
    """In a fresh process: (test accuracy, seconds to 99.0% or None) of one side."""
    import torch
    from train_mnist import engine_run, plain_loop

    from engine.torch_engine.mnist import load_mnist
    from engine.torch_engine.training import prepare

    data = prepare(load_mnist(folder), torch.device(device or "cpu"))
    user, fast = _configs(device, checks, len(data.train_x), precision)
    small = replace(data, train_x=data.train_x[:2048], train_y=data.train_y[:2048],
                    test_x=data.test_x[:512], test_y=data.test_y[:512])  # fmt: skip
    if side == "user":
        plain_loop(replace(user, epochs=1), small, 1.0)
        acc, _, reached = plain_loop(user, data, TARGET, stop_at_target=True)
    else:
        engine_run(replace(fast, epochs=1, target_accuracy=None, eval_every=0), small, 1.0)
        acc, _, reached = engine_run(fast, data, TARGET)
    return acc, reached


def _in_fresh_process(*args):
    ctx = get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(_timed, *args).result()


def vs_user_cnn(folder: str, repeats: int, device, checks=1, precision="auto") -> None:
    """Print each pair's times and the median ratio (goal: at most 0.30x). `precision`: the
    engine's (the user's loop is float32)."""
    ratios = []
    for r in range(repeats):
        _, t_user = _in_fresh_process("user", folder, device, checks, precision)
        acc, t_fast = _in_fresh_process("engine", folder, device, checks, precision)
        if t_user is None or t_fast is None:
            print(f"  run {r + 1}: 99.0% not reached (user {t_user}, engine {t_fast}, {acc:.4f})")
            continue
        ratios.append(t_fast / t_user)
        print(
            f"  run {r + 1}: user's loop to 99.0% {t_user:.1f} s, the engine's fast CNN "
            f"{t_fast:.1f} s ({100 * acc:.2f}%): {t_fast / t_user:.2f}x",
            flush=True,
        )
    if ratios:
        print(f"  median {statistics.median(ratios):.2f}x the user's loop (goal at most 0.30x)")
