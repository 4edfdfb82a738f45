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
    """The optimizer `cfg` names over `params`, with torch's fused kernel where it has one (on
    CUDA one launch for every parameter: a small model's step is bound by launches, not
    arithmetic; on a CPU one loop: the fast CNN's Adam step 72 instead of 240 µs, the same
    numbers to float rounding). A torch without a CPU kernel for it gets the usual one."""
    params = list(params)
    try:
        return _optimizer(cfg, params, fused=cfg.optimizer in FUSED and _one_kind(params))
    except RuntimeError as e:  # a torch without this fused kernel here (before 2.4 on a CPU)
        if "fused" not in str(e):
            raise
        return _optimizer(cfg, params, fused=False)


def _one_kind(params) -> bool:
    kinds = {p.device.type for p in params}
    return len(kinds) == 1 and kinds <= {"cuda", "cpu"}


def _optimizer(cfg: TrainConfig, params: list, fused: bool) -> torch.optim.Optimizer:
    o, lr, wd = cfg.optimizer, cfg.lr, cfg.weight_decay
    fused = {"fused": True} if fused else {}
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
