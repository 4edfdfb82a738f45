"""Transfer learning and weight freezing, in one experiment of three recorded runs (one group):

1. "pretrain 0-4": a CNN trained on the digits 0-4.
2. "transfer 5-9": a copy of it with its convolutional layers frozen (weights not trained, batch
   norms kept in eval mode) and a fresh classifier, which alone is trained on a small sample of
   the digits 5-9.
3. "scratch 5-9": the same model, freshly initialised, trained on the same small sample.

The frozen layers' weights are checked bit-identical after the transfer run (else it fails)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np
import torch
from torch import nn

from .mnist import MnistData
from .models import layer_groups
from .recording import Recording, record_run
from .records import Done, Record
from .runstore import RunStore, new_group_id
from .training import TrainConfig, train

FIRST, SECOND = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)
SAMPLE = 500  # training digits 5-9 the transfer and the scratch run learn from
FINETUNE_EPOCHS = 15  # passes over that small sample


class _FrozenBatchNorm(nn.BatchNorm2d):
    """A batch norm that stays in eval mode: its running statistics are frozen too."""

    def train(self, mode: bool = True):
        return super().train(False)


def split_classes(data: MnistData, classes, sample: int | None = None, seed: int = 0):
    """The digits of `classes` only (training digits: a random `sample` of them, if given)."""
    tr = np.flatnonzero(np.isin(data.train_y, classes))
    if sample is not None:
        tr = np.sort(np.random.default_rng(seed).permutation(tr)[:sample])
    te = np.isin(data.test_y, classes)
    return MnistData(
        data.train_x[tr], data.train_y[tr], data.test_x[te], data.test_y[te], data.source
    )


def freeze_features(model: nn.Sequential) -> list[str]:
    """Freeze every layer before the first dense layer (the convolutions and their batch norms,
    whose running statistics stay as they are); the names of the frozen layers ("conv 1", ...)."""
    groups = layer_groups(model)  # before freezing: every layer is still trainable
    frozen: set[int] = set()
    for m in model:
        if isinstance(m, nn.Linear):
            break
        for p in m.parameters():
            p.requires_grad_(False)
            frozen.add(id(p))
        if type(m) is nn.BatchNorm2d:
            m.__class__ = _FrozenBatchNorm
    return [name for name, ps in groups if all(id(p) in frozen for p in ps)]


def reset_classifier(model: nn.Module, seed: int = 0) -> None:
    """New random weights for the dense layers: the new task gets a fresh classifier (the old
    one answers 0-4 confidently, a poor start for 5-9)."""
    torch.manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.Linear):
            m.reset_parameters()


def frozen_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """Copies of the frozen parameters and the batch norms' buffers, by name."""
    out = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
    for name, m in model.named_modules():
        if isinstance(m, _FrozenBatchNorm):
            for b, t in m.named_buffers():
                out[f"{name}.{b}"] = t.detach().clone()
    return out


def unchanged(before: dict[str, torch.Tensor], model: nn.Module) -> bool:
    """True when every tensor of `before` is bit-identical in `model` now."""
    now = {**dict(model.named_parameters()), **dict(model.named_buffers())}
    return all(torch.equal(t.cpu(), now[k].detach().cpu()) for k, t in before.items())


def _capture(records: Iterator[Record], into: dict) -> Iterator[Record]:
    for r in records:
        if isinstance(r, Done):
            into["model"] = r.model
        yield r


def _checked(records: Iterator[Record], model: nn.Module, before: dict) -> Iterator[Record]:
    for r in records:
        if isinstance(r, Done) and not unchanged(before, model):
            raise RuntimeError("a frozen layer's weights changed during the transfer run")
        yield r


def transfer_recordings(
    cfg: TrainConfig,
    data: MnistData,
    store: RunStore,
    should_stop: Callable[[], bool] | None = None,
    sample: int = SAMPLE,
    finetune_epochs: int = FINETUNE_EPOCHS,
) -> Iterator[tuple[str, Recording]]:
    """The three runs as (label, Recording), one group in `store`; each must be iterated to its
    end before the next is asked for (the transfer run starts from the pretrained model)."""
    group = new_group_id()
    name = cfg.model.name
    first, small = split_classes(data, FIRST), split_classes(data, SECOND, sample, cfg.seed)
    held: dict = {}
    pre = record_run(
        store,
        f"{name} pretrain 0–4",
        "train",
        cfg,
        _capture(train(cfg, first, should_stop), held),
        group,
        "pretrain 0–4",
    )
    yield "pretrain 0–4", pre
    if held.get("model") is None or (should_stop is not None and should_stop()):
        return
    tuned = replace(  # its own 500 digits: none held out, no subset of them (the form's
        cfg, epochs=finetune_epochs, val_size=0, limit_train=None, train_size=None, patience=0
    )  # "Training digits" of 2,000 refused the transfer run after the pretraining had run)
    model = copy.deepcopy(held["model"]).cpu()
    names = freeze_features(model)
    reset_classifier(model, cfg.seed)
    before = frozen_state(model)
    label = f"transfer 5–9 ({', '.join(names)} frozen)"
    runs = _checked(train(tuned, small, should_stop, model=model), model, before)
    yield label, record_run(store, f"{name} {label}", "train", tuned, runs, group, label)
    if should_stop is not None and should_stop():
        return
    scratch = train(tuned, small, should_stop)
    label = f"scratch 5–9 ({sample} digits)"
    yield label, record_run(store, f"{name} {label}", "train", tuned, scratch, group, label)
