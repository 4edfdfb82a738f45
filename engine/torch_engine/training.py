"""Training as a generator of metric records (pytorch/examples style: seeded, train/eval modes,
no_grad for evaluation). The whole data set lives as tensors on the training device.

Records are dicts with a "kind": start | step | eval | diverged | cancelled | done. Step records come
at most `max_records_per_s` times a second; each carries the mean loss since the last one. Finite-
ness is checked at each record (one device sync per record, not per step); on a NaN/inf loss the
run stops, names the first bad step, and restores the last weights that were checked good.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .device import pick_device
from .mnist import MEAN, STD, MnistData
from .models import ModelConfig, build_model, count_parameters

SNAPSHOT_EVERY = 5  # records between copies of the last good weights (restored on divergence)
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


@dataclass(frozen=True)
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    epochs: int = 3  # passes over the training set
    batch_size: int = 128  # samples per step
    lr: float = 1e-3  # learning rate (the peak for one-cycle)
    optimizer: str = "adam"  # one of OPTIMIZER_NAMES
    momentum: float = 0.9  # for momentum / nesterov
    weight_decay: float = 0.0  # L2 (decoupled for adamw)
    schedule: str = "constant"  # one of SCHEDULES, stepped every batch
    augment: bool = False  # random shifts (±2 px) and rotations (±10°) of each batch
    seed: int = 0  # seeds weights, dropout, augmentation and data order
    val_size: int = 0  # training samples held out for validation (needed for early stopping)
    patience: int = 0  # early stopping: epochs without a better validation loss (0 = off)
    target_accuracy: float | None = None  # stop once test accuracy reaches this
    eval_every: int = 0  # steps between test evaluations (0 = only at epoch ends)
    max_records_per_s: float = 20.0  # throttle for step records (a GUI redraws at ~10 Hz)
    device: str | None = None  # cuda | mps | cpu | None (best available)
    limit_train: int | None = None  # use only the first N training samples


@dataclass
class DeviceData:
    train_x: torch.Tensor  # (N, 1, 28, 28) float32, normalised
    train_y: torch.Tensor  # (N,) int64
    val_x: torch.Tensor  # (V, 1, 28, 28)
    val_y: torch.Tensor  # (V,)
    test_x: torch.Tensor  # (T, 1, 28, 28)
    test_y: torch.Tensor  # (T,)


def to_tensor(x: np.ndarray, device) -> torch.Tensor:
    t = torch.from_numpy(np.array(x, dtype=np.uint8)).to(device)  # a writable copy
    return t.float().div_(255.0).sub_(MEAN).div_(STD).unsqueeze(1)  # (n, 1, 28, 28)


def prepare(data: MnistData, device, val_size: int = 0, limit: int | None = None) -> DeviceData:
    tx, ty = data.train_x, data.train_y
    if limit:
        tx, ty = tx[:limit], ty[:limit]
    v = min(val_size, len(tx) // 2)
    lab = torch.from_numpy(ty.astype(np.int64)).to(device)
    x = to_tensor(tx, device)
    return DeviceData(
        x[: len(tx) - v],
        lab[: len(tx) - v],
        x[len(tx) - v :],
        lab[len(tx) - v :],
        to_tensor(data.test_x, device),
        torch.from_numpy(data.test_y.astype(np.int64)).to(device),
    )


def make_optimizer(cfg: TrainConfig, params) -> torch.optim.Optimizer:
    o, lr, wd = cfg.optimizer, cfg.lr, cfg.weight_decay
    if o == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd)
    if o in ("momentum", "nesterov"):
        return torch.optim.SGD(
            params, lr=lr, momentum=cfg.momentum, nesterov=o == "nesterov", weight_decay=wd
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
    return table[o](params, lr=lr, weight_decay=wd)


def make_schedule(cfg: TrainConfig, opt, total_steps: int):
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


def augment_batch(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random rotation (±10°) and shift (±2 px) per image, on x's device."""
    n = x.shape[0]
    r = torch.rand(n, 3, generator=gen).to(x.device)
    ang = (r[:, 0] * 2 - 1) * math.radians(10)
    shift = (r[:, 1:] * 2 - 1) * (2.0 / 14.0)  # 2 px in normalised [-1, 1] coordinates
    cos, sin = torch.cos(ang), torch.sin(ang)
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )  # (n, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False)


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 2000):
    """(mean loss, accuracy) in eval mode."""
    was = model.training
    model.eval()
    loss, correct = 0.0, 0
    for i in range(0, len(x), batch):
        out = model(x[i : i + batch])
        loss += float(F.cross_entropy(out, y[i : i + batch], reduction="sum"))
        correct += int((out.argmax(1) == y[i : i + batch]).sum())
    model.train(was)
    n = max(1, len(x))
    return loss / n, correct / n


def keep(model: nn.Module, into: dict[str, torch.Tensor]) -> None:
    """Copy the weights into preallocated buffers (no allocation on the training path)."""
    with torch.no_grad():
        for k, v in model.state_dict().items():
            into[k].copy_(v)


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def train(
    cfg: TrainConfig,
    data: MnistData | DeviceData,
    should_stop: Callable[[], bool] | None = None,
    model: nn.Module | None = None,
) -> Iterator[dict]:
    """Train, yielding records. The last record is "done" and carries the trained `model`."""
    choice = pick_device(cfg.device)
    dev = choice.device
    torch.manual_seed(cfg.seed)
    if isinstance(data, MnistData):
        data = prepare(
            data, dev, cfg.val_size if cfg.patience or cfg.val_size else 0, cfg.limit_train
        )
    model = (model or build_model(cfg.model)).to(dev)
    model.train()
    opt = make_optimizer(cfg, [p for p in model.parameters() if p.requires_grad])
    n = len(data.train_x)
    per_epoch = math.ceil(n / cfg.batch_size)
    total = per_epoch * cfg.epochs
    sched = make_schedule(cfg, opt, total)
    gen = torch.Generator().manual_seed(cfg.seed)
    interval = 1.0 / cfg.max_records_per_s if cfg.max_records_per_s > 0 else 0.0
    yield {
        "kind": "start",
        "device": str(dev),
        "device_reason": choice.reason,
        "device_name": choice.name,
        "parameters": count_parameters(model),
        "steps_per_epoch": per_epoch,
        "total_steps": total,
        "train_size": n,
    }
    t0 = time.perf_counter()
    last_rec, last_rec_step = t0, 0
    window: list[torch.Tensor] = []
    good, good_step, records = snapshot(model), 0, 0
    best_val, bad_epochs, best_state = math.inf, 0, None
    step, status, reached_at = 0, "finished", None
    test_acc = test_loss = float("nan")
    for epoch in range(cfg.epochs):
        order = torch.randperm(n, generator=gen).to(dev)
        for b in range(per_epoch):
            if should_stop is not None and should_stop():
                if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
                    model.load_state_dict(good)
                yield {
                    "kind": "cancelled",
                    "step": step,
                    "epoch": epoch,
                    "message": f"cancelled at step {step}; the weights so far are kept",
                }
                status = "cancelled"
                break
            idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
            x, y = data.train_x[idx], data.train_y[idx]
            if cfg.augment:
                x = augment_batch(x, gen)
            out = model(x)
            loss = F.cross_entropy(out, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            now = time.perf_counter()
            due = now - last_rec >= interval or b == per_epoch - 1
            gnorm = (
                torch.nn.utils.get_total_norm(
                    [p.grad for p in model.parameters() if p.grad is not None]
                )
                if due
                else None
            )
            opt.step()
            if sched is not None:
                sched.step()
            step += 1
            window.append(loss.detach())
            if not due:
                continue
            # one device sync per record: the window's losses, the weights' norm, the accuracy
            params = list(model.parameters())
            acc = (out.argmax(1) == y).float().mean()
            packed = (
                torch.cat(
                    [
                        torch.stack(window),
                        torch.nn.utils.get_total_norm(params).reshape(1),
                        acc.reshape(1),
                        gnorm.reshape(1),
                    ]
                )
                .cpu()
                .numpy()
            )
            losses, weights_norm = packed[:-3], packed[-3]
            bad = np.flatnonzero(~np.isfinite(losses))
            if bad.size or not np.isfinite(weights_norm):
                first = step - len(losses) + 1 + int(bad[0]) if bad.size else step
                model.load_state_dict(good)
                yield {
                    "kind": "diverged",
                    "step": first,
                    "epoch": epoch,
                    "message": f"diverged at step {first} (loss became "
                    f"{losses[bad[0]] if bad.size else 'finite, weights not'}); "
                    f"kept the weights from step {good_step}",
                }
                status = "diverged"
                break
            records += 1
            if records % SNAPSHOT_EVERY == 0:  # the last checked-good weights, a few times a second
                keep(model, good)
                good_step = step
            dt = now - last_rec
            yield {
                "kind": "step",
                "step": step,
                "epoch": epoch + (b + 1) / per_epoch,
                "loss": float(losses.mean()),
                "accuracy": float(packed[-2]),
                "lr": opt.param_groups[0]["lr"],
                "samples_per_s": (step - last_rec_step) * cfg.batch_size / max(dt, 1e-9),
                "grad_norm": float(packed[-1]),
                "elapsed": now - t0,
            }
            window, last_rec, last_rec_step = [], time.perf_counter(), step
            if cfg.eval_every and step % cfg.eval_every == 0 and b != per_epoch - 1:
                test_loss, test_acc = evaluate(model, data.test_x, data.test_y)
                yield {
                    "kind": "eval",
                    "step": step,
                    "epoch": epoch + (b + 1) / per_epoch,
                    "test_loss": test_loss,
                    "test_accuracy": test_acc,
                    "elapsed": time.perf_counter() - t0,
                }
                if cfg.target_accuracy and test_acc >= cfg.target_accuracy:
                    reached_at, status = time.perf_counter() - t0, "target reached"
                    break
        if status != "finished":
            break
        test_loss, test_acc = evaluate(model, data.test_x, data.test_y)
        rec = {
            "kind": "eval",
            "step": step,
            "epoch": epoch + 1.0,
            "test_loss": test_loss,
            "test_accuracy": test_acc,
            "elapsed": time.perf_counter() - t0,
        }
        if len(data.val_x):
            rec["val_loss"], rec["val_accuracy"] = evaluate(model, data.val_x, data.val_y)
        yield rec
        if cfg.target_accuracy and test_acc >= cfg.target_accuracy:
            reached_at, status = time.perf_counter() - t0, "target reached"
            break
        if cfg.patience and len(data.val_x):
            if rec["val_loss"] < best_val:
                best_val, bad_epochs, best_state = rec["val_loss"], 0, snapshot(model)
            else:
                bad_epochs += 1
                if bad_epochs >= cfg.patience:
                    model.load_state_dict(best_state)
                    status = "early stopped"
                    break
    if status in ("cancelled", "diverged", "early stopped"):
        test_loss, test_acc = evaluate(model, data.test_x, data.test_y)
    yield {
        "kind": "done",
        "status": status,
        "steps": step,
        "epochs": step / per_epoch,
        "test_loss": test_loss,
        "test_accuracy": test_acc,
        "wall_seconds": time.perf_counter() - t0,
        "seconds_to_target": reached_at,
        "device": str(dev),
        "model": model,
    }
