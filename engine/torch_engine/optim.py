"""Optimizers and learning-rate schedules by name, as a TrainConfig asks for them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from .training import TrainConfig

OPTIMIZER_NAMES = (
    "sgd",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adam",
    "adamw",
    "nadam",
    "adadelta",
)
SCHEDULES = ("constant", "step", "cosine", "onecycle")


FUSED = ("sgd", "momentum", "nesterov", "adagrad", "adam", "adamw")  # torch has fused kernels


def make_optimizer(cfg: TrainConfig, params) -> torch.optim.Optimizer:
    """The optimizer `cfg` names over `params`. On CUDA, where torch has one, its fused kernel
    (one launch for every parameter: a small model's step is bound by launches, not arithmetic)."""
    params = list(params)
    o, lr, wd = cfg.optimizer, cfg.lr, cfg.weight_decay
    fused = {"fused": True} if o in FUSED and params and all(p.is_cuda for p in params) else {}
    if o == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd, **fused)
    if o in ("momentum", "nesterov"):
        return torch.optim.SGD(
            params, lr=lr, momentum=cfg.momentum, nesterov=o == "nesterov", weight_decay=wd, **fused
        )
    table = {
        "adagrad": torch.optim.Adagrad,
        "rmsprop": torch.optim.RMSprop,
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
        "nadam": torch.optim.NAdam,
        "adadelta": torch.optim.Adadelta,
    }
    if o not in table:
        raise ValueError(f"unknown optimizer {o!r}; choose one of {', '.join(OPTIMIZER_NAMES)}")
    return table[o](params, lr=lr, weight_decay=wd, **fused)


def make_schedule(cfg: TrainConfig, opt, total_steps: int):
    """A scheduler stepped once per batch, or None for a constant LR."""
    if cfg.schedule == "constant":
        return None
    if cfg.schedule == "step":
        return torch.optim.lr_scheduler.StepLR(opt, max(1, total_steps // 3), gamma=0.1)
    if cfg.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, total_steps))
    if cfg.schedule == "onecycle":
        # cycle momentum only where the optimizer has one (it would turn plain SGD into momentum)
        cyc = "betas" in opt.defaults or opt.defaults.get("momentum", 0) > 0
        return torch.optim.lr_scheduler.OneCycleLR(
            opt, cfg.lr, total_steps=max(2, total_steps), cycle_momentum=cyc
        )
    raise ValueError(f"unknown schedule {cfg.schedule!r}; choose one of {', '.join(SCHEDULES)}")
