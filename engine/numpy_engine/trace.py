"""The trace: every number of a training step as an ordered list of explainable events.

Written from the arrays core.py computed (never recomputed), so what is shown is what was used.
Symbols use bracket indices that the GUI typesets: z[l][j], a[l][j], δ[l][j], w[l][j][i], b[l][j].
Ids the view highlights: node "n{l}_{j}" (layer 0 = inputs), edge "w{l}_{j}_{i}" (from unit i of
layer l−1 into unit j of layer l), bias "b{l}_{j}", and "loss".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .activations import get_activation
from .core import Backward, Forward, Model, Params
from .fmt import joined_sum, num, par, shown
from .losses import get_loss
from .optimizers import get_optimizer

PHASES = ("forward", "loss", "backward", "update")
MAX_TERMS = 8  # sums longer than this are summarised in the substituted text


@dataclass(frozen=True, slots=True)
class Event:
    phase: str  # forward | loss | backward | update
    symbol: str  # e.g. "a[1][0]", "∂L/∂w[2][0][1]"
    formula: str  # symbolic
    substituted: str  # the same with numbers
    value: float  # the number this event produces
    nodes: tuple[str, ...] = ()  # node ids it touches (the first is the one it computes)
    edges: tuple[str, ...] = ()  # edge ids it touches
    sample: int | None = None  # the data row it is about (None for batch totals)
    step: int = 0  # 1-based training step this event belongs to
    note: str = ""  # a sentence for the learner (frozen, zero gradient, dropout ...)
    detail: dict[str, Any] = field(default_factory=dict)  # extra numbers (optimizer state ...)

    def to_dict(self) -> dict[str, Any]:
        d = {
            "phase": self.phase,
            "symbol": self.symbol,
            "formula": self.formula,
            "substituted": self.substituted,
            "value": self.value,
            "nodes": list(self.nodes),
            "edges": list(self.edges),
            "sample": self.sample,
            "step": self.step,
        }
        if self.note:
            d["note"] = self.note
        if self.detail:
            d["detail"] = self.detail
        return d


class Trace(Sequence):
    """The events of one step, built a phase at a time on first access.

    A training step costs its maths plus a few objects; the strings of a phase are written only
    when something (the GUI, the CLI, a test) reads an event of that phase. Counts per phase are
    known in advance, so len() and indexing never build anything they do not return.
    """

    __slots__ = ("_counts", "_makers", "_cache", "_starts")

    def __init__(self, phases: list[tuple[int, Callable[[], list[Event]]]] | None = None):
        phases = phases or []
        self._counts = [c for c, _ in phases]
        self._makers = [m for _, m in phases]
        self._cache: list[list[Event] | None] = [None] * len(phases)
        self._starts = [sum(self._counts[:i]) for i in range(len(phases))]

    def __len__(self) -> int:
        return sum(self._counts)

    def phase(self, p: int) -> list[Event]:
        if self._cache[p] is None:
            evs = self._makers[p]()
            if len(evs) != self._counts[p]:
                raise AssertionError(f"phase {p}: counted {self._counts[p]}, built {len(evs)}")
            self._cache[p] = evs
        return self._cache[p]

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        for p in range(len(self._counts) - 1, -1, -1):
            if i >= self._starts[p] and self._counts[p]:
                return self.phase(p)[i - self._starts[p]]
        raise IndexError(i)

    def phase_start(self, name: str) -> int:
        """Index of the first event of phase `name` (forward, loss, backward, update)."""
        return self._starts[PHASES.index(name)]


def build_trace(
    model: Model,
    params,
    fw: Forward,
    bw: Backward,
    Y,
    rows,
    step,
    reg,
    new_params,
    old_state,
    new_state,
    t,
) -> Trace:
    n = len(rows)
    sizes = model.sizes
    dense = sum(sizes[k + 1] * (sizes[k] + 1) for k in range(model.depth))
    n_fwd = n * sum(sizes[k + 1] * (2 + (fw.masks[k] is not None)) for k in range(model.depth))
    n_bwd = sum(2 * n * sizes[k + 1] for k in range(model.depth)) + dense
    return Trace(
        [
            (n_fwd, lambda: forward_events(model, params, fw, rows, step)),
            (n * sizes[-1] + 1, lambda: loss_events(model, params, fw, Y, rows, step, reg)),
            (n_bwd, lambda: backward_events(model, params, fw, bw, rows, step, Y)),
            (
                dense,
                lambda: update_events(
                    model, params, new_params, bw.grads, old_state, new_state, t, step
                ),
            ),
        ]
    )


def node(l: int, j: int) -> str:
    return f"n{l}_{j}"


def edge(l: int, j: int, i: int) -> str:
    return f"w{l}_{j}_{i}"


def bias_id(l: int, j: int) -> str:
    return f"b{l}_{j}"


def forward_events(model: Model, params: Params, fw: Forward, rows, step: int) -> list[Event]:
    ev: list[Event] = []
    for s, row in enumerate(rows):
        for k, (W, b) in enumerate(params):
            l = k + 1
            act = get_activation(model.activations[k])
            a_prev, z, g = fw.A[k][s], fw.Z[k][s], fw.G[k][s]
            n_in = W.shape[1]
            for j in range(W.shape[0]):
                terms_sym = [f"w[{l}][{j}][{i}]·a[{l - 1}][{i}]" for i in range(min(n_in, 3))]
                sym = " + ".join(terms_sym) + (" + …" if n_in > 3 else "") + f" + b[{l}][{j}]"
                terms = [f"{par(W[j, i])}·{par(a_prev[i])}" for i in shown(n_in, MAX_TERMS)]
                ev.append(
                    Event(
                        "forward",
                        f"z[{l}][{j}]",
                        f"z[{l}][{j}] = {sym}",
                        f"{joined_sum(terms, MAX_TERMS, n_in)} + {par(b[j])} = {num(z[j])}",
                        float(z[j]),
                        (node(l, j), *(node(l - 1, i) for i in range(n_in))),
                        (*(edge(l, j, i) for i in range(n_in)), bias_id(l, j)),
                        row,
                        step,
                    )
                )
            for j in range(W.shape[0]):
                if act.name == "softmax":
                    den = joined_sum(
                        [f"e^{par(z[q])}" for q in shown(len(z), MAX_TERMS)], MAX_TERMS, len(z)
                    )
                    sub = f"e^{par(z[j])} / ({den}) = {num(g[j])}"
                    formula = f"a[{l}][{j}] = e^(z[{l}][{j}]) / Σ_k e^(z[{l}][k])"
                else:
                    sub = f"{act.symbol}({num(z[j])}) = {num(g[j])}"
                    formula = f"a[{l}][{j}] = {act.symbol}(z[{l}][{j}])"
                note = act.note if act.name == "step" else ""
                ev.append(
                    Event(
                        "forward",
                        f"a[{l}][{j}]",
                        formula,
                        sub,
                        float(g[j]),
                        (node(l, j),),
                        (),
                        row,
                        step,
                        note,
                    )
                )
                if fw.masks[k] is not None:
                    m, p = fw.masks[k][s, j], model.drop(k)
                    ev.append(
                        Event(
                            "forward",
                            f"a[{l}][{j}]",
                            f"a[{l}][{j}] ← a·m/(1 − p), m ~ Bernoulli(1 − p)",
                            f"{num(g[j])}·{int(m)}/(1 − {num(p)}) = {num(fw.A[l][s, j])}",
                            float(fw.A[l][s, j]),
                            (node(l, j),),
                            (),
                            row,
                            step,
                            "dropped" if m == 0 else "kept (scaled up)",
                            {"mask": int(m)},
                        )
                    )
    return ev


def loss_events(model: Model, params: Params, fw: Forward, Y, rows, step, reg: float):
    loss = get_loss(model.loss)
    out = fw.A[-1]
    n, kk = out.shape
    terms = loss.terms(out, Y)
    L = model.depth
    ev = []
    for s, row in enumerate(rows):
        for j in range(kk):
            ev.append(
                Event(
                    "loss",
                    f"ℓ[{j}]",
                    f"ℓ[{j}] = {loss.term_formula}  (a = a[{L}][{j}], y = y[{j}])",
                    f"a = {num(out[s, j])}, y = {num(Y[s, j])}: ℓ = {num(terms[s, j])}",
                    float(terms[s, j]),
                    (node(L, j), "loss"),
                    (),
                    row,
                    step,
                )
            )
    norm = loss.normaliser(n, kk)
    total = float(terms.sum() / norm)
    flat = terms.ravel()
    parts = joined_sum([num(flat[q]) for q in shown(flat.size, MAX_TERMS)], MAX_TERMS, flat.size)
    sub = f"({parts}) / {num(norm)} = {num(total)}"
    formula = loss.formula
    if reg:
        formula += " + " + (
            " + ".join(x for x, on in (("λ1·Σ|w|", model.l1), ("λ2/2·Σw²", model.l2)) if on)
        )
        sub += f";  + regularization {num(reg)} = {num(total + reg)}"
    ev.append(
        Event(
            "loss",
            "L",
            formula,
            sub,
            total + reg,
            ("loss",),
            (),
            None,
            step,
            detail={"data_loss": total, "regularization": reg},
        )
    )
    return ev


def _delta_events(model, params, fw, bw, k, rows, step, Y):
    l = k + 1
    L = model.depth
    act = get_activation(model.activations[k])
    loss = get_loss(model.loss)
    ev = []
    gprime = act.derivative(fw.Z[k], fw.G[k]) if act.elementwise else None
    for s, row in enumerate(rows):
        for j in range(model.sizes[l]):
            da, d = bw.dA[k][s, j], bw.delta[k][s, j]
            if k == L - 1:
                y = Y[s, j]
                sub_a = f"with a = {num(fw.A[-1][s, j])}, y = {num(y)}: {num(da)}"
                ev.append(
                    Event(
                        "backward",
                        f"∂L/∂a[{l}][{j}]",
                        loss.grad_formula,
                        sub_a,
                        float(da),
                        (node(l, j), "loss"),
                        (),
                        row,
                        step,
                    )
                )
            else:
                Wn = params[k + 1][0]
                kids = range(Wn.shape[0])
                terms = [
                    f"{par(Wn[q, j])}·{par(bw.delta[k + 1][s, q])}"
                    for q in shown(len(kids), MAX_TERMS)
                ]
                ev.append(
                    Event(
                        "backward",
                        f"∂L/∂a[{l}][{j}]",
                        f"∂L/∂a[{l}][{j}] = Σ_k w[{l + 1}][k][{j}]·δ[{l + 1}][k]",
                        f"{joined_sum(terms, MAX_TERMS, len(kids))} = {num(da)}",
                        float(da),
                        (node(l, j), *(node(l + 1, q) for q in kids)),
                        tuple(edge(l + 1, q, j) for q in kids),
                        row,
                        step,
                    )
                )
            mask = fw.masks[k]
            mtxt = ""
            if mask is not None:
                mtxt = f"·{int(mask[s, j])}/(1 − {num(model.drop(k))})"
            if k == L - 1 and model.combined_output():
                formula = f"δ[{l}][{j}] = ∂L/∂z[{l}][{j}] = (a − y)/N  ({act.symbol} + {loss.name})"
                norm = loss.normaliser(*fw.A[-1].shape)
                sub = f"({num(fw.A[-1][s, j])} − {num(Y[s, j])}) / {num(norm)} = {num(d)}"
                note = (
                    "The combined gradient: the derivative of the loss and of the output "
                    "activation multiply out to a − y."
                )
            elif not act.elementwise:
                formula = (
                    f"δ[{l}][{j}] = a[{l}][{j}]·(∂L/∂a[{l}][{j}] − Σ_k ∂L/∂a[{l}][k]·a[{l}][k])"
                )
                sub = f"= {num(d)}"
                note = "Softmax couples its outputs: each δ depends on every ∂L/∂a."
            else:
                gp = gprime[s, j]
                formula = (
                    f"δ[{l}][{j}] = ∂L/∂a[{l}][{j}]{'·m/(1−p)' if mtxt else ''}·"
                    f"{act.symbol}'(z[{l}][{j}])"
                )
                sub = f"{par(da)}{mtxt}·{par(gp)} = {num(d)}"
                note = act.note if act.name == "step" else ""
            ev.append(
                Event(
                    "backward",
                    f"δ[{l}][{j}]",
                    formula,
                    sub,
                    float(d),
                    (node(l, j),),
                    (),
                    row,
                    step,
                    note,
                )
            )
    return ev


def _grad_events(model, params, fw, bw, k, rows, step):
    l = k + 1
    act = get_activation(model.activations[k])
    W, _ = params[k]
    gW, gb = bw.grads[k]
    n = len(rows)
    ev = []
    single = n == 1 and act.elementwise and not (k == model.depth - 1 and model.combined_output())
    gprime = act.derivative(fw.Z[k], fw.G[k]) if single else None
    for j in range(W.shape[0]):
        for i in range(W.shape[1]):
            if single:
                gp = gprime[0, j]
                dadz = gp * (
                    fw.masks[k][0, j] / (1 - model.drop(k)) if fw.masks[k] is not None else 1.0
                )
                formula = (
                    f"∂L/∂w[{l}][{j}][{i}] = ∂L/∂a[{l}][{j}]·∂a[{l}][{j}]/∂z[{l}][{j}]·"
                    f"∂z[{l}][{j}]/∂w[{l}][{j}][{i}]"
                )
                raw = bw.dA[k][0, j] * dadz * fw.A[k][0, i]
                sub = f"{par(bw.dA[k][0, j])}·{par(dadz)}·{par(fw.A[k][0, i])} = {num(raw)}"
            else:
                formula = f"∂L/∂w[{l}][{j}][{i}] = Σ_s δ[{l}][{j}]·a[{l - 1}][{i}]"
                terms = [
                    f"{par(bw.delta[k][s, j])}·{par(fw.A[k][s, i])}" for s in shown(n, MAX_TERMS)
                ]
                raw = float(bw.delta[k][:, j] @ fw.A[k][:, i])
                sub = f"{joined_sum(terms, MAX_TERMS, n)} = {num(raw)}"
            if model.l2:
                formula += f" + λ2·w[{l}][{j}][{i}]"
                sub += f" + {num(model.l2)}·{par(W[j, i])}"
            if model.l1:
                formula += f" + λ1·sign(w[{l}][{j}][{i}])"
                sub += f" + {num(model.l1)}·{par(np.sign(W[j, i]))}"
            if model.l1 or model.l2:
                sub += f" = {num(gW[j, i])}"
            note = (
                "frozen: the gradient is shown but the weight will not change"
                if model.is_frozen(k, "weights")
                else ""
            )
            if act.name == "step":
                note = (note + " " if note else "") + "zero: the step function blocks the gradient"
            ev.append(
                Event(
                    "backward",
                    f"∂L/∂w[{l}][{j}][{i}]",
                    formula,
                    sub,
                    float(gW[j, i]),
                    (node(l, j), node(l - 1, i)),
                    (edge(l, j, i),),
                    None,
                    step,
                    note,
                )
            )
        terms = [par(bw.delta[k][s, j]) for s in shown(n, MAX_TERMS)]
        ev.append(
            Event(
                "backward",
                f"∂L/∂b[{l}][{j}]",
                f"∂L/∂b[{l}][{j}] = Σ_s δ[{l}][{j}]",
                f"{joined_sum(terms, MAX_TERMS, n)} = {num(gb[j])}",
                float(gb[j]),
                (node(l, j),),
                (bias_id(l, j),),
                None,
                step,
                "frozen: shown, not applied" if model.is_frozen(k, "bias") else "",
            )
        )
    return ev


def backward_events(model: Model, params: Params, fw: Forward, bw: Backward, rows, step, Y):
    ev: list[Event] = []
    for k in range(model.depth - 1, -1, -1):
        ev += _delta_events(model, params, fw, bw, k, rows, step, Y)
        ev += _grad_events(model, params, fw, bw, k, rows, step)
    return ev


def update_events(model: Model, params, new_params, grads, old_state, new_state, t: int, step):
    opt = get_optimizer(model.optimizer.name)
    cfg = model.optimizer
    ev = []
    for k, ((W, b), (W2, b2), (gW, gb), (sW, sb), (sW2, sb2)) in enumerate(
        zip(params, new_params, grads, old_state, new_state, strict=True)
    ):
        l = k + 1
        for part, old, new, g, s0, s1 in (
            ("weights", W, W2, gW, sW, sW2),
            ("bias", b, b2, gb, sb, sb2),
        ):
            frozen = model.is_frozen(k, part)
            for idx in np.ndindex(old.shape):
                sym = f"w[{l}][{idx[0]}][{idx[1]}]" if part == "weights" else f"b[{l}][{idx[0]}]"
                eid = edge(l, *idx) if part == "weights" else bias_id(l, idx[0])
                x = {"w": float(old[idx]), "g": float(g[idx]), "new": float(new[idx])}
                for name in opt.state_names:
                    x[f"{name}_old"] = float(s0[name][idx]) if name in s0 else 0.0
                    x[name] = float(s1[name][idx]) if name in s1 else 0.0
                if frozen:
                    ev.append(
                        Event(
                            "update",
                            sym,
                            f"{sym} frozen: not updated",
                            f"stays {num(x['w'])} (gradient {num(x['g'])} ignored)",
                            x["new"],
                            (node(l, idx[0]),),
                            (eid,),
                            None,
                            step,
                            "frozen",
                            x,
                        )
                    )
                    continue
                ev.append(
                    Event(
                        "update",
                        sym,
                        f"{opt.name}: {opt.formula}",
                        opt.explain(cfg, t, x),
                        x["new"],
                        (node(l, idx[0]),),
                        (eid,),
                        None,
                        step,
                        "",
                        x,
                    )
                )
    return ev
