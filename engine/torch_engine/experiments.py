"""Experiments built on `train`: runs that differ in one value only, and the LR range test."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F

from .device import pick_device
from .mnist import MnistData
from .models import build_model
from .training import DeviceData, TrainConfig, make_optimizer, prepare, train


def _runs(configs: list[tuple[str, TrainConfig]], data, should_stop=None) -> Iterator[dict]:
    """Each run's records, tagged with "run" (its label) and "run_index"."""
    dev = pick_device(configs[0][1].device).device
    if isinstance(data, MnistData):
        base = configs[0][1]
        data = prepare(
            data, dev, base.val_size if base.patience or base.val_size else 0, base.limit_train
        )
    for i, (label, cfg) in enumerate(configs):
        for rec in train(cfg, data, should_stop):
            yield {**rec, "run": label, "run_index": i, "config": cfg}
            if rec["kind"] == "cancelled":
                return


def lr_sweep(base: TrainConfig, lrs, data, should_stop=None) -> Iterator[dict]:
    """Same seed, model init and data order; only the learning rate differs."""
    return _runs([(f"lr={lr:g}", replace(base, lr=float(lr))) for lr in lrs], data, should_stop)


def batch_sweep(base: TrainConfig, sizes, data, scale_lr: bool = False, should_stop=None):
    """Only the batch size differs; with `scale_lr` the LR follows the linear scaling rule
    (lr = base.lr · B / base.batch_size)."""
    cfgs = []
    for b in sizes:
        lr = base.lr * b / base.batch_size if scale_lr else base.lr
        cfgs.append(
            (
                f"batch={b}" + (f", lr={lr:g}" if scale_lr else ""),
                replace(base, batch_size=int(b), lr=lr),
            )
        )
    return _runs(cfgs, data, should_stop)


def suggest_lr(lrs: np.ndarray, smoothed: np.ndarray) -> float:
    """The LR where the smoothed loss falls fastest (steepest negative slope in log LR)."""
    if len(lrs) < 3:
        return float(lrs[0]) if len(lrs) else float("nan")
    slope = np.gradient(smoothed, np.log(lrs))
    cut = max(1, len(lrs) // 10)  # ignore the noisy first points
    i = cut + int(np.argmin(slope[cut:])) if len(lrs) - cut > 1 else int(np.argmin(slope))
    return float(lrs[i])


def lr_range_test(
    base: TrainConfig,
    data,
    start: float = 1e-6,
    end: float = 1.0,
    steps: int = 100,
    beta: float = 0.9,
    should_stop=None,
) -> Iterator[dict]:
    """Leslie Smith's test: raise the LR exponentially each step, record the smoothed loss, stop
    when it explodes (4x the best), and suggest the LR of steepest descent."""
    dev = pick_device(base.device).device
    torch.manual_seed(base.seed)
    if isinstance(data, MnistData):
        data = prepare(data, dev, 0, base.limit_train)
    assert isinstance(data, DeviceData)
    model = build_model(base.model).to(dev).train()
    opt = make_optimizer(replace(base, lr=start), model.parameters())
    gen = torch.Generator().manual_seed(base.seed)
    n = len(data.train_x)
    factor = (end / start) ** (1 / max(1, steps - 1))
    avg, best = 0.0, math.inf
    lrs, sm = [], []
    order = torch.randperm(n, generator=gen).to(dev)
    for i in range(steps):
        if should_stop is not None and should_stop():
            yield {"kind": "cancelled", "step": i, "message": f"cancelled at step {i}"}
            return
        lr = start * factor**i
        for g in opt.param_groups:
            g["lr"] = lr
        j = (i * base.batch_size) % max(1, n - base.batch_size + 1)
        idx = order[j : j + base.batch_size]
        loss = F.cross_entropy(model(data.train_x[idx]), data.train_y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        v = float(loss.detach())
        if not math.isfinite(v):
            break
        avg = beta * avg + (1 - beta) * v
        smooth = avg / (1 - beta ** (i + 1))
        lrs.append(lr)
        sm.append(smooth)
        yield {"kind": "lr_find", "step": i, "lr": lr, "loss": v, "smoothed": smooth}
        best = min(best, smooth)
        if smooth > 4 * best and i > 5:
            break
    yield {
        "kind": "lr_suggestion",
        "lr": suggest_lr(np.array(lrs), np.array(sm)),
        "lrs": lrs,
        "smoothed": sm,
    }
