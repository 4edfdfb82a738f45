"""The loss over a 2-D plane through parameter space, and points projected onto it.

A plane is origin + α·d1 + β·d2 in the flat parameter space of `landscape_forward.flatten`. Its
origin is always the start (the initial parameters). Three ways to choose d1, d2:
- `path`: the two principal directions of the visited parameters θ_i − θ_0 (the SVD of the
  trajectory as seen from the start, Li et al. 2018), unit length and orthogonal;
- `weights:L.J.I,L.J.I`: two single weights (layer L from 1, unit J into it, unit I of layer L−1, as
  the ids w{L}_{J}_{I}; a conv filter weight is L.F.C.I.J), so α and β are in the weights' units;
- `random`: two seeded Gaussian directions, each filter-normalised (every row of W, every conv
  filter scaled to the norm of the same row or filter of the start), biases 0 (Li et al. 2018).
A projected point's (α, β) is the least-squares fit to d1, d2 (exact when d1 ⟂ d2); the loss at that
projection is what the plane shows, the point's true loss what the network has.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .core import Model, Params
from .landscape_forward import flatten, losses_at, unflatten, work

MAX_GRID = 201  # points along one side of a grid: 40,401 losses, more than a plot shows
MAX_LANDSCAPE_WORK = 2 * 10**10  # grid points × rows × multiply-adds a point: seconds of CPU
PLANES = ("path", "random", "weights:L.J.I,L.J.I")


class LandscapeError(ValueError):
    """A plane, grid or size the landscape refuses; its message is one plain sentence."""


@dataclass(frozen=True)
class Plane:
    kind: str  # "path" | "random" | "weights"
    origin: np.ndarray  # (P,) the start θ_0
    d1: np.ndarray  # (P,) the α direction
    d2: np.ndarray  # (P,) the β direction
    axes: tuple[str, str] = ("α", "β")  # what α and β are, for a plot's axes

    def point(self, alpha: float, beta: float) -> np.ndarray:
        return self.origin + alpha * self.d1 + beta * self.d2

    def points(self, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """(len(alpha), P): origin + alpha[i]·d1 + beta[i]·d2."""
        a, b = np.asarray(alpha, float)[:, None], np.asarray(beta, float)[:, None]
        return self.origin[None] + a * self.d1[None] + b * self.d2[None]

    def project(self, thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(α, β) of each row of `thetas` (k, P): the least-squares fit to d1, d2."""
        D = np.stack([self.d1, self.d2], axis=1)  # (P, 2)
        rel = np.atleast_2d(thetas) - self.origin[None]
        coef, *_ = np.linalg.lstsq(D, rel.T, rcond=None)  # (2, k)
        return coef[0], coef[1]

    def as_layers(self, like: Params) -> dict:
        """{"origin", "d1", "d2"}, each per-layer {"weights", "bias"} as `trace --json` writes."""
        from .network import params_as_layers

        return {k: params_as_layers(unflatten(v, like)) for k, v in
                (("origin", self.origin), ("d1", self.d1), ("d2", self.d2))}  # fmt: skip


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def _orthogonal_random(seed: int, size: int, against: list[np.ndarray]) -> np.ndarray:
    rng = np.random.default_rng([seed, 7])
    while True:
        v = rng.normal(size=size)
        for u in against:
            v = v - (v @ u) * u
        if np.linalg.norm(v) > 1e-8:
            return _unit(v)


def path_plane(origin: np.ndarray, visited: np.ndarray, seed: int = 0) -> Plane:
    """The plane through `origin` spanned by the two principal directions of visited − origin.
    A trajectory with fewer than two independent directions gets seeded orthogonal ones; each
    direction's sign makes the last visited point's coordinate ≥ 0."""
    rel = np.atleast_2d(visited) - origin[None]
    size = origin.size
    if size < 2:
        raise LandscapeError("a plane needs a network with at least 2 parameters")
    dirs: list[np.ndarray] = []
    if rel.size and np.abs(rel).max() > 0:
        _, s, vt = np.linalg.svd(rel, full_matrices=False)
        dirs = [vt[i] for i in range(min(2, len(s))) if s[i] > 1e-12 * s[0]]
    while len(dirs) < 2:
        dirs.append(_orthogonal_random(seed + len(dirs), size, dirs))
    last = rel[-1] if len(rel) else np.zeros(size)
    dirs = [-d if last @ d < 0 else d for d in dirs]
    return Plane("path", origin.copy(), dirs[0], dirs[1], ("PC1", "PC2"))


def _filter_normalised(rng, like: Params) -> np.ndarray:
    parts = []
    for W, b in like:
        d = rng.normal(size=W.shape)
        if W.size:
            rows = d.reshape(len(d), -1)  # a dense row or a conv filter, each its own scale
            ref = np.linalg.norm(W.reshape(len(W), -1), axis=1)
            norm = np.linalg.norm(rows, axis=1)
            scale = np.where(ref > 0, ref / np.where(norm > 0, norm, 1.0), 1.0)
            d = (rows * scale[:, None]).reshape(W.shape)
        parts.append((d, np.zeros_like(b)))
    return flatten(tuple(parts))


def random_plane(origin_params: Params, seed: int = 0) -> Plane:
    """Two seeded filter-normalised random directions through the start (biases not moved)."""
    rng = np.random.default_rng(seed)
    d1 = _filter_normalised(rng, origin_params)
    d2 = _filter_normalised(rng, origin_params)
    if not np.any(d1) or not np.any(d2):
        raise LandscapeError("a random plane needs a layer with weights; this network has none")
    return Plane("random", flatten(origin_params), d1, d2, ("random 1", "random 2"))


def _weight_index(model: Model, like: Params, text: str) -> tuple[int, str]:
    """The flat index and the trace's name (w[2][0][1], w[1][0][0][1][1]) of one weight 'L.J.I'."""
    parts = text.strip().split(".")
    try:
        nums = [int(p, 10) for p in parts]
    except ValueError:
        raise LandscapeError(f"{text!r} is not a weight: write L.J.I, e.g. 2.0.1") from None
    L, rest = nums[0], nums[1:]
    if not 1 <= L <= len(like):
        raise LandscapeError(f"{text!r}: layer {L} is not between 1 and {len(like)}")
    W = like[L - 1][0]
    kind = model.layer(L - 1).kind
    if not model.layer(L - 1).type.has_weights:
        raise LandscapeError(f"{text!r}: layer {L} ({kind}) has no weights")
    want = {1: "L.J (a batch norm's γ)", 2: "L.J.I"}.get(W.ndim, "L.F.C.I.J (a conv filter weight)")
    if len(rest) != W.ndim or any(not 0 <= v < n for v, n in zip(rest, W.shape, strict=True)):
        raise LandscapeError(
            f"{text!r}: layer {L}'s weights are {want} with indices from 0 below "
            f"{'×'.join(map(str, W.shape))}"
        )
    offset = sum(w.size + b.size for w, b in like[: L - 1])
    # named as the trace names it (w[1][0][0], a filter's w[1][0][0][1][1], a batch norm's
    # γ[2][0]): the plane's axes read "Δw1_0_0" beside a formula's w⁽¹⁾₀₀
    name = ("γ" if W.ndim == 1 else "w") + "".join(f"[{v}]" for v in nums)
    return offset + int(np.ravel_multi_index(tuple(rest), W.shape)), name


def weights_plane(model: Model, like: Params, text: str) -> Plane:
    """The plane of two chosen weights `text` = 'L.J.I,L.J.I' through the start."""
    items = text.split(",")
    if len(items) != 2:
        raise LandscapeError(f"weights:{text} must name two weights, e.g. weights:2.0.0,2.0.1")
    (i1, n1), (i2, n2) = (_weight_index(model, like, t) for t in items)
    if i1 == i2:
        raise LandscapeError(f"weights:{text} names the same weight twice")
    origin = flatten(like)
    d1, d2 = np.zeros_like(origin), np.zeros_like(origin)
    d1[i1], d2[i2] = 1.0, 1.0
    return Plane("weights", origin, d1, d2, (f"Δ{n1}", f"Δ{n2}"))


def check_grid(model: Model, rows: int, side: int) -> None:
    """Refuse a grid over MAX_GRID a side, or over MAX_LANDSCAPE_WORK, with the limit named."""
    if not 2 <= side <= MAX_GRID:
        raise LandscapeError(f"the grid must have 2 to {MAX_GRID} points a side, got {side:,}")
    need = work(model, rows, side * side)
    if need > MAX_LANDSCAPE_WORK:
        raise LandscapeError(
            f"a {side}×{side} grid over {rows:,} rows of this network is {need:,} multiply-adds, "
            f"over the limit of {MAX_LANDSCAPE_WORK:,}; use a smaller --grid or a smaller network"
        )


def grid_losses(model, like, plane: Plane, alpha, beta, X, Y, stop=None) -> np.ndarray:
    """(len(beta), len(alpha)): loss[r][c] at origin + alpha[c]·d1 + beta[r]·d2."""
    A, B = np.meshgrid(np.asarray(alpha, float), np.asarray(beta, float))  # (rows, cols)
    flat = losses_at(model, like, plane.points(A.ravel(), B.ravel()), X, Y, stop)
    return flat.reshape(A.shape)


SPAN_LOSS_CAP = 100.0  # the grid spans the paths' points up to this many times the start loss


def default_span(alphas: list[np.ndarray], betas: list[np.ndarray], losses=None) -> float:
    """Half the grid's side: 1.25 × the largest |α|, |β| of the paths, 1 when they are all 0.
    Given each path's `losses`, only its points whose loss is at most SPAN_LOSS_CAP × the start
    loss count (all of them if none is): a path that explodes to ±480 left the valley it
    started in a few cells of the map, and the start its darkest cell (lr_too_large)."""
    if losses is not None:
        keep = [_tame(loss) for loss in losses]
        if any(k.any() for k in keep):
            alphas = [a[k] for a, k in zip(alphas, keep, strict=True)]
            betas = [b[k] for b, k in zip(betas, keep, strict=True)]
    vals = [np.abs(v[np.isfinite(v)]).max() for v in (*alphas, *betas) if np.isfinite(v).any()]
    m = max(vals, default=0.0)
    return 1.25 * m if m > 0 else 1.0


def _tame(losses) -> np.ndarray:
    """Which points of a path have a finite loss at most SPAN_LOSS_CAP × its first."""
    v = np.asarray(losses, float)
    start = abs(v[0]) if len(v) and np.isfinite(v[0]) else np.inf
    return np.isfinite(v) & (np.abs(v) <= SPAN_LOSS_CAP * max(start, 1e-12))
