"""The race: one network trained by several optimizers from bit-identical initial weights and the
same data order, each path projected on one landscape.

A path's `losses` are the loss at each visited point as `trace` reports the loss after its last
step: the whole data, dropout off, with the L1/L2 term. For a full-batch file without dropout these
are exactly `trace`'s N+1 losses; with mini-batches `trace`'s step losses are each batch's own.
A racer diverged when a step's loss is not finite or over guard.EXPLODE_LOSS, or its update made a
number not finite (guard.check_step): its path stops at the last good point.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .guard import EXPLODE_LOSS, check_step
from .landscape import (
    MAX_GRID,
    LandscapeError,
    Plane,
    check_grid,
    default_span,
    grid_losses,
    path_plane,
    random_plane,
    weights_plane,
)
from .landscape_forward import check_stop, flatten, losses_at, work
from .network import Network
from .optimizers import OPTIMIZERS, USUAL_LR
from .spec_race import MAX_RACE_LR

MAX_RACERS = len(OPTIMIZERS)  # each of the eight at most once
MAX_PATH_VALUES = 20_000_000  # racers × (steps + 1) × parameters kept for the plane: 160 MB
MAX_RACE_WORK = 2 * 10**11  # racers × steps × rows × multiply-adds (as `trace`'s limit)


@dataclass(frozen=True)
class Racer:
    name: str  # an optimizer's name in network files
    lr: float  # its learning rate η


@dataclass(frozen=True)
class Path:
    racer: Racer
    thetas: np.ndarray  # (k+1, P) the parameters before each step and after the last good one
    losses: np.ndarray  # (k+1,) the loss at each (whole data, dropout off, + L1/L2)
    lookahead: np.ndarray | None  # (k+1, P) Nesterov's θ − η·μ·v, where momentum alone carries θ
    diverged_at: int | None  # the step that diverged, None when all ran

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


@dataclass(frozen=True)
class Landscape:
    plane: Plane
    alpha: np.ndarray  # (C,) the grid's α
    beta: np.ndarray  # (R,) the grid's β
    loss: np.ndarray  # (R, C) loss[r][c] at origin + alpha[c]·d1 + beta[r]·d2
    paths: tuple[Path, ...]
    coords: tuple[tuple[np.ndarray, np.ndarray], ...]  # each path's (α, β)
    loss_on_plane: tuple[np.ndarray, ...]  # each path's loss at its projected points


def racer_net(net: Network, racer: Racer) -> Network:
    """The same network, data and data order, with another optimizer and learning rate."""
    cfg = replace(net.spec.optimizer, name=racer.name, lr=racer.lr)
    return net.with_spec(replace(net.spec, optimizer=cfg))


def racers(names: list[str], lrs: list[float] | None, net: Network) -> list[Racer]:
    """Racers from names and learning rates; a missing lr is the file's for its own optimizer,
    else the optimizer's usual one (optimizers.USUAL_LR)."""
    if not names:
        raise LandscapeError("name at least one optimizer")
    if len(names) > MAX_RACERS or len(set(names)) != len(names):
        raise LandscapeError(f"name each optimizer once, at most {MAX_RACERS}")
    for n in names:
        if n not in OPTIMIZERS:
            raise LandscapeError(f"unknown optimizer {n!r}; known: {', '.join(OPTIMIZERS)}")
    if lrs is not None and len(lrs) != len(names):
        raise LandscapeError(f"{len(names)} optimizer(s) but {len(lrs)} learning rate(s)")
    for lr in lrs or ():
        if not (np.isfinite(lr) and 0 < lr <= MAX_RACE_LR):
            raise LandscapeError(
                f"a learning rate must be a number in (0, {MAX_RACE_LR:g}], not {lr:g}"
            )
    own = net.spec.optimizer
    usual = [own.lr if n == own.name else USUAL_LR[n] for n in names]
    return [Racer(n, float(lr)) for n, lr in zip(names, lrs or usual, strict=True)]


def parse_racers(names: str, lrs: str | None, net: Network) -> list[Racer]:
    """Racers from 'sgd,momentum,adam' and '0.1,0.05,0.001' (None or blank: the usual rates)."""
    listed = [t.strip() for t in names.split(",") if t.strip()]
    rates = None
    if lrs is not None and lrs.strip():
        rates = []
        for t in lrs.split(","):
            try:
                rates.append(float(t.strip()))
            except ValueError:
                shown = t.strip() if len(t.strip()) <= 20 else t.strip()[:20] + "…"
                raise LandscapeError(f"learning rate {shown!r} is not a number") from None
    return racers(listed, rates, net)


def _lookahead(net: Network, state) -> np.ndarray:
    mu, lr = net.spec.optimizer.momentum, net.spec.optimizer.lr
    v = tuple((sw["v"], sb["v"]) for sw, sb in state.opt_state)
    return flatten(state.params) - lr * mu * flatten(v)


def run_path(net: Network, racer: Racer, steps: int, stop=None) -> Path:
    """`steps` training steps of `racer` from the file's initial weights (`stop` asked before
    each step: Cancelled when it says yes)."""
    rnet = racer_net(net, racer)
    state = rnet.initial_state()
    thetas, ahead, diverged = [flatten(state.params)], [], None
    for _ in range(steps):
        check_stop(stop)
        if racer.name == "nesterov":
            ahead.append(_lookahead(rnet, state))
        r = rnet.step(state, trace=False)
        if check_step(r, EXPLODE_LOSS) is not None:
            diverged = r.t
            break
        state = r.after
        thetas.append(flatten(state.params))
    if racer.name == "nesterov":
        ahead.append(_lookahead(rnet, state))
    T = np.stack(thetas)
    d = net.data
    losses = losses_at(net.model, state.params, T, d.inputs, d.targets)
    if diverged is None and not (np.isfinite(losses[-1]) and abs(losses[-1]) <= EXPLODE_LOSS):
        diverged = len(T) - 1  # the whole data's loss after the last step exploded
    look = np.stack(ahead[: len(T)]) if ahead else None
    return Path(racer, T, losses, look, diverged)


def check_race(net: Network, n_racers: int, steps: int) -> None:
    n_params = sum(d.n_params for d in net.model.layers)
    if not 1 <= steps <= 100_000:
        raise LandscapeError(f"--steps must be between 1 and 100,000, got {steps:,}")
    if n_params < 2:
        raise LandscapeError("a landscape needs a network with at least 2 parameters")
    kept = n_racers * (steps + 1) * n_params
    if kept > MAX_PATH_VALUES:
        raise LandscapeError(
            f"{n_racers} path(s) × {steps + 1:,} points × {n_params:,} parameters is over the "
            f"limit of {MAX_PATH_VALUES:,} values kept; use fewer steps or optimizers"
        )
    need = n_racers * steps * work(net.model, net.batch_size(), 1)
    if need > MAX_RACE_WORK:
        raise LandscapeError(
            f"{n_racers} × {steps:,} steps of this network is {need:,} multiply-adds, over the "
            f"limit of {MAX_RACE_WORK:,}; use fewer steps, optimizers or a smaller network"
        )


def make_plane(net: Network, kind: str, paths: list[Path], seed: int) -> Plane:
    """The plane named `kind`: "path", "random" or "weights:L.J.I,L.J.I"."""
    start = net.initial_state().params
    if kind == "path":
        return path_plane(flatten(start), np.concatenate([p.thetas for p in paths]), seed)
    if kind == "random":
        return random_plane(start, seed)
    if kind.startswith("weights:"):
        return weights_plane(net.model, start, kind[len("weights:") :])
    raise LandscapeError(f"unknown plane {kind!r}; use path, random or weights:L.J.I,L.J.I")


def landscape(net: Network, racers_: list[Racer], steps: int, plane: str = "path",
              side: int = 41, span: float | None = None, seed: int = 0,
              stop=None) -> Landscape:  # fmt: skip
    """The race, its plane, the grid of losses over it and each path projected on it. `stop`
    (a callable) is asked between steps and grid chunks: Cancelled when it says yes."""
    if net.data is None:
        raise LandscapeError("the file has no 'data' to train on")
    check_race(net, len(racers_), steps)
    check_grid(net.model, len(net.data.inputs), side)
    if span is not None and not (np.isfinite(span) and 0 < span <= 1e6):
        raise LandscapeError(f"--span must be a number in (0, 1e6], not {span!r}")
    pl = None if plane == "path" else make_plane(net, plane, [], seed)  # a bad name: refused now
    paths = [run_path(net, r, steps, stop) for r in racers_]
    pl = pl or make_plane(net, plane, paths, seed)
    coords = tuple(pl.project(p.thetas) for p in paths)
    if span is None:
        span = default_span([a for a, _ in coords], [b for _, b in coords],
                            [p.losses for p in paths])  # fmt: skip
    axis = np.linspace(-span, span, side)
    like, d = net.initial_state().params, net.data
    loss = grid_losses(net.model, like, pl, axis, axis, d.inputs, d.targets, stop)
    on_plane = tuple(losses_at(net.model, like, pl.points(a, b), d.inputs, d.targets)
                     for a, b in coords)  # fmt: skip
    return Landscape(pl, axis, axis.copy(), loss, tuple(paths), coords, on_plane)


def grid_over(net: Network, plane: Plane, a_range, b_range, side: int = 41, stop=None):
    """(alpha, beta, loss) of a side×side grid over a_range × b_range of `plane`: the refined grid
    of a zoomed or panned view (same loss, same plane)."""
    (a0, a1), (b0, b1) = (tuple(map(float, r)) for r in (a_range, b_range))
    if not all(np.isfinite(v) and abs(v) <= 1e6 for v in (a0, a1, b0, b1)) or a0 >= a1 or b0 >= b1:
        raise LandscapeError("a grid's ranges must be finite, within ±1e6, lowest first")
    check_grid(net.model, len(net.data.inputs), side)
    alpha, beta = np.linspace(a0, a1, side), np.linspace(b0, b1, side)
    like, d = net.initial_state().params, net.data
    return alpha, beta, grid_losses(net.model, like, plane, alpha, beta, d.inputs, d.targets, stop)


def locate(net: Network, plane: Plane, params) -> tuple[float, float, float, float]:
    """(α, β, true loss, loss at the projection) of the parameters `params` on `plane`: where the
    window's current step is, told honestly."""
    theta = flatten(params)
    a, b = plane.project(theta[None])
    d = net.data
    pts = np.stack([theta, plane.point(float(a[0]), float(b[0]))])
    true, on = losses_at(net.model, params, pts, d.inputs, d.targets)
    return float(a[0]), float(b[0]), float(true), float(on)


def steps_to(path: Path, target: float) -> int | None:
    """The first step count after which the loss is ≤ target, None if never."""
    hit = np.nonzero(path.losses <= target)[0]
    return int(hit[0]) if len(hit) else None


def race_table(paths, target: float) -> list[dict]:
    """One row per racer: optimizer, lr, steps to the target loss, final loss, diverged."""
    return [
        {
            "optimizer": p.racer.name,
            "lr": p.racer.lr,
            "steps_to_target": steps_to(p, target),
            "final_loss": float(p.losses[-1]),
            "diverged": p.diverged,
        }
        for p in paths
    ]


__all__ = ["MAX_GRID", "Landscape", "Path", "Racer", "landscape", "race_table", "racers"]
