"""Several runs of one architecture trained together: one forward and one backward pass for all of
them (one grouped network: convolutions with groups=K, batched matmuls), so a sweep's runs cost on a GPU little more
than one run. A small model leaves a GPU idle between its kernel launches; five runs in one launch
fill it.

Each run keeps its own model, optimizer and schedule (its parameters are leaves of its own
torch.optim optimizer, so each update is exactly torch.optim's), its own records and its own fate
(diverged, early stopped, target reached, cancelled). Per step the active runs' parameters are
concatenated, one grouped forward pass computes every run's logits and loss, and the backward
pass sends each run's gradients to its own leaves. Batch-norm running statistics live in one
buffer per name whose slices are the runs' own buffers, so their updates land in each run's model.
(torch.func.vmap over stacked weights did the same, but its dispatch cost four times one run's
step on a GPU, where a small model's step is bound by the CPU's launches.)

The runs are the same runs as trained one by one by `training.train` (same initial weights, data
order and augmentation), equal within float rounding (tested in float64). `together_refusal` says
why a set of runs cannot share steps: they differ in what the data order or the architecture
depends on, or the model has dropout (one mask for K runs would differ from K runs' own masks).

Reading order: `together_refusal` -> `train_together` -> `_epoch` -> `_step` -> `_Stack`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .device import autocast, head_start, pick_device
from .device_data import DeviceData
from .histograms import weight_histograms
from .mnist import MnistData
from .models import ACTS, ModelSpecError, build_model, layers_for
from .records import Diverged, Record
from .training import (
    FIRST_STEPS_RECORDED,
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
    layer_grad_norms,
    prepare,
)

# what the runs must share: the data order, the batches and the architecture depend on these
SHARED = (
    "model",
    "label_smoothing",
    "precision",
    "epochs",
    "batch_size",
    "augment",
    "seed",
    "val_size",
    "limit_train",
    "train_size",
    "subset_seed",
    "eval_every",
    "max_records_per_s",
    "device",
)


GROUPABLE = (
    nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d, nn.AvgPool2d, nn.Flatten, nn.Linear, *ACTS.values()
)  # fmt: skip


def together_refusal(cfgs: Sequence[TrainConfig]) -> str | None:
    """None when the runs can train together, else why not (one phrase)."""
    if len(cfgs) < 2:
        return "there is only one run"
    for name in SHARED:
        if any(getattr(c, name) != getattr(cfgs[0], name) for c in cfgs[1:]):
            return f"the runs differ in {name.replace('_', ' ')}"
    if any(spec.get("type") == "dropout" for spec in layers_for(cfgs[0].model)):
        return "the model has dropout (trained together, its masks would differ)"
    try:
        layers = list(build_model(cfgs[0].model))
    except ModelSpecError as e:
        return f"the model cannot be built ({e})"
    odd = [type(m).__name__ for m in layers if not isinstance(m, GROUPABLE)]
    if odd:
        return f"the model has layers that cannot be grouped ({', '.join(odd)})"
    first_conv = next((i for i, m in enumerate(layers) if isinstance(m, nn.Conv2d)), len(layers))
    if any(isinstance(m, nn.BatchNorm2d) for m in layers[:first_conv]):  # one input, K scales
        return "the model normalises its input with a batch norm (each run would need its own)"
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
        yield k, weight_histograms(run.model, 0, 0.0)  # weights over time: the initial weights
    for run in runs[1:]:
        run.gen = runs[0].gen  # one data order and augmentation for all, drawn once per step
        run.aug_gen = runs[0].aug_gen
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
        due = (
            last
            or runs[active[0]].step < FIRST_STEPS_RECORDED
            or time.perf_counter() - runs[active[0]].last_rec >= interval
        )
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
        x = augment_batch(x, lead.aug_gen)  # drawn once, as each run one by one would draw it
    params = stack.stacked_params()
    losses, logits = stack.forward(params, x, y, lead.precision.bf16)  # (K,), (K, B, 10)
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
    """The runs as one grouped network: K convolutions as one with groups=K over K·C channels,
    K batch norms as one over K·C channels (a channel's statistics are its own either way), K
    dense layers as one batched matmul over (K, B, in). Each run's parameters stay its own
    leaves, concatenated each step (autograd sends the gradients back to them); each run's
    batch-norm buffers become views into the concatenated ones, so their updates are the run's."""

    def __init__(self, runs: list[_Run]) -> None:
        self.runs, self.k = runs, len(runs)
        self.template = list(runs[0].model)  # the layers, for their kind and hyper-parameters
        self.buffers: dict[tuple[int, str], torch.Tensor] = {}
        self.leaves = {  # (layer, name): each run's parameter, in run order
            (i, name): [r.model[i]._parameters[name] for r in runs]
            for i, m in enumerate(self.template)
            for name, _ in m.named_parameters(recurse=False)
        }
        for i, m in enumerate(self.template):
            if isinstance(m, nn.BatchNorm2d):
                for name in ("running_mean", "running_var", "num_batches_tracked"):
                    own = [r.model[i]._buffers[name] for r in runs]
                    joined = torch.cat([b.reshape(-1) for b in own])  # (K·C,) or (K,)
                    for j, r in enumerate(runs):
                        r.model[i]._buffers[name] = joined.view(self.k, -1)[j].view_as(own[j])
                    self.buffers[i, name] = joined

    def stacked_params(self) -> dict[tuple[int, str], torch.Tensor]:
        """Each layer's parameters for all runs: concatenated (conv, batch norm) or stacked
        (dense: (K, out, in), (K, out))."""
        return {
            key: torch.stack(own)
            if isinstance(self.template[key[0]], nn.Linear)
            else torch.cat(own)
            for key, own in self.leaves.items()
        }

    def forward(self, params: dict, x: torch.Tensor, y: torch.Tensor, bf16: bool = False):
        """Every run's mean loss (K,) and logits (K, B, 10) for the shared batch x, y (B,); with
        `bf16`, in bfloat16 autocast up to the last dense layer, as device.forward."""
        k, h, per_run = self.k, x, False  # h: shared (B, ...), then (B, K·C, H, W) or (K, B, n)
        head = head_start(self.template)
        for i, m in enumerate(self.template):
            if bf16 and i == head:
                h = h.to(params[i, "weight"].dtype)  # the head in its weights' dtype
            with autocast(bf16 and i < head, x.device.type):
                h, per_run = self._layer(i, m, params, h, per_run)
        losses = F.cross_entropy(h.reshape(-1, h.shape[-1]), y.repeat(k), reduction="none",
                                 label_smoothing=self.runs[0].cfg.label_smoothing)  # fmt: skip
        return losses.view(k, -1).mean(1), h

    def _layer(self, i: int, m: nn.Module, params: dict, h: torch.Tensor, per_run):
        """One template layer for all K runs: (its output, whether h is per run yet)."""
        k = self.k
        if isinstance(m, nn.Conv2d):  # on the shared input: one conv of K·out filters
            h = F.conv2d(h, params[i, "weight"], params.get((i, "bias")), m.stride,
                         m.padding, m.dilation, k if per_run else 1)  # fmt: skip
            per_run = True  # (B, K·C, H, W)
        elif isinstance(m, nn.BatchNorm2d):
            self.buffers[i, "num_batches_tracked"].add_(1)
            h = F.batch_norm(h, self.buffers[i, "running_mean"],
                             self.buffers[i, "running_var"], params[i, "weight"],
                             params[i, "bias"], True, m.momentum, m.eps)  # fmt: skip
        elif isinstance(m, nn.Flatten):
            h = h.reshape(h.shape[0], k, -1).transpose(0, 1) if per_run else h.flatten(1)
            per_run = per_run or None  # None: flat and shared, (B, n)
        elif isinstance(m, nn.Linear):
            h = h if per_run else h.flatten(1).expand(k, -1, -1)  # (K, B, n)
            h = torch.baddbmm(params[i, "bias"].unsqueeze(1), h,
                              params[i, "weight"].transpose(1, 2))  # fmt: skip
            per_run = True
        else:  # pooling over each channel, or an activation value by value
            h = m(h)
        return h, per_run
