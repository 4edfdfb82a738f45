"""Spread over repeated seeds, as plain arrays (no Qt): what the trainer's sweep plots draw when
each swept value runs with several seeds. Each value's curves become one mean curve with its
min–max band; each value's final figures become a mean with its range; two values whose ranges
overlap are not told apart by these seeds. The window only draws what comes from here.

A curve is (x, y): the epoch of each point and its value. Per-epoch curves of repeated runs share
their x exactly (epoch 1, 2, ...), but a run stopped early has fewer points: at each x the band is
over the runs that reached it (`Band.count`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Band:
    x: np.ndarray  # (n,) the points
    mean: np.ndarray  # (n,) the mean over the runs at each point
    lo: np.ndarray  # (n,) the lowest run
    hi: np.ndarray  # (n,) the highest run
    count: np.ndarray  # (n,) how many runs have a point there


@dataclass(frozen=True)
class Spread:
    n: int  # runs with a finite value
    mean: float  # their mean (NaN when n is 0)
    lo: float  # the lowest (NaN when n is 0)
    hi: float  # the highest (NaN when n is 0)


def _finite_pairs(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    if len(x) != len(y):
        raise ValueError(f"a curve needs as many x as y values ({len(x)} x, {len(y)} y)")
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def band_aligned(curves) -> Band | None:
    """The band of curves that share their x values (per-epoch figures): at each x any run has,
    the mean, min and max of the runs that have it. None when no curve has a finite point."""
    pairs = [_finite_pairs(x, y) for x, y in curves]
    pairs = [(x, y) for x, y in pairs if len(x)]
    if not pairs:
        return None
    xs = np.unique(np.concatenate([x for x, _ in pairs]))  # (n,) sorted
    table = np.full((len(pairs), len(xs)), np.nan)  # (runs, n)
    for r, (x, y) in enumerate(pairs):
        table[r, np.searchsorted(xs, x)] = y  # a repeated x keeps its last value
    return _bands(xs, table)


def _bands(xs: np.ndarray, table: np.ndarray) -> Band:
    count = np.isfinite(table).sum(0)
    with np.errstate(invalid="ignore"):
        total = np.where(np.isfinite(table), table, 0.0).sum(0)
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    big, small = (
        np.where(np.isfinite(table), table, -np.inf),
        np.where(np.isfinite(table), table, np.inf),
    )
    hi = np.where(count > 0, big.max(0), np.nan)
    lo = np.where(count > 0, small.min(0), np.nan)
    return Band(xs, mean, lo, hi, count)


def spread(values) -> Spread:
    """Mean, min and max of the finite values (a value's final accuracy over its seeds)."""
    v = np.asarray([float(x) for x in values], float)
    v = v[np.isfinite(v)]
    if not len(v):
        return Spread(0, math.nan, math.nan, math.nan)
    return Spread(len(v), float(v.mean()), float(v.min()), float(v.max()))


def spread_range(spreads, margin: float = 0.25, least: float = 0.01) -> tuple[float, float]:
    """An accuracy axis around every value's range: from the lowest seed to the highest, widened
    by `margin` of that span on each side (at least `least` in all), never outside [0, 1]."""
    lo = [s.lo for s in spreads if s.n]
    hi = [s.hi for s in spreads if s.n]
    if not lo:
        return 0.0, 1.0
    a, b = min(lo), max(hi)
    pad = max((b - a) * margin, (least - (b - a)) / 2, 0.0)
    a, b = max(0.0, a - pad), min(1.0, b + pad)
    if b - a < least:  # pressed against 0 or 1: widen inwards
        a, b = (max(0.0, b - least), b) if b >= 1.0 else (a, min(1.0, a + least))
    return a, b


def overlap(a: Spread, b: Spread) -> bool | None:
    """Whether two values' ranges [lo, hi] share a point: True, the seeds do not tell them apart;
    False, every seed of one lies beyond every seed of the other; None, one has no runs."""
    if not a.n or not b.n:
        return None
    return a.lo <= b.hi and b.lo <= a.hi


@dataclass(frozen=True)
class Pair:
    a: int  # the first value's position
    b: int  # the second's
    overlap: bool | None  # as `overlap`; None also when both ran one seed (no spread known)
    words: str  # "overlap: not told apart", or "differ: nearest seeds 1.50 accuracy points apart"


def overlap_table(
    spreads: list[Spread], scale: float = 100.0, unit: str = "accuracy points"
) -> list[Pair]:
    """Every pair of values (in their order) with whether their ranges overlap; the phrase says
    how far apart they are when not (in `unit`, the values times `scale`: accuracy in points)."""
    out = []
    for i in range(len(spreads)):
        for j in range(i + 1, len(spreads)):
            a, b = spreads[i], spreads[j]
            o = overlap(a, b)
            if o is None:
                words = "not measured yet"
            elif a.n < 2 and b.n < 2:  # no seed noise measured: no verdict
                o, words = None, "one seed each: no spread to judge by"
            elif o:
                words = "overlap: not told apart"
            else:
                gap = (max(a.lo, b.lo) - min(a.hi, b.hi)) * scale
                words = f"differ: nearest seeds {gap:.2f} {unit} apart"
            out.append(Pair(i, j, o, words))
    return out


def gap(train, val) -> np.ndarray:
    """The generalisation gap, train minus validation, point by point (NaN where either is)."""
    t, v = np.asarray(train, float), np.asarray(val, float)
    if t.shape != v.shape:
        raise ValueError(f"train and validation differ in length ({t.shape} against {v.shape})")
    return t - v
