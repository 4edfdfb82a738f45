"""How well a model does on a set of digits: the mean loss and the accuracy, in eval mode, with
one device sync for the whole set. The training loop evaluates at its checkpoints; the CLI's
`evaluate`, the sweeps and the insides ask the same function."""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from .models import eval_mode

CPU_CONV_EVAL_BATCH = 128  # a conv model on a CPU: small batches keep its maps in the cache


def eval_batch(model: nn.Module, x: torch.Tensor) -> int:
    """Digits per forward pass when evaluating: 2,000 (few launches on a GPU; an MLP's matmuls
    like large batches on a CPU too), but 128 for a conv model on a CPU, whose feature maps of
    2,000 digits outgrow the cache (bench/eval_speed.py: the test set took 2-4 times as long)."""
    if x.device.type == "cpu" and any(isinstance(m, nn.Conv2d) for m in model.modules()):
        return CPU_CONV_EVAL_BATCH
    return 2000


def keeps_order(bn: nn.BatchNorm2d) -> bool:
    """Whether an eval-mode batch norm keeps the order of each channel's values (running
    statistics, and every scale γ/√(σ²+ε) positive): max-pooling then picks the same values
    before it as after it, so it can be folded into a conv before the pooling."""
    return bn.running_mean is not None and bn.affine and bool((bn.weight.detach() > 0).all())


def _pairs(module: nn.Module):
    """(container, conv's name, batch norm's name) of each Conv2d followed by a BatchNorm2d of
    its channels, anywhere in the model: directly, or after max-pooling when every scale
    γ/√(σ²+ε) is positive (the batch norm then keeps the order of each channel's values, so
    max-pooling picks the same ones and it can be folded into the conv before the pooling)."""
    for parent in module.modules():
        names = list(parent._modules)
        for i, a in enumerate(names):
            conv, j = parent._modules[a], i + 1
            while j < len(names) and isinstance(parent._modules[names[j]], nn.MaxPool2d):
                j += 1
            bn = parent._modules[names[j]] if j < len(names) else None
            if (
                isinstance(conv, nn.Conv2d)
                and isinstance(bn, nn.BatchNorm2d)
                and bn.track_running_stats
                and bn.num_features == conv.out_channels
                and (j == i + 1 or keeps_order(bn))
            ):
                yield parent, a, names[j]


def folded(model: nn.Module) -> nn.Module:
    """The model in evaluation mode with each batch norm folded into the conv before it
    (W' = W·γ/√(σ²+ε), b' = β + (b − μ)·γ/√(σ²+ε)): the same function with one op fewer a layer
    (bench/eval_speed.py: the fast CNN's test set about a fifth faster on a CPU). A copy: the
    model itself is not changed. A model with nothing to fold is returned as it is."""
    if next(_pairs(model), None) is None:
        return model
    copied = copy.deepcopy(model).eval()
    for parent, a, b in list(_pairs(copied)):
        parent._modules[a] = fuse_conv_bn_eval(parent._modules[a], parent._modules[b])
        parent._modules[b] = nn.Identity()
    return copied


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int | None = None):
    """(mean loss, accuracy) of x (n, 1, 28, 28) against y (n,), in eval mode, `batch` digits
    at a time (default: `eval_batch`)."""
    batch = batch or eval_batch(model, x)
    wide = torch.float32 if x.device.type == "mps" else torch.float64  # MPS has no float64
    sums = torch.zeros(2, dtype=wide, device=x.device)  # the loss and the correct: one sync
    with eval_mode(model):
        model = folded(model)
        for i in range(0, len(x), batch):
            out = model(x[i : i + batch])  # (b, 10)
            sums[0] += F.cross_entropy(out.float(), y[i : i + batch], reduction="sum")
            sums[1] += (out.argmax(1) == y[i : i + batch]).sum()
    loss, correct = sums.tolist()
    n = max(1, len(x))
    return loss / n, int(correct) / n
