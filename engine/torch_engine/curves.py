"""Curves for live plots, kept as plain arrays (no Qt): a growing series and the smoothing the
trainer shows beside the raw training loss."""

from __future__ import annotations

import math

import numpy as np


class Series:
    """Columns of float64 that grow by doubling a preallocated array, so appending a point is
    O(1) and a plot can take views of the filled part without copying."""

    def __init__(self, names: tuple[str, ...], capacity: int = 1024):
        self.names = names
        self._a = np.full((capacity, len(names)), np.nan)  # (capacity, columns)
        self.n = 0

    def append(self, *values: float) -> None:
        if self.n == len(self._a):
            grown = np.full((2 * len(self._a), len(self.names)), np.nan)
            grown[: self.n] = self._a
            self._a = grown
        self._a[self.n] = values
        self.n += 1

    def __getitem__(self, name: str) -> np.ndarray:
        return self._a[: self.n, self.names.index(name)]  # a view: (n,)

    def __len__(self) -> int:
        return self.n


def ema(values: np.ndarray, weight: float) -> np.ndarray:
    """Exponential moving average with bias correction (as TensorBoard's smoothing slider):
    weight 0 is the raw curve, 0.99 very smooth. NaNs are skipped, not spread."""
    e = Ema(weight)
    return np.array([e(x) for x in np.asarray(values, float)], float)


class Ema:
    """The same smoothing, one point at a time (a live curve appends, never recomputes)."""

    def __init__(self, weight: float):
        self.weight, self.avg, self.norm = weight, 0.0, 0.0

    @classmethod
    def resume(cls, weight: float, last: float | None) -> Ema:
        """Smoothing that goes on from the last smoothed value (after the weight changed)."""
        e = cls(weight)
        if last is not None and np.isfinite(last):
            e.avg, e.norm = last, 1.0
        return e

    def __call__(self, x: float) -> float:
        if np.isfinite(x):
            self.avg = self.weight * self.avg + (1 - self.weight) * x
            self.norm = self.weight * self.norm + (1 - self.weight)
        return self.avg / self.norm if self.norm else float("nan")


def log_safe(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: non-positive ones become NaN (drawn as a gap)."""
    v = np.asarray(values, float).copy()
    v[~(v > 0)] = np.nan
    return v


X_AXES = {"steps": "step", "epochs": "epoch", "seconds": "elapsed"}  # overlay x axis -> field


def run_curves(records: list[dict], smoothing: float = 0.9) -> dict[str, np.ndarray]:
    """A stored run's records as arrays: per step record (step, epoch, elapsed, loss, smoothed
    loss) and per evaluation (eval_step, eval_epoch, eval_elapsed, test_loss, test_accuracy)."""
    steps = [r for r in records if r.get("kind") == "step"]
    evals = [r for r in records if r.get("kind") == "eval"]

    def col(rows, key):
        return np.array([np.nan if r.get(key) is None else r[key] for r in rows], float)

    out = {k: col(steps, k) for k in ("step", "epoch", "elapsed", "loss")}
    out["smooth"] = ema(out["loss"], smoothing)
    for k in ("step", "epoch", "elapsed"):
        out[f"eval_{k}"] = col(evals, k)
    out["test_loss"] = col(evals, "test_loss")
    out["test_accuracy"] = col(evals, "test_accuracy")
    return out


def progress_text(start, step, run_index: int = 0, runs: int = 1) -> tuple[str, float]:
    """The progress bar's words and fraction for a Step record of a run that began with `start`:
    epoch, ETA and samples/s (for an experiment, which run of how many)."""
    total = max(1, start.total_steps)
    frac_run = min(1.0, step.step / total)
    per_step = step.elapsed / max(1, step.step)
    eta = per_step * (total - step.step) + per_step * total * (runs - run_index - 1)
    epochs = total / max(1, start.steps_per_epoch)
    head = f"run {run_index + 1}/{runs} · " if runs > 1 else ""
    text = (
        f"{head}epoch {step.epoch:.2f}/{epochs:g} · ETA {eta:.0f} s · "
        f"{step.samples_per_s:,.0f} samples/s"
    )
    return text, (run_index + frac_run) / runs


def run_of_job(label: str, run_index: int, runs: int) -> str:
    """Which run of a job of several the numbers are from, e.g. "dropout=0.5, seed=1 · run 4 of
    4"; "" for a job of one run."""
    if runs <= 1:
        return ""
    where = f"run {run_index + 1} of {runs}"
    return f"{label} · {where}" if label else where


def readout_text(
    epoch: float,
    epochs: float,
    loss: float,
    accuracy: float | None,
    which: str = "",
    label_smoothing: float = 0.0,
) -> str:
    """Lecturer mode's large line: where the run is and how it does. `loss` is the smoothed
    training loss, `accuracy` the last test accuracy (None or NaN before the first epoch ends);
    a value not known yet is a dash. `which`, from run_of_job, goes on a line of its own above.
    A run with label smoothing says its ε beside the loss (that loss cannot reach 0). The loss
    says it is smoothed: after a short run it lagged the plotted losses (1.54 beside 1.05)."""

    def known(v) -> bool:
        return v is not None and math.isfinite(v)

    line = "   ·   ".join(
        (
            f"epoch {epoch:.2f} / {epochs:g}" if known(epoch) and known(epochs) else "epoch —",
            (f"smoothed loss {loss:.4f}" if known(loss) else "smoothed loss —")
            + (f" (ε {label_smoothing:g})" if label_smoothing else ""),
            f"test accuracy {100 * accuracy:.2f}%" if known(accuracy) else "test accuracy —",
        )
    )
    return f"{which}\n{line}" if which else line
