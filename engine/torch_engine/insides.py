"""Inside a trained model: its predictions on the test set (confusion matrix, the mistakes sorted by
loss), what its first layer learned, what each layer outputs for one digit, which pixels drove an
answer (saliency), and what random augmentation does to a digit. Plain functions of a model and
uint8 images (n, 28, 28); nothing here draws. (Drawings: drawing.py; batch-size noise:
gradient_noise.py; transfer learning: transfer.py.)"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .mnist import MEAN, STD, normalise
from .models import ACTS, eval_mode


@dataclass(frozen=True)
class Predictions:
    labels: np.ndarray  # (n,) int64 true classes
    probs: np.ndarray  # (n, 10) float32 softmax outputs
    predicted: np.ndarray  # (n,) int64 argmax of probs
    losses: np.ndarray  # (n,) float32 cross-entropy of each digit


@dataclass(frozen=True)
class Mistake:
    index: int  # the digit's index in the images given
    true: int  # its label
    predicted: int  # the model's answer
    loss: float  # its cross-entropy
    top3: tuple[tuple[int, float], ...]  # the three likeliest (class, probability), likeliest first
    true_prob: float  # the probability the model gave the true class (exp(-loss))


@dataclass(frozen=True)
class LayerOutput:
    name: str  # "conv 1", "pool 1", "dense 1"...
    kind: str  # "conv" | "pool" | "dense"
    values: np.ndarray  # (C, H, W) maps for conv/pool, (units,) for dense; after activation
    then: str = ""  # what the values went through after the layer: "bn relu", "relu" or ""


@torch.no_grad()
def predict_all(model: nn.Module, images: np.ndarray, labels: np.ndarray, batch: int = 1000):
    """The model's Predictions for uint8 images (n, 28, 28) with labels (n,), in eval mode."""
    dev = next(model.parameters()).device
    y = torch.as_tensor(np.asarray(labels, dtype=np.int64))  # (n,)
    with eval_mode(model):
        logits = [model(normalise(images[i : i + batch], dev)).cpu()
                  for i in range(0, len(y), batch)]  # fmt: skip
    out = torch.cat(logits) if logits else torch.zeros(0, 10)  # (n, 10)
    losses = F.cross_entropy(out, y, reduction="none")
    probs = torch.softmax(out, 1)
    return Predictions(y.numpy(), probs.numpy(), probs.argmax(1).numpy(), losses.numpy())


def confusion_matrix(p: Predictions, classes: int = 10) -> np.ndarray:
    """(classes, classes) int64 counts: row = true class, column = predicted class."""
    flat = p.labels * classes + p.predicted
    return np.bincount(flat, minlength=classes * classes).reshape(classes, classes)


def row_normalised(counts: np.ndarray) -> np.ndarray:
    """Each row as fractions of that true class (a row with no digits stays 0)."""
    rows = counts.sum(1, keepdims=True)
    return np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0)


CONFUSION_LABELS = {
    "counts": "digits in the cell",
    "percent": "% of the true digit's row",
}


def confusion_colours(counts: np.ndarray, shown: str, clip: bool):
    """What the confusion matrix's colours show, the same quantity as its cells (`shown`:
    "counts" or "percent"): (values (classes, classes), (low, high) of the colour bar, its
    label). With `clip` the bar ends at the largest off-diagonal cell, so the confusions are
    told apart and the diagonal saturates; else at the largest cell (counts) or 100%."""
    if shown not in CONFUSION_LABELS:
        raise ValueError(f"cells show 'counts' or 'percent', not {shown!r}")
    values = counts.astype(float) if shown == "counts" else 100 * row_normalised(counts)
    off = values[~np.eye(len(values), dtype=bool)]
    full = float(values.max()) if shown == "counts" else 100.0
    top = float(off.max()) if clip and off.size and off.max() > 0 else full
    return values, (0.0, top if top > 0 else 1.0), CONFUSION_LABELS[shown]


def per_class_accuracy(counts: np.ndarray) -> np.ndarray:
    """(classes,) the fraction of each true class predicted right (NaN: no digit of that class)."""
    rows = counts.sum(1).astype(float)
    return np.divide(np.diag(counts), rows, out=np.full(len(rows), np.nan), where=rows > 0)


def cell_indices(p: Predictions, true: int, predicted: int) -> np.ndarray:
    """The indices of the digits of class `true` the model called `predicted`, worst first."""
    idx = np.flatnonzero((p.labels == true) & (p.predicted == predicted))
    return idx[np.argsort(-p.losses[idx], kind="stable")]


def misclassified(p: Predictions, limit: int | None = None) -> list[Mistake]:
    """The digits the model got wrong, highest loss first."""
    wrong = np.flatnonzero(p.labels != p.predicted)
    wrong = wrong[np.argsort(-p.losses[wrong], kind="stable")][:limit]
    out = []
    for i in wrong:
        top = np.argsort(-p.probs[i], kind="stable")[:3]
        out.append(
            Mistake(
                int(i),
                int(p.labels[i]),
                int(p.predicted[i]),
                float(p.losses[i]),
                tuple((int(c), float(p.probs[i, c])) for c in top),
                float(p.probs[i, p.labels[i]]),
            )
        )
    return out


def first_layer(model: nn.Module) -> nn.Module:
    """The first conv or dense layer."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d | nn.Linear):
            return m
    raise ValueError("the model has no conv or dense layer")


def first_layer_filters(model: nn.Module, count: int = 64, by_norm: bool = False):
    """What the first layer looks for, as images: (k, kh, kw) conv kernels (first input channel)
    or, for a dense first layer on 784 pixels, (k, 28, 28) weight rows. The first `count`, or the
    `count` with the largest L2 norm. Returns (images, unit indices, norms)."""
    layer = first_layer(model)
    w = layer.weight.detach().cpu().float()
    if isinstance(layer, nn.Conv2d):
        imgs = w[:, 0]  # (K, kh, kw)
    elif w.shape[1] == 28 * 28:
        imgs = w.reshape(-1, 28, 28)  # (units, 28, 28)
    else:
        raise ValueError(f"the first dense layer takes {w.shape[1]} inputs, not 784 pixels")
    norms = torch.linalg.vector_norm(w.flatten(1), dim=1)  # (k,)
    order = torch.argsort(norms, descending=True) if by_norm else torch.arange(len(norms))
    order = order[:count]
    return imgs[order].numpy(), order.numpy(), norms[order].numpy()


def _kind(m: nn.Module) -> str | None:
    if isinstance(m, nn.Conv2d):
        return "conv"
    if isinstance(m, nn.MaxPool2d | nn.AvgPool2d):
        return "pool"
    if isinstance(m, nn.Linear):
        return "dense"
    return None


@torch.no_grad()
def feature_maps(model: nn.Sequential, image: np.ndarray) -> tuple[list[LayerOutput], np.ndarray]:
    """Every conv, pool and dense layer's output for one uint8 image (28, 28), each taken after
    the batch norms and activations that follow it (named in its `then`: the fast CNN's convs
    have none, its pooling layers "bn relu"); and the softmax output (10,)."""
    x = normalise(image, next(model.parameters()).device)  # (1, 1, 28, 28)
    outs: list[tuple[str, str, torch.Tensor, str]] = []
    counts: dict[str, int] = {}
    with eval_mode(model):
        for m in model:
            x = m(x)
            kind = _kind(m)
            if kind is not None:
                counts[kind] = counts.get(kind, 0) + 1
                outs.append((f"{kind} {counts[kind]}", kind, x, ""))
            elif outs and not isinstance(m, nn.Flatten | nn.Dropout):  # batch norm, activation
                name, kind, before, then = outs[-1]  # the layer's output after them
                shown = x.reshape(before.shape)  # after a flatten: the same values, as maps
                outs[-1] = (name, kind, shown, f"{then} {_then_word(m)}".strip())
    probs = torch.softmax(x, 1)[0].cpu().numpy()
    return [LayerOutput(n, k, v[0].cpu().numpy(), t) for n, k, v, t in outs], probs


def _then_word(m: nn.Module) -> str:
    """A batch norm or activation module in the layer list's words: "bn", "relu", "tanh"."""
    if isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d):
        return "bn"
    return next((w for w, cls in ACTS.items() if type(m) is cls and w != "linear"), "")


def saliency(model: nn.Module, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(probs (10,), gradient (28, 28)): the predicted class's score (its logit) differentiated
    with respect to each input pixel (in 0-255 units), in eval mode. Its size says how much each
    pixel drove the answer."""
    x = normalise(image, next(model.parameters()).device).requires_grad_(True)  # (1, 1, 28, 28)
    with eval_mode(model), torch.enable_grad():
        out = model(x)[0]  # (10,)
        (g,) = torch.autograd.grad(out[int(out.argmax())], x)
    probs = torch.softmax(out.detach(), 0).cpu().numpy()
    return probs, (g[0, 0] / (255.0 * STD)).cpu().numpy()


def augmentations(image: np.ndarray, n: int = 15, seed: int = 0) -> np.ndarray:
    """(n, 28, 28) float32 pixels 0-255: random rotations and shifts of one uint8 image, exactly as
    training's augment_batch makes them."""
    from .device_data import augment_batch

    x = normalise(np.repeat(np.asarray(image)[None], n, 0))  # (n, 1, 28, 28)
    out = augment_batch(x, torch.Generator().manual_seed(seed))
    return ((out[:, 0] * STD + MEAN) * 255.0).clamp_(0, 255).numpy()
