"""The training-set size setting: a fixed, seeded subset of the training digits, balanced over the
classes, and the fixed sample of it on which the training-set loss and accuracy are measured.

Both are drawn from `TrainConfig.subset_seed`, never from the run's seed: the repeats of a sweep
(seed, seed+1, ...) train on the same digits, and a run with train_size N and another with
train_size M differ in their digits only. The validation hold-out (the last val_size training
digits, training.prepare) is taken before the subset is drawn, so the two never overlap.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

MIN_TRAIN_SIZE = 100  # at least 10 digits of each class
TRAIN_EVAL_SAMPLE = 10_000  # the training-set figures are measured on at most this many digits


def balanced_indices(labels: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices (n,) into `labels`, sorted: as equal a share of each class as there is (the
    remainder of n / classes to randomly chosen classes), each class's digits drawn at random.
    A class with too few digits gives all it has and the others make up the difference."""
    labels = np.asarray(labels)
    if n > len(labels):
        raise ValueError(
            f"a training-set size of {n:,} is more than the {len(labels):,} training digits "
            "left after the validation hold-out"
        )
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    pools = [rng.permutation(np.flatnonzero(labels == c)) for c in classes]
    share = np.full(len(classes), n // len(classes))
    share[rng.permutation(len(classes))[: n % len(classes)]] += 1
    take = np.minimum(share, [len(p) for p in pools])
    while take.sum() < n:  # a class ran short: the others, largest left first, fill in
        left = np.array([len(p) for p in pools]) - take
        take[int(np.argmax(left))] += 1
    return np.sort(np.concatenate([p[:k] for p, k in zip(pools, take, strict=True)]))


def check_sizes(cfgs, available: int) -> None:
    """Raise the one-sentence ValueError before any run starts when a config asks for more
    training digits than `available` (those left after the validation hold-out)."""
    for c in cfgs:
        if c.train_size is not None and c.train_size > available:
            raise ValueError(
                f"a training-set size of {c.train_size:,} is more than the {available:,} "
                "training digits left after the validation hold-out"
            )


def eval_indices(n: int, seed: int, most: int = TRAIN_EVAL_SAMPLE) -> np.ndarray | None:
    """The training digits the train-set figures are measured on: None (all n) when n <= most,
    else a fixed sorted sample of `most` of them."""
    if n <= most:
        return None
    return np.sort(np.random.default_rng(seed + 1).choice(n, most, replace=False))


def training_subset(data, cfg):
    """`data` (a training.DeviceData) with only the run's balanced training subset."""
    if cfg.train_size is None:
        return data
    import torch

    idx = balanced_indices(data.train_y.cpu().numpy(), cfg.train_size, cfg.subset_seed)
    pick = torch.from_numpy(idx).to(data.train_x.device)
    return replace(data, train_x=data.train_x[pick], train_y=data.train_y[pick])


def train_eval_data(data, seed: int):
    """The training digits the train-set figures are measured on (None: all of them)."""
    idx = eval_indices(len(data.train_x), seed)
    if idx is None:
        return None
    import torch

    pick = torch.from_numpy(idx).to(data.train_x.device)
    return data.train_x[pick], data.train_y[pick]
