"""The axis ranges of the experiment plots, chosen by arithmetic here (no Qt) so they are tested:
a loss axis that shows the runs that learned instead of being squashed by one that blew up, an
accuracy axis that never leaves [0, 1], and the time a sweep should take."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

BLEW_UP = 1.5  # a run whose smoothed loss rises above this times its first value blew up
HEADROOM = 1.08  # the loss axis's top: this times the highest loss of the runs kept in view
ACC_MARGIN = 0.05  # below the lowest accuracy shown
MNIST_TRAIN = 60_000  # training digits in MNIST


@dataclass(frozen=True)
class LossView:
    bottom: float  # the lowest finite loss above 0 of the runs in view (a log axis's floor)
    top: float  # the axis's top (linear and log)
    off_scale: tuple[int, ...]  # the runs (by position) that blew up and run past the top


def blew_up(curve, diverged: bool = False, start: float | None = None) -> bool:
    """Whether a run's loss curve went the wrong way: a non-finite loss stopped it (`diverged`),
    or its smoothed loss rose above BLEW_UP times `start`, the loss the runs began from (the
    runs of a sweep share their initial weights; default: the curve's own first value, which
    a run that explodes in its first steps already records high)."""
    v = np.asarray(curve, float)
    v = v[np.isfinite(v)]
    if diverged:
        return True
    if len(v) == 0:
        return False
    ref = float(v[0]) if start is None else start
    return float(v.max()) > BLEW_UP * ref and len(v) > (1 if start is None else 0)


def loss_view(curves, diverged=None) -> LossView | None:
    """The loss axis of a sweep's overlaid curves (one array of losses per run; `diverged`: the
    runs a Diverged record stopped). The axis spans the runs that did not blow up (measured from
    the lowest first loss of them all); a run that did is listed in `off_scale` when it runs
    past the top. All blew up: all are shown. None when
    there is nothing finite to show yet."""
    curves = [np.asarray(c, float) for c in curves]
    flags = list(diverged) if diverged is not None else [False] * len(curves)
    if len(flags) != len(curves):
        raise ValueError(f"{len(flags)} diverged flags for {len(curves)} curves")
    firsts = [c[np.isfinite(c)][0] for c in curves if np.isfinite(c).any()]
    start = float(min(firsts)) if firsts else None  # where the runs began: the least of them
    bad = [blew_up(c, d, start) for c, d in zip(curves, flags, strict=True)]
    kept = [c[np.isfinite(c)] for c, b in zip(curves, bad, strict=True) if not b]
    kept = [c for c in kept if len(c)]
    if not kept:  # every run blew up (or none has a point yet): show them all
        kept = [c[np.isfinite(c)] for c in curves]
        kept = [c for c in kept if len(c)]
        bad = [False] * len(curves)
    if not kept:
        return None
    values = np.concatenate(kept)
    top = float(values.max()) * HEADROOM
    positive = values[values > 0]
    bottom = float(positive.min()) if len(positive) else top / 10
    if not top > 0:  # all losses 0 (a solved toy problem): a unit axis
        top, bottom = 1.0, 0.1
    off = tuple(
        i
        for i, (c, b) in enumerate(zip(curves, bad, strict=True))
        if b
        and np.isfinite(c).any()
        and float(np.nanmax(np.where(np.isfinite(c), c, np.nan))) > top
    )
    return LossView(bottom, top, off)


def accuracy_range(values) -> tuple[float, float]:
    """An accuracy axis: from a little below the lowest finite accuracy to 1, never outside
    [0, 1] (a fraction; non-finite and out-of-range values are left out)."""
    v = np.asarray(values, float).ravel()
    v = v[np.isfinite(v) & (v >= 0) & (v <= 1)]
    if not len(v):
        return 0.0, 1.0
    lo = max(0.0, math.floor((float(v.min()) - ACC_MARGIN) * 20) / 20)  # a round 0.05 step
    return lo, 1.0


def sweep_plan(values, seconds_per_run: float | None, name: str = "lr") -> str:
    """What a sweep will run and roughly for how long, before it starts: '5 runs, lr = 0.0001,
    0.001, 0.01, 0.1, 1; about 2 min' (`seconds_per_run`: a measured or estimated run's length,
    None when there is none to go by)."""
    vals = [float(v) for v in values]
    n = len(vals)
    head = f"{n} run{'' if n == 1 else 's'}, {name} = " + ", ".join(f"{v:g}" for v in vals)
    if seconds_per_run is None or not math.isfinite(seconds_per_run) or seconds_per_run <= 0:
        return head + "; time: not known yet (no run of these settings to go by)"
    total = seconds_per_run * len(vals)
    if total < 90:
        when = f"about {max(1, round(total))} s"
    elif total < 5400:
        when = f"about {round(total / 60)} min"
    else:
        when = f"about {total / 3600:.1f} h"
    return f"{head}; {when}"


def estimate_run_seconds(cfg, finished) -> float | None:
    """Roughly how long one run of `cfg` (a TrainConfig) takes, from the store's finished runs:
    `finished` holds (settings dict, final dict) pairs, newest first. The newest run with the same
    model, batch size and device is scaled by the samples it went through (epochs × training
    digits); None when no such run is there to go by."""
    want = (cfg.model.name, cfg.batch_size, cfg.device)
    for settings, final in finished:
        try:
            model = settings["model"]["name"]
            same = (model, settings["batch_size"], settings["device"]) == want
            secs = float(final["wall_seconds"])
            work = float(final["epochs"]) * _train_size(
                settings["limit_train"], settings["val_size"]
            )
        except (KeyError, TypeError, ValueError):
            continue
        if same and math.isfinite(secs) and secs > 0 and work > 0:
            return secs * cfg.epochs * _train_size(cfg.limit_train, cfg.val_size) / work
    return None


def _train_size(limit, val_size) -> int:
    n = min(int(limit), MNIST_TRAIN) if limit else MNIST_TRAIN
    return max(1, n - min(int(val_size or 0), n // 2))
