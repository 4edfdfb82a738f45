"""How well a model does on a set of digits: the mean loss and the accuracy, in eval mode, with
one device sync for the whole set. The training loop evaluates at its checkpoints; the CLI's
`evaluate`, the sweeps and the insides ask the same function."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .models import eval_mode

CPU_CONV_EVAL_BATCH = 128  # a conv model on a CPU: small batches keep its maps in the cache


def eval_batch(model: nn.Module, x: torch.Tensor) -> int:
    """Digits per forward pass when evaluating: 2,000 (few launches on a GPU; an MLP's matmuls
    like large batches on a CPU too), but 128 for a conv model on a CPU, whose feature maps of
    2,000 digits outgrow the cache (bench/eval_speed.py: the test set took 2-4 times as long)."""
    if x.device.type == "cpu" and any(isinstance(m, nn.Conv2d) for m in model.modules()):
        return CPU_CONV_EVAL_BATCH
    return 2000


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int | None = None):
    """(mean loss, accuracy) of x (n, 1, 28, 28) against y (n,), in eval mode, `batch` digits
    at a time (default: `eval_batch`)."""
    batch = batch or eval_batch(model, x)
    wide = torch.float32 if x.device.type == "mps" else torch.float64  # MPS has no float64
    sums = torch.zeros(2, dtype=wide, device=x.device)  # the loss and the correct: one sync
    with eval_mode(model):
        for i in range(0, len(x), batch):
            out = model(x[i : i + batch])  # (b, 10)
            sums[0] += F.cross_entropy(out.float(), y[i : i + batch], reduction="sum")
            sums[1] += (out.argmax(1) == y[i : i + batch]).sum()
    loss, correct = sums.tolist()
    n = max(1, len(x))
    return loss / n, int(correct) / n
