"""Training as a generator of typed records (pytorch/examples style: seeded, train/eval modes,
no_grad for evaluation). The whole data set lives as tensors on the training device.

`train` yields Start, then Step and Eval records, perhaps a Diverged or Cancelled, then Done (see
records.py). Step records come at most `max_records_per_s` times a second; each carries the mean
loss since the last one. Finiteness is checked at each record (one device sync per record, not per
step); on a NaN/inf loss the run stops, names the first bad step, and restores the last weights
that were checked good.

Reading order: `train` -> `_epoch` -> `_train_step` (one step) -> `_step_record` (the sync and the
divergence guard) -> `_eval_record` -> `_early_stop` -> `_done`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .device import Precision, fast_layout, forward, has_conv, pick_device, resolve_precision
from .device_data import DeviceData, augment_batch, prepare
from .evaluation import evaluate as evaluate  # re-exported: training's callers evaluate too
from .histograms import weight_histograms
from .mnist import MnistData
from .models import build_model, count_parameters, layer_groups, normalises_units
from .optim import OPTIMIZER_NAMES as OPTIMIZER_NAMES  # re-exported for older imports
from .optim import SCHEDULES as SCHEDULES
from .optim import make_optimizer, make_schedule
from .records import Cancelled, Diverged, Done, Eval, Record, Start, Step
from .subset import train_eval_data, training_subset
from .train_config import TrainConfig as TrainConfig  # re-exported: where callers found it

SNAPSHOT_EVERY = 5  # records between copies of the last good weights (restored on divergence)
AUG_SEED_OFFSET = 1_000_003  # augmentation's generator: seed + this (its own stream)


def keep(model: nn.Module, into: dict[str, torch.Tensor]) -> None:
    """Copy the weights into preallocated buffers (no allocation on the training path)."""
    with torch.no_grad():
        for k, v in model.state_dict().items():
            into[k].copy_(v)


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def layer_grad_norms(layers: list[list[nn.Parameter]]) -> torch.Tensor:
    """(L,) the L2 norm of each layer's gradients, left on the device (no sync)."""
    norms = []
    for params in layers:
        grads = [p.grad for p in params if p.grad is not None]
        sq = [torch.linalg.vector_norm(g.detach()).square() for g in grads]
        norms.append(torch.stack(sq).sum().sqrt() if sq else params[0].new_zeros(()))
    return torch.stack(norms) if norms else torch.zeros(0)


@dataclass
class _Run:
    """What one run carries from step to step, in one place."""

    cfg: TrainConfig  # the settings
    data: DeviceData  # the data, on the training device
    model: nn.Module  # being trained, on the training device
    opt: torch.optim.Optimizer  # over the trainable parameters
    sched: Any  # an LR scheduler stepped every batch, or None
    gen: torch.Generator  # CPU generator for the data order
    aug_gen: torch.Generator  # CPU generator for augmentation (the order is the same either way)
    layers: list[list[nn.Parameter]]  # each named layer's trainable parameters
    per_epoch: int  # steps per pass over the training set
    device: str  # "cuda", "mps" or "cpu"
    precision: Precision  # what it computes in (device.resolve_precision; .bf16: autocast)
    good: dict[str, torch.Tensor]  # the last weights checked finite
    t0: float = 0.0  # perf_counter when training began
    step: int = 0  # optimizer steps taken
    window: list[torch.Tensor] = field(default_factory=list)  # 0-d batch losses since a record
    last_rec: float = 0.0  # perf_counter at the last Step record
    last_rec_step: int = 0  # the step of the last Step record
    records: int = 0  # Step records so far
    good_step: int = 0  # the step `good` was copied at
    best_val: float = math.inf  # lowest validation loss (early stopping)
    bad_epochs: int = 0  # epochs since the validation loss last improved
    best_state: dict[str, torch.Tensor] | None = None  # the weights at `best_val`
    last_eval: Eval | None = None  # the latest Eval record
    kept: Eval | None = None  # early stopping: the epoch-end Eval of the best weights
    last_epoch: int | None = None  # the last whole epoch evaluated
    train_eval: tuple[torch.Tensor, torch.Tensor] | None = None  # the train-set figures' digits

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0


FIRST_STEPS_RECORDED = 20  # a record after each of a run's first steps, whatever the throttle:
# a short run's steps come faster than 20 a second, and its plots stayed empty until the first
# epoch ended (the warm-up of a one-cycle schedule unseen); 20 records cost a few milliseconds


def train(
    cfg: TrainConfig,
    data: MnistData | DeviceData,
    should_stop: Callable[[], bool] | None = None,
    model: nn.Module | None = None,
) -> Iterator[Record]:
    """Train, yielding records. The last is Done, which carries the trained `model`."""
    run, start = _begin(cfg, data, model)
    yield start
    yield weight_histograms(run.model, 0, 0.0)  # weights over time start at the initial weights
    run.t0 = run.last_rec = time.perf_counter()
    status, reached = "finished", None
    for epoch in range(cfg.epochs):
        status, reached = yield from _epoch(run, epoch, should_stop)
        if status != "finished":
            break
        ev = _eval_record(run, epoch + 1.0, validate=True)
        yield ev
        yield weight_histograms(run.model, run.step, epoch + 1.0)  # weights over time
        if _reached(cfg, ev):
            status, reached = "target reached", ev.elapsed
            break
        if _early_stop(run, ev):
            status = "early stopped"
            break
    yield _done(run, status, reached)


def _check_batches(model: nn.Module, n: int, batch: int) -> None:
    """A batch norm after a dense layer normalises each unit over the batch: a batch of one
    sample has nothing to normalise (torch refuses it mid-run), so a run whose epochs end in
    one is refused before it starts, in one sentence."""
    if (batch == 1 or n % batch == 1) and normalises_units(model):
        raise ValueError(
            f"the last batch of each epoch would hold 1 of the {n:,} training samples (batch "
            f"{batch}), and a batch norm after a dense layer needs 2 or more; choose another "
            "batch size or number of training digits"
        )


def _begin(cfg: TrainConfig, data: MnistData | DeviceData, model: nn.Module | None):
    """Seed, put data and model on the device, build the optimizer: (the run, its Start)."""
    if cfg.epochs < 1 or cfg.batch_size < 1:
        raise ValueError(
            f"epochs ({cfg.epochs}) and batch size ({cfg.batch_size}) must be at least 1; "
            "settings.check says why before a run starts"
        )
    choice = pick_device(cfg.device)
    torch.manual_seed(cfg.seed)
    if isinstance(data, MnistData):
        data = prepare(data, choice.device, cfg.val_size, cfg.limit_train)
    data = training_subset(data, cfg)
    n = len(data.train_x)
    if n == 0:
        raise ValueError("there are no training samples to train on")
    model = fast_layout((model or build_model(cfg.model)).to(choice.device).train())
    _check_batches(model, n, cfg.batch_size)
    opt = make_optimizer(cfg, [p for p in model.parameters() if p.requires_grad])
    per_epoch = math.ceil(n / cfg.batch_size)
    groups = layer_groups(model)
    precision = resolve_precision(cfg.precision, str(choice.device), has_conv(model))
    run = _Run(
        cfg=cfg,
        data=data,
        model=model,
        opt=opt,
        sched=make_schedule(cfg, opt, per_epoch * cfg.epochs),
        gen=torch.Generator().manual_seed(cfg.seed),
        aug_gen=torch.Generator().manual_seed(cfg.seed + AUG_SEED_OFFSET),
        layers=[params for _, params in groups],
        per_epoch=per_epoch,
        device=str(choice.device),
        precision=precision,
        good=snapshot(model),
        train_eval=train_eval_data(data, cfg.subset_seed),
    )
    start = Start(
        device=run.device,
        device_reason=f"{choice.reason}; {precision.words}",
        device_name=choice.name,
        parameters=count_parameters(model),
        steps_per_epoch=per_epoch,
        total_steps=per_epoch * cfg.epochs,
        train_size=n,
        layer_names=tuple(name for name, _ in groups),
        label_smoothing=cfg.label_smoothing,
        precision=precision.name,
    )
    return run, start


def _epoch(
    run: _Run, epoch: int, should_stop: Callable[[], bool] | None
) -> Generator[Record, None, tuple[str, float | None]]:
    """One pass over the training set; returns (status, seconds to the target or None)."""
    cfg, data = run.cfg, run.data
    order = torch.randperm(len(data.train_x), generator=run.gen).to(data.train_x.device)  # (N,)
    interval = 1.0 / cfg.max_records_per_s if cfg.max_records_per_s > 0 else 0.0
    for b in range(run.per_epoch):
        if should_stop is not None and should_stop():
            yield _cancel(run, epoch + b / run.per_epoch)
            return "cancelled", None
        idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]  # (B,)
        last = b == run.per_epoch - 1
        due = (
            last
            or run.step < FIRST_STEPS_RECORDED
            or time.perf_counter() - run.last_rec >= interval
        )
        y = data.train_y[idx]  # (B,)
        out, gnorms = _train_step(run, data.train_x[idx], y, due)
        at = epoch + (b + 1) / run.per_epoch
        if due:
            rec = _step_record(run, out, y, gnorms, at)
            yield rec
            if isinstance(rec, Diverged):
                return "diverged", None
            run.last_rec = time.perf_counter()  # the consumer's time is not the trainer's
        if cfg.eval_every and run.step % cfg.eval_every == 0 and not last:
            ev = _eval_record(run, at, validate=False)
            yield ev
            if _reached(cfg, ev):
                return "target reached", ev.elapsed
    return "finished", None


def _train_step(run: _Run, x: torch.Tensor, y: torch.Tensor, due: bool):
    """One optimizer step on x (B, 1, 28, 28), y (B,). Returns the logits (B, 10) and, when a
    record is due, the per-layer gradient norms (L,); both still on the device."""
    if run.cfg.augment:
        x = augment_batch(x, run.aug_gen)
    out = forward(run.model, x, run.precision.bf16, run.device)  # (B, 10), float32
    loss = F.cross_entropy(out, y, label_smoothing=run.cfg.label_smoothing)
    run.opt.zero_grad(set_to_none=True)
    loss.backward()
    gnorms = layer_grad_norms(run.layers) if due else None
    run.opt.step()
    if run.sched is not None:
        run.sched.step()
    run.step += 1
    run.window.append(loss.detach())
    return out.detach(), gnorms


def _step_record(
    run: _Run, out: torch.Tensor, y: torch.Tensor, gnorms: torch.Tensor, epoch: float
) -> Step | Diverged:
    """The one device sync per record: the window's losses, the weights' norm, the batch accuracy
    and the layers' gradient norms come to the CPU together. A non-finite loss or weight is the
    divergence guard's cue."""
    w = len(run.window)
    acc = (out.argmax(1) == y).float().mean()
    weights = torch.nn.utils.get_total_norm(list(run.model.parameters()))
    packed = torch.cat([torch.stack(run.window), weights.reshape(1), acc.reshape(1), gnorms])
    packed = packed.cpu().numpy()  # (W + 2 + L,)
    losses, weights_norm, layer_norms = packed[:w], packed[w], packed[w + 2 :]
    run.window = []
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size or not np.isfinite(weights_norm):
        return _diverge(run, losses, bad, epoch)
    run.records += 1
    if run.records % SNAPSHOT_EVERY == 0:  # the last checked-good weights, a few times a second
        keep(run.model, run.good)
        run.good_step = run.step
    now = time.perf_counter()
    rec = Step(
        step=run.step,
        epoch=epoch,
        loss=float(losses.mean()),
        accuracy=float(packed[w + 1]),
        lr=float(run.opt.param_groups[0]["lr"]),
        samples_per_s=(run.step - run.last_rec_step)
        * run.cfg.batch_size
        / max(now - run.last_rec, 1e-9),
        grad_norm=float(np.sqrt(np.square(layer_norms.astype(np.float64)).sum())),
        layer_grad_norms=tuple(float(v) for v in layer_norms),
        elapsed=now - run.t0,
    )
    run.last_rec_step = run.step
    return rec


def _diverge(run: _Run, losses: np.ndarray, bad: np.ndarray, epoch: float) -> Diverged:
    """Name the first bad step and put back the last weights that were checked good."""
    first = run.step - len(losses) + 1 + int(bad[0]) if bad.size else run.step
    what = f"the loss became {losses[bad[0]]}" if bad.size else "the weights stopped being finite"
    run.model.load_state_dict(run.good)
    return Diverged(
        step=first,
        epoch=epoch,
        good_step=run.good_step,
        message=f"diverged at step {first} ({what}); kept the weights from step {run.good_step}",
    )


def _cancel(run: _Run, epoch: float) -> Cancelled:
    if not all(bool(torch.isfinite(p).all()) for p in run.model.parameters()):
        run.model.load_state_dict(run.good)
    return Cancelled(run.step, epoch, f"cancelled at step {run.step}; the weights so far are kept")


def _eval_record(run: _Run, epoch: float, validate: bool) -> Eval:
    """Test-set loss and accuracy now, and the validation hold-out's when asked and present."""
    d = run.data
    test_loss, test_acc = evaluate(run.model, d.test_x, d.test_y)
    val_loss = val_acc = train_loss = train_acc = None
    if validate and len(d.val_x):
        val_loss, val_acc = evaluate(run.model, d.val_x, d.val_y)
    if validate:  # at an epoch's end: the training set's figures, in eval mode
        tx, ty = run.train_eval if run.train_eval is not None else (d.train_x, d.train_y)
        train_loss, train_acc = evaluate(run.model, tx, ty)
        run.last_epoch = round(epoch)
    at_epoch_end = float(epoch).is_integer()  # the model rides along so it can be saved
    run.last_eval = Eval(
        run.step,
        epoch,
        test_loss,
        test_acc,
        val_loss,
        val_acc,
        run.elapsed(),
        train_loss,
        train_acc,
        run.model if at_epoch_end else None,
    )
    return run.last_eval


def _reached(cfg: TrainConfig, ev: Eval) -> bool:
    return bool(cfg.target_accuracy) and ev.test_accuracy >= cfg.target_accuracy


def _early_stop(run: _Run, ev: Eval) -> bool:
    """True after `patience` epochs without a better validation loss; the best weights are back."""
    if not run.cfg.patience or ev.val_loss is None:
        return False
    if ev.val_loss < run.best_val:
        run.best_val, run.bad_epochs, run.best_state = ev.val_loss, 0, snapshot(run.model)
        run.kept = ev
        return False
    run.bad_epochs += 1
    if run.bad_epochs < run.cfg.patience:
        return False
    if run.best_state is not None:
        run.model.load_state_dict(run.best_state)
    return True


def _done(run: _Run, status: str, reached: float | None) -> Done:
    """The last record; the test figures are measured again unless the last Eval is current.
    With early stopping a finished or early-stopped run ends with its best weights."""
    ev, best = run.last_eval, run.last_epoch if status in ("finished", "target reached") else None
    if run.kept is not None and status in ("finished", "early stopped"):
        run.model.load_state_dict(run.best_state)
        ev, best = run.kept, round(run.kept.epoch)
    current = ev is not None and ev.step == run.step and status in ("finished", "target reached")
    restored = ev is not None and ev is run.kept and status in ("finished", "early stopped")
    if current or restored:  # measured with these very weights
        test_loss, test_acc = ev.test_loss, ev.test_accuracy
    else:
        test_loss, test_acc = evaluate(run.model, run.data.test_x, run.data.test_y)
    return Done(
        status=status,
        steps=run.step,
        epochs=run.step / run.per_epoch,
        test_loss=test_loss,
        test_accuracy=test_acc,
        wall_seconds=run.elapsed(),
        seconds_to_target=reached,
        device=run.device,
        best_epoch=best,
        precision=run.precision.name,
        model=run.model,
    )
