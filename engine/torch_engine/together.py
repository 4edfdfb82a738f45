"""Several runs of one architecture trained together: one forward and one backward pass for all of
them (torch.func.vmap over their stacked weights), so a sweep's runs cost on a GPU little more
than one run. A small model leaves a GPU idle between its kernel launches; five runs in one launch
fill it.

Each run keeps its own model, optimizer and schedule (its parameters are leaves of its own
torch.optim optimizer, so each update is exactly torch.optim's), its own records and its own fate
(diverged, early stopped, target reached, cancelled). Per step the active runs' parameters are
stacked, one vmapped call computes every run's logits and loss, and the backward pass sends each
run's gradients to its own leaves. Batch-norm running statistics live in one stacked buffer per
name whose slices are the runs' own buffers, so vmap's in-place updates land in each run's model.

The runs are the same runs as trained one by one by `training.train` (same initial weights, data
order and augmentation), equal within float rounding (tested in float64). `together_refusal` says
why a set of runs cannot share steps: they differ in what the data order or the architecture
depends on, or the model has dropout (vmap would draw other masks than the runs one by one).

Reading order: `together_refusal` -> `train_together` -> `_epoch` -> `_step` -> `_Stack`.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Generator, Iterator, Sequence

import torch
import torch.nn.functional as F
from torch.func import functional_call, vmap

from .device import pick_device
from .histograms import weight_histograms
from .mnist import MnistData
from .models import layers_for
from .records import Diverged, Record
from .training import (
    DeviceData,
    TrainConfig,
    _begin,
    _cancel,
    _done,
    _early_stop,
    _eval_record,
    _reached,
    _Run,
    _step_record,
    augment_batch,
    autocast,
    layer_grad_norms,
    prepare,
)

# what the runs must share: the data order, the batches and the architecture depend on these
SHARED = (
    "model",
    "epochs",
    "batch_size",
    "augment",
    "seed",
    "val_size",
    "limit_train",
    "eval_every",
    "max_records_per_s",
    "device",
)


def together_refusal(cfgs: Sequence[TrainConfig]) -> str | None:
    """None when the runs can train together, else why not (one phrase)."""
    if len(cfgs) < 2:
        return "there is only one run"
    for name in SHARED:
        if any(getattr(c, name) != getattr(cfgs[0], name) for c in cfgs[1:]):
            return f"the runs differ in {name.replace('_', ' ')}"
    if any(spec.get("type") == "dropout" for spec in layers_for(cfgs[0].model)):
        return "the model has dropout (trained together, its masks would differ)"
    return None


def train_together(
    cfgs: Sequence[TrainConfig],
    data: MnistData | DeviceData,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[tuple[int, Record]]:
    """Train the runs together, yielding (run index, record): each run's records in the order
    `train` yields them (Start, Step/Eval/Histograms, perhaps Diverged or Cancelled, Done)."""
    why = together_refusal(cfgs)
    if why is not None:
        raise ValueError(f"these runs cannot train together: {why}")
    if isinstance(data, MnistData):
        c = cfgs[0]
        data = prepare(data, pick_device(c.device).device, c.val_size, c.limit_train)
    runs: list[_Run] = []
    for k, cfg in enumerate(cfgs):
        run, start = _begin(cfg, data, None)  # seeds each run as `train` does: same weights
        runs.append(run)
        yield k, start
    for run in runs[1:]:
        run.gen = runs[0].gen  # one data order and augmentation for all, drawn once per step
    fate: dict[int, tuple[str, float | None]] = {}
    active = list(range(len(runs)))
    t0 = time.perf_counter()
    for run in runs:
        run.t0 = run.last_rec = t0
    for epoch in range(cfgs[0].epochs):
        yield from _epoch(runs, active, epoch, should_stop, fate)
        if not active:
            break
        for k in list(active):
            run = runs[k]
            ev = _eval_record(run, epoch + 1.0, validate=True)
            yield k, ev
            yield k, weight_histograms(run.model, run.step, epoch + 1.0)
            if _reached(run.cfg, ev):
                fate[k] = ("target reached", ev.elapsed)
            elif _early_stop(run, ev):
                fate[k] = ("early stopped", None)
        active[:] = [k for k in active if k not in fate]
    for k, run in enumerate(runs):
        status, reached = fate.get(k, ("finished", None))
        yield k, _done(run, status, reached)


def _epoch(
    runs: list[_Run],
    active: list[int],
    epoch: int,
    should_stop: Callable[[], bool] | None,
    fate: dict[int, tuple[str, float | None]],
) -> Generator[tuple[int, Record], None, None]:
    """One pass over the training set for the active runs; `active` and `fate` are updated."""
    lead = runs[active[0]]
    cfg, data, per_epoch = lead.cfg, lead.data, lead.per_epoch
    order = torch.randperm(len(data.train_x), generator=lead.gen).to(data.train_x.device)  # (N,)
    interval = 1.0 / cfg.max_records_per_s if cfg.max_records_per_s > 0 else 0.0
    stack = _Stack([runs[k] for k in active])
    for b in range(per_epoch):
        if should_stop is not None and should_stop():
            for k in active:
                yield k, _cancel(runs[k], epoch + b / per_epoch)
                fate[k] = ("cancelled", None)
            active.clear()
            return
        idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]  # (B,)
        last = b == per_epoch - 1
        due = last or time.perf_counter() - runs[active[0]].last_rec >= interval
        y = data.train_y[idx]  # (B,)
        logits, gnorms = _step(stack, lead, data.train_x[idx], y, due)  # (K, B, 10), K x (L,)
        at = epoch + (b + 1) / per_epoch
        ended = []
        for j, k in enumerate(list(active)):
            run = runs[k]
            if due:
                rec = _step_record(run, logits[j], y, gnorms[j], at)
                yield k, rec
                run.last_rec = time.perf_counter()
                if isinstance(rec, Diverged):
                    fate[k] = ("diverged", None)
                    ended.append(k)
                    continue
            if cfg.eval_every and run.step % cfg.eval_every == 0 and not last:
                ev = _eval_record(run, at, validate=False)
                yield k, ev
                if _reached(run.cfg, ev):
                    fate[k] = ("target reached", ev.elapsed)
                    ended.append(k)
        if ended:
            active[:] = [k for k in active if k not in ended]
            if not active:
                return
            stack = _Stack([runs[k] for k in active])


def _step(stack: _Stack, lead: _Run, x: torch.Tensor, y: torch.Tensor, due: bool):
    """One optimizer step of every run in `stack` on the same batch x (B, 1, 28, 28), y (B,).
    Returns the logits (K, B, 10) and, when a record is due, each run's layer gradient norms."""
    if lead.cfg.augment:
        x = augment_batch(x, lead.gen)  # drawn once, as each run one by one would draw it
    params = stack.stacked_params()
    with autocast(lead):
        losses, logits = stack.forward(params, x, y)  # (K,), (K, B, 10)
    for run in stack.runs:
        run.opt.zero_grad(set_to_none=True)
    losses.sum().backward()  # each run's loss reaches only its own leaves
    gnorms = []
    for j, run in enumerate(stack.runs):
        gnorms.append(layer_grad_norms(run.layers) if due else None)
        run.opt.step()
        if run.sched is not None:
            run.sched.step()
        run.step += 1
        run.window.append(losses[j].detach())
    return logits.detach(), gnorms


class _Stack:
    """The runs' parameters stacked for one vmapped call, and their buffers stacked once: each
    run's buffers become views of the stacked ones, so updates inside vmap are each run's own."""

    def __init__(self, runs: list[_Run]) -> None:
        self.runs = runs
        self.template = copy.deepcopy(runs[0].model).to("meta").train()
        self.param_names = [n for n, _ in runs[0].model.named_parameters()]
        self.params = [[p for _, p in r.model.named_parameters()] for r in runs]
        self.buffers = {}
        for name, _ in runs[0].model.named_buffers():
            stacked = torch.stack([r.model.get_buffer(name).detach() for r in runs])  # (K, ...)
            owner, _, leaf = name.rpartition(".")
            for j, r in enumerate(runs):
                r.model.get_submodule(owner)._buffers[leaf] = stacked[j]
            self.buffers[name] = stacked

    def stacked_params(self) -> dict[str, torch.Tensor]:
        """Each parameter name's (K, ...) stack; autograd sends the gradients back to the leaves."""
        return {
            n: torch.stack([ps[i] for ps in self.params]) for i, n in enumerate(self.param_names)
        }

    def forward(self, params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor):
        def one(p, b, x, y):
            out = functional_call(self.template, (p, b), (x,))  # (B, 10)
            return F.cross_entropy(out, y), out

        return vmap(one, in_dims=(0, 0, None, None))(params, self.buffers, x, y)
