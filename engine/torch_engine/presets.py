"""The preset experiments the course asks for, each one click (the window) or one command (the
CLI), and the one-sentence reading of any sweep's result, computed from its numbers:

- overfitting: an MLP on 1,000 digits with no cure, then with dropout, L2, early stopping and
  augmentation; the reading compares their train-validation gaps;
- topology: the MLP's hidden sizes 256 / 256,128 / 64,64,64,64 over 3 seeds;
- batch: the batch size 32 / 128 / 512 over 3 seeds.

A run's figures (`run_row`) are those of its final epoch, or of the epoch whose weights it kept
under early stopping: the same fields as `sweep --json`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .experiments import Variant, sweep
from .models import ModelConfig
from .records import NO_RESULT, Done, Eval
from .sweepable import SWEEPABLE, value_text
from .training import TrainConfig

ROW_KEYS = ("value", "seed", "status", "train_accuracy", "train_loss", "val_accuracy",
            "val_loss", "test_accuracy", "test_loss", "best_epoch", "wall_seconds")  # fmt: skip
OVERFIT_VAL = 5_000  # the overfitting experiment's validation hold-out


def _overfit_base(c: TrainConfig) -> TrainConfig:
    return replace(
        c, model=ModelConfig("mlp", dropout=0.0, hidden=(256, 128)), train_size=1000,
        val_size=OVERFIT_VAL, epochs=40, batch_size=64, lr=1e-3, optimizer="adam",
        schedule="constant", weight_decay=0.0, label_smoothing=0.0, augment=False, patience=0,
        target_accuracy=None, eval_every=0,
    )  # fmt: skip


def _mlp_base(c: TrainConfig, epochs: int, lr: float, schedule: str) -> TrainConfig:
    return replace(
        c, model=ModelConfig("mlp", dropout=0.2), train_size=None, val_size=5_000,
        epochs=epochs, batch_size=128, lr=lr, optimizer="adam", schedule=schedule,
        weight_decay=0.0, label_smoothing=0.0, augment=False, patience=0, target_accuracy=None,
        eval_every=0,

    )  # fmt: skip


CURES: dict[str, Callable[[TrainConfig], TrainConfig]] = {
    "none": lambda c: c,
    "dropout 0.5": lambda c: replace(c, model=replace(c.model, dropout=0.5)),
    "L2 0.05": lambda c: replace(c, weight_decay=0.05),
    "early stopping": lambda c: replace(c, patience=3),
    "augmentation": lambda c: replace(c, augment=True),
}


@dataclass(frozen=True)
class Preset:
    key: str
    title: str  # for a button
    what: str  # one sentence: what it runs
    base: Callable[[TrainConfig], TrainConfig]  # the shared settings (device and seed kept)
    param: str  # the swept setting ("" : the named cures of CURES)
    values: tuple  # the swept values, or the cures' names
    repeats: int  # seeds per value


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset("overfitting", "Overfitting and its cures",
               "An MLP (256,128) on 1,000 digits for 40 epochs: no cure, then dropout 0.5, L2 "
               "0.05, early stopping (patience 3) and augmentation; 5,000 digits validate.",
               _overfit_base, "", tuple(CURES), 1),
        Preset("topology", "MLP topologies",
               "The MLP with hidden sizes 256, 256,128 and 64,64,64,64 on every digit, 3 epochs, "
               "3 seeds each.",
               lambda c: _mlp_base(c, 3, 3e-3, "onecycle"), "hidden",
               ((256,), (256, 128), (64, 64, 64, 64)), 3),
        Preset("batch", "Batch size, 3 seeds",
               "The MLP with batch sizes 32, 128 and 512 on every digit, 2 epochs, 3 seeds each.",
               lambda c: _mlp_base(c, 2, 1e-3, "constant"), "batch_size", (32, 128, 512), 3),
    )
}  # fmt: skip


def preset_variants(key: str, base: TrainConfig, values=()) -> list[Variant]:
    """One run per value (or cure) of the preset `key`, with seed base.seed: the caller repeats
    them (experiments.repeated). `base` is already shaped by the preset (preset_job)."""
    p = _preset(key)
    values = tuple(values) or p.values
    if p.param:
        return sweep(base, p.param, values)
    unknown = [v for v in values if v not in CURES]
    if unknown:
        raise ValueError(f"unknown cure {unknown[0]!r}; one of {', '.join(CURES)}")
    return [Variant(v, CURES[v](base), v, base.seed) for v in values]


def preset_job(key: str, base: TrainConfig, data_dir: str | None, store_path: str | None = None):
    """The Job that runs preset `key` on `base`'s device and seed (jobs.run_job runs it)."""
    from .jobs import Job

    p = _preset(key)
    cfg = p.base(base)
    return Job("preset", cfg, data_dir, values=p.values, repeats=p.repeats, preset=key,
               param=p.param, store_path=store_path)  # fmt: skip


def _preset(key: str) -> Preset:
    if key not in PRESETS:
        raise ValueError(f"unknown experiment {key!r}; one of {', '.join(PRESETS)}")
    return PRESETS[key]


def _finite(v) -> float | None:
    return float(v) if isinstance(v, int | float) and math.isfinite(v) else None


def kept_eval(done: Done | None, evals) -> Eval | None:
    """The epoch-end Eval of the weights the run ended with (its best epoch), else its last."""
    ends = [e for e in evals if e.train_loss is not None or float(e.epoch).is_integer()]
    if done is not None and done.best_epoch is not None:
        at = [e for e in ends if round(e.epoch) == done.best_epoch]
        if at:
            return at[-1]
    return ends[-1] if ends else None


def run_row(value: Any, seed: int, done: Done | None, evals) -> dict:
    """One run's figures as `sweep --json` prints them (non-finite numbers as None)."""
    ev = kept_eval(done, evals)
    row = dict.fromkeys(ROW_KEYS)
    row.update(value=list(value) if isinstance(value, tuple) else value, seed=seed)
    if ev is not None:
        for k in ("train_accuracy", "train_loss", "val_accuracy", "val_loss"):
            row[k] = _finite(getattr(ev, k))
        row.update(test_accuracy=_finite(ev.test_accuracy), test_loss=_finite(ev.test_loss))
    if done is not None:
        row.update(status=done.status, best_epoch=done.best_epoch)
        row["wall_seconds"] = _finite(done.wall_seconds)
        if ev is None or done.status in ("diverged", "cancelled"):  # the weights it ended with
            row.update(test_accuracy=_finite(done.test_accuracy), test_loss=_finite(done.test_loss))
    return row


def _key(v) -> Any:
    return tuple(v) if isinstance(v, list) else v


def _groups(rows: list[dict], field: str) -> list[tuple[Any, list[float]]]:
    """Per value in first-seen order, the finite `field` of its runs."""
    out: dict[Any, list[float]] = {}
    for r in rows:
        vals = out.setdefault(_key(r["value"]), [])
        if isinstance(r.get(field), int | float) and math.isfinite(r[field]):
            vals.append(float(r[field]))
    return list(out.items())


def _name(param: str, v) -> str:
    return f"{SWEEPABLE[param].cli} {value_text(param, v)}" if param in SWEEPABLE else str(v)


def reading(key: str, rows: list[dict]) -> str:
    """One sentence reading the result: `key` is a preset's key or a sweep's setting; `rows` are
    run_row's (or `sweep --json`'s runs)."""
    done = [r for r in rows if r.get("status") not in NO_RESULT]  # a stopped run is not a result
    if not done:
        return "No run finished, so there is nothing to read yet."
    if key == "overfitting":
        text = gap_reading(done)
    else:
        text = accuracy_reading(PRESETS[key].param if key in PRESETS else key, done)
    left = len(rows) - len(done)
    return text + (f" ({left} cancelled or diverged run{'s' if left > 1 else ''} left out.)"
                   if left else "")  # fmt: skip


def _gap(row: dict) -> float | None:
    tr, va = row.get("train_accuracy"), row.get("val_accuracy")
    if va is None:
        va = row.get("test_accuracy")
    if not all(isinstance(x, int | float) and math.isfinite(x) for x in (tr, va)):
        return None
    return 100.0 * (tr - va)


def gap_reading(rows: list[dict]) -> str:
    """The train-validation gap (points) of each cure against none's."""
    gaps: dict[Any, list[float]] = {}
    for r in rows:
        g = _gap(r)
        if g is not None:
            gaps.setdefault(_key(r["value"]), []).append(g)
    mean = {k: sum(v) / len(v) for k, v in gaps.items() if v}
    if not mean:
        return "No run measured both its training and validation accuracy, so no gap to read."
    others = {k: g for k, g in mean.items() if k != "none"}
    rest = ", ".join(f"{k}: {g:.1f}" for k, g in others.items())
    if "none" not in mean or not others:
        return f"The train–validation gaps were, in points: {', '.join(f'{k}: {g:.1f}' for k, g in mean.items())}."
    best = min(others, key=others.get)
    if others[best] >= mean["none"]:
        return (f"With no cure the train–validation gap was {mean['none']:.1f} points, and no cure "
                f"closed it ({rest}).")  # fmt: skip
    return (f"{best} closed the train–validation gap from {mean['none']:.1f} to "
            f"{others[best]:.1f} points, the most of the cures ({rest}).")  # fmt: skip


def accuracy_reading(param: str, rows: list[dict]) -> str:
    """The best value by mean test accuracy against the runner-up, and whether their ranges over
    the seeds overlap."""
    stats = [
        (v, sum(a) / len(a), min(a), max(a), len(a)) for v, a in _groups(rows, "test_accuracy") if a
    ]
    if not stats:
        return "No run finished with a test accuracy, so there is nothing to read."
    stats.sort(key=lambda s: -s[1])
    v, m, lo, hi, n = stats[0]
    head = f"{_name(param, v)} scored best, {100 * m:.2f}% on test"
    if n > 1:
        head += f" ({100 * lo:.2f}–{100 * hi:.2f}% over {n} seeds)"
    if len(stats) == 1:
        return head + "."
    v2, m2, lo2, hi2, n2 = stats[1]
    if round(100 * m, 2) == round(100 * m2, 2):
        return f"{_name(param, v)} and {_name(param, v2)} tied at {100 * m:.2f}% on test."
    head += f", ahead of {_name(param, v2)} at {100 * m2:.2f}%"
    if n2 > 1:
        head += f" ({100 * lo2:.2f}–{100 * hi2:.2f}%)"
    if n < 2 or n2 < 2:
        return head + "; with one seed each, that difference may be seed noise."
    if lo > hi2:
        return head + "; their ranges do not overlap, so the difference is more than seed noise."
    return head + "; their ranges overlap, so the difference may be seed noise."
