"""Experiments built on `train`: runs that differ in one value only, and the LR range test.

A sweep is a list of Variants (a label and a config); `jobs.run_job` runs them one after another
on data prepared once, and records each in the run store.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .device import forward, has_conv, pick_device, resolve_precision
from .device_data import DeviceData, prepare
from .mnist import MnistData
from .models import build_model, count_parameters, layer_groups
from .optim import make_optimizer
from .records import Cancelled, LrPoint, LrSuggestion, Start
from .subset import training_subset
from .sweepable import SWEEPABLE, apply, value_text
from .training import TrainConfig

SUGGESTION_RULE = (
    "the learning rate where the smoothed loss falls fastest (steepest slope against log LR)"
)


@dataclass(frozen=True)
class Variant:
    label: str  # what tells it apart, e.g. "lr=0.01" or "batch=256, lr=0.002"
    config: TrainConfig  # the base config with only the swept value changed
    value: Any = None  # the swept value (a preset's: its variant's name)
    seed: int | None = None  # the run's seed (config.seed)


SEED_LABEL = ", seed={}"  # what `repeated` adds to a value's label for each of its repeats
_SEED_SUFFIX = re.compile(r", seed=-?\d+$")  # SEED_LABEL at a label's end


def value_label(label: str | None) -> str:
    """The value a run's label stands for: the label without the seed `repeated` added."""
    return _SEED_SUFFIX.sub("", label or "")


def repeated(variants: list[Variant], repeats: int = 1) -> list[Variant]:
    """Each variant `repeats` times with the seeds seed, seed+1, ... (value-major: run index =
    value index * repeats + repeat); only the seed differs between a value's repeats."""
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a whole number of at least 1, not {repeats!r}")
    out = []
    for v in variants:
        for r in range(repeats):
            seed = v.config.seed + r
            label = v.label + (SEED_LABEL.format(seed) if repeats > 1 else "")
            out.append(Variant(label, replace(v.config, seed=seed), v.value, seed))
    return out


def sweep(base: TrainConfig, param: str, values, repeats: int = 1, scale_lr=False) -> list[Variant]:
    """Runs that differ in the one setting `param` (sweepable.SWEEPABLE), each value `repeats`
    times. A batch sweep with `scale_lr` scales the LR with the batch size as batch_sweep does."""
    if param == "lr":
        one = lr_sweep(base, values)
    elif param == "batch_size":
        one = batch_sweep(base, values, scale_lr)
    else:
        if param not in SWEEPABLE:
            raise ValueError(f"{param!r} cannot be swept; one of {', '.join(SWEEPABLE)}")
        one = [
            Variant(f"{SWEEPABLE[param].cli}={value_text(param, v)}", apply(base, param, v))
            for v in values
        ]
    one = [replace(v, value=x, seed=base.seed) for v, x in zip(one, values, strict=True)]
    return repeated(one, repeats)


def lr_sweep(base: TrainConfig, lrs) -> list[Variant]:
    """Same seed, model init and data order; only the learning rate differs."""
    if not all(isinstance(lr, int | float) and math.isfinite(lr) and lr > 0 for lr in lrs):
        raise ValueError(f"every learning rate of a sweep must be a number above 0, not {lrs!r}")
    return [Variant(f"lr={lr:g}", replace(base, lr=float(lr))) for lr in lrs]


def batch_sweep(base: TrainConfig, sizes, scale_lr: bool = False) -> list[Variant]:
    """Only the batch size differs; with `scale_lr` the LR follows the linear scaling rule
    (lr = base.lr · B / base.batch_size)."""
    out = []
    for b in sizes:
        if isinstance(b, bool) or not float(b).is_integer() or b < 1:
            raise ValueError(f"a batch size must be a whole number of at least 1, not {b!r}")
        lr = base.lr * b / base.batch_size if scale_lr else base.lr
        label = f"batch={int(b)}" + (f", lr={lr:g}" if scale_lr else "")
        out.append(Variant(label, replace(base, batch_size=int(b), lr=lr)))
    return out


def suggest_lr(lrs: np.ndarray, smoothed: np.ndarray) -> float:
    """The LR where the smoothed loss falls fastest (steepest negative slope in log LR)."""
    if len(lrs) < 3:
        return float(lrs[0]) if len(lrs) else float("nan")
    slope = np.gradient(smoothed, np.log(lrs))
    cut = max(1, len(lrs) // 10)  # ignore the noisy first points
    i = cut + int(np.argmin(slope[cut:])) if len(lrs) - cut > 1 else int(np.argmin(slope))
    return float(lrs[i])


def _step_at(model, opt, lr: float, x: torch.Tensor, y: torch.Tensor, smooth=0.0, bf16=False):
    """One training step of the range test at learning rate `lr` (the run's label smoothing and
    precision, as the run it is for will train); its loss (a device sync)."""
    for g in opt.param_groups:
        g["lr"] = lr
    out = forward(model, x, bf16, x.device.type)
    loss = F.cross_entropy(out, y, label_smoothing=smooth)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return float(loss.detach())


def lr_range_test(
    base: TrainConfig,
    data: MnistData | DeviceData,
    start: float = 1e-6,
    end: float = 1.0,
    steps: int = 100,
    beta: float = 0.9,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[Start | LrPoint | LrSuggestion | Cancelled]:
    """Leslie Smith's test: raise the LR exponentially each step, record the smoothed loss, stop
    when it explodes (4x the best), and suggest the LR of steepest descent. Yields Start, an
    LrPoint per step, then LrSuggestion (or Cancelled). One device sync per step: the test is
    short and each point is plotted."""
    if not (0 < start < end and math.isfinite(end)) or steps < 3:
        raise ValueError(
            f"an LR range test needs 0 < start < end and at least 3 steps "
            f"(got start {start:g}, end {end:g}, {steps} steps)"
        )
    choice = pick_device(base.device)
    dev = choice.device
    torch.manual_seed(base.seed)
    if isinstance(data, MnistData):
        data = prepare(data, dev, 0, base.limit_train)
    data = training_subset(data, base)
    model = build_model(base.model).to(dev).train()
    precision = resolve_precision(base.precision, dev.type, has_conv(model))
    opt = make_optimizer(replace(base, lr=start), model.parameters())
    n, bs = len(data.train_x), base.batch_size
    per_epoch, names = math.ceil(n / bs), tuple(name for name, _ in layer_groups(model))
    yield Start(str(dev), f"{choice.reason}; {precision.words}", choice.name,
                count_parameters(model), per_epoch, steps, n, names, base.label_smoothing,
                precision.name)  # fmt: skip
    order = torch.randperm(n, generator=torch.Generator().manual_seed(base.seed)).to(dev)  # (N,)
    factor = (end / start) ** (1 / max(1, steps - 1))
    avg, best, lrs, sm = 0.0, math.inf, [], []
    for i in range(steps):
        if should_stop is not None and should_stop():
            yield Cancelled(i, i * bs / n, f"cancelled at step {i}")
            return
        lr = start * factor**i
        j = (i * bs) % max(1, n - bs + 1)
        x, y = data.train_x[order[j : j + bs]], data.train_y[order[j : j + bs]]
        v = _step_at(model, opt, lr, x, y, base.label_smoothing, precision.bf16)
        if not math.isfinite(v):
            break
        avg = beta * avg + (1 - beta) * v
        smooth = avg / (1 - beta ** (i + 1))  # bias-corrected
        lrs.append(lr)
        sm.append(smooth)
        yield LrPoint(i, lr, v, smooth)
        best = min(best, smooth)
        if smooth > 4 * best and i > 5:
            break
    yield LrSuggestion(
        suggest_lr(np.array(lrs), np.array(sm)), SUGGESTION_RULE, tuple(lrs), tuple(sm)
    )
