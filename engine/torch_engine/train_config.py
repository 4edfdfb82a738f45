"""A training run's settings: one frozen dataclass, read by the training loop (training.py),
checked field by field by settings.py, saved in checkpoints and the run store as JSON
(checkpoint.config_from_dict reads it back)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import ModelConfig


@dataclass(frozen=True)
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    epochs: int = 3  # passes over the training set
    batch_size: int = 128  # samples per step
    lr: float = 1e-3  # learning rate (the peak for one-cycle)
    optimizer: str = "adam"  # one of OPTIMIZER_NAMES
    momentum: float = 0.9  # for momentum / nesterov
    weight_decay: float = 0.0  # L2 (decoupled for adamw)
    # the training loss's targets: 1 − ε + ε/10 on the label, ε/10 on each other class (torch's
    # label_smoothing); every evaluation (test, validation, training set) stays plain cross-entropy
    label_smoothing: float = 0.0
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
    train_size: int | None = None  # a balanced subset of N training digits (None: all; subset.py)
    subset_seed: int = (
        0  # draws that subset and its train-eval sample (not `seed`: repeats share it)
    )
    # the forward pass and loss: "auto" (bfloat16 autocast for a conv model on a CPU that
    # multiplies bfloat16 natively, else float32), "float32" or "bfloat16" (device.resolve_precision)
    precision: str = "auto"
