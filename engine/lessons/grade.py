"""Grading a predicted number: right or not, and a hint that names the factor most likely missed.

Right is within 1% relative or 0.001 absolute of the engine's value, or equal to the value as
shown at three significant digits. A wrong answer is compared with the value computed without
one factor (the sign, g′, the bias, the input, the learning rate, the old weight, ½ or 1/n): when
it matches one of those, the hint names that factor; otherwise it names the formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.numpy_engine.fmt import MINUS, num
from engine.numpy_engine.losses import get_loss
from engine.numpy_engine.trace import Event, Trace

REL_TOL = 0.01  # 1% of the value
ABS_TOL = 0.001  # or this much, for values near 0
SHOWN_DIGITS = 3  # or equal at this many significant digits
MAX_ANSWER_CHARS = 64  # a typed answer longer than this is not a number


def parse_answer(text: str) -> float | None:
    """A typed number ("0.25", "−0.03", "1e-3", ".5") or None when it is not a finite number."""
    if not isinstance(text, str) or len(text) > MAX_ANSWER_CHARS:
        return None
    t = text.strip().replace(MINUS, "-").replace("\u2013", "-").replace(",", ".")
    if not t or any(c not in "0123456789+-.eE" for c in t):
        return None
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _sig(x: float, digits: int) -> float:
    return float(f"{x:.{digits}g}")


def is_right(answer: float, value: float) -> bool:
    """The tolerance of issue 17: 1% relative, 0.001 absolute, or equal at 3 significant digits."""
    if not (math.isfinite(answer) and math.isfinite(value)):
        return False
    if abs(answer - value) <= max(REL_TOL * abs(value), ABS_TOL):
        return True
    return _sig(answer, SHOWN_DIGITS) == _sig(value, SHOWN_DIGITS)


def _close(answer: float, other: float) -> bool:
    """The answer matches a wrong variant: tighter than is_right, so 0.001 never matches 0."""
    return math.isfinite(other) and abs(answer - other) <= max(REL_TOL * abs(other), 1e-9)


@dataclass(frozen=True)
class Miss:
    value: float  # what the event's value would be without the factor
    factor: str  # the factor, named for the learner


def question_text(ev: Event) -> str:
    """The event's formula and its substituted numbers without the result: '… = ?' follows."""
    sub = ev.substituted.rstrip()
    shown = num(ev.value)
    if sub.endswith(shown):
        sub = sub[: -len(shown)].rstrip()
        for sep in ("=", ":"):
            if sub.endswith(sep):
                sub = sub[: -len(sep)].rstrip()
                break
    head = ev.formula if ev.formula.startswith(ev.symbol) else f"{ev.symbol}: {ev.formula}"
    where = f" [sample {ev.sample}]" if ev.sample is not None else ""
    return f"{head}{where}; {sub}" if sub else f"{head}{where}"


def askable(ev: Event) -> bool:
    """An event whose value can be predicted from what the question shows (not a frozen
    parameter, a flatten, or a result that its worked numbers do not end with)."""
    return (
        ev.kind not in ("flatten", "")
        and ev.note != "frozen"
        and math.isfinite(ev.value)
        and ev.substituted.rstrip().endswith(num(ev.value))
    )


def misses(trace: Trace, i: int) -> list[Miss]:
    """The values event i would have if one factor were left out, most telling first."""
    ev = trace[i]
    out: list[Miss] = []
    c, lay = trace.arrays, trace.layout
    kind = ev.kind
    norm = get_loss(c.model.loss).normaliser(lay.n, lay.model.sizes[-1])
    if kind == "delta" and i > 0 and trace[i - 1].kind == "da":
        g = c.model.activations[ev.layer - 1]
        factor = f"the factor {_gp(g)}(z)" if g != "softmax" else "the softmax: δ takes every ∂L/∂a"
        out.append(Miss(trace[i - 1].value, f"{factor} (you gave ∂L/∂a alone)"))
    if kind == "delta" and ev.layer == c.model.depth and "(a − y)/N" in ev.formula and norm != 1:
        out.append(Miss(ev.value * norm, f"the division by N = {num(norm)} of the mean loss"))
    if kind == "update" and ev.detail:
        out += _update_misses(ev, c.model.optimizer.lr)
    elif kind == "dropout" and ev.detail and ev.detail.get("mask"):
        p = c.model.drop(ev.layer - 1)
        out.append(
            Miss(ev.value * (1 - p), f"the scaling 1/(1 − p) = 1/{num(1 - p)} of a kept unit")
        )
    elif 1 <= ev.layer <= c.model.depth and c.model.layer(ev.layer - 1).kind == "dense":
        out += _dense_misses(ev, i, c, lay, norm)
    if kind in ("loss_term", "loss") and "½" in ev.formula:  # the batch's loss too (lesson 3:
        out.append(Miss(2 * ev.value, "the ½ in ½·(y − a)²"))  # 0.5967 got no hint)
    elif kind == "loss_term" and "(a − y)²" in ev.formula:
        out.append(Miss(ev.value / 2, "the ½: this loss has none, ℓ = (a − y)²"))
    if kind == "loss" and norm != 1:
        out.append(Miss(ev.value * norm, f"the mean: the sum is divided by {num(norm)}"))
    if kind != "update":
        out.append(Miss(-ev.value, "the sign"))
    return [m for m in out if m.value != ev.value]


def _update_misses(ev: Event, lr: float) -> list[Miss]:
    """An update without η, against the gradient's sign, without the old weight, and (momentum)
    without the old velocity; each named with what η multiplies here (g, v, Δ, …)."""
    w, new, d = ev.detail["w"], ev.detail["new"], ev.detail
    change, step = new - w, _step_of(ev.formula)
    out = []
    if lr:
        out.append(Miss(w + change / lr, f"the learning rate η (you took a step of {step})"))
    out.append(Miss(w - change, f"the sign: the step goes against the gradient, w ← w − η·{step}"))
    out.append(Miss(change, "the old weight: the new value is w plus the change"))
    if ev.formula.startswith("momentum:") and d.get("v_old") and lr:
        out.append(Miss(w - lr * d["g"], "the old velocity: v ← μ·v + g, then w ← w − η·v"))
    return out


def _step_of(formula: str) -> str:
    """What η multiplies in an update's last clause: g, v, Δ, m̂/(√v̂ + ε) (Nadam's: its step)."""
    _, sep, tail = formula.rpartition("w ← w − η·")
    tail = tail.strip()
    return "g" if not sep else tail if len(tail) <= 20 else "its step"


def _g(act: str) -> str:
    return "σ" if act == "sigmoid" else act


def _gp(act: str) -> str:
    return f"{_g(act)}′"


def _dense_misses(ev: Event, i: int, c, lay, norm: float) -> list[Miss]:
    """Misses that need the layer's arrays: dense layers only (z, a, ∂L/∂a at the output, ∂L/∂w)."""
    k, out = ev.layer - 1, []
    act = c.model.activations[k]
    if ev.kind == "z":
        b = c.params[k][1][ev.index[0]]
        out.append(Miss(ev.value - float(b), f"the bias b[{ev.layer}][{ev.index[0]}]"))
    elif ev.kind == "a":
        s = lay.address(i).sample
        z = float(c.fw.Z[k][s, ev.index[0]])
        out.append(Miss(z, f"the activation: a = {_g(act)}(z), not z"))
    elif ev.kind == "da" and k == c.model.depth - 1:
        if norm != 1:
            out.append(Miss(ev.value * norm, f"the division by {num(norm)} of the mean loss"))
    elif ev.kind == "grad_w":
        j, ii = ev.index
        dA, A = c.bw.dA[k][:, j], c.fw.A[k][:, ii]
        delta = c.bw.delta[k][:, j]
        rest = ev.value - float(np.dot(delta, A))  # the regularizer's part, if any
        out.append(Miss(float(np.dot(dA, A)) + rest, f"the factor {_gp(act)}(z) inside δ"))
        out.append(Miss(float(delta.sum()) + rest, f"the input a[{ev.layer - 1}][{ii}]"))
        out.append(_mean_miss(ev.value - rest, rest, norm))
    elif ev.kind == "grad_b":
        j = ev.index[0]
        rest = ev.value - float(c.bw.delta[k][:, j].sum())
        out.append(Miss(float(c.bw.dA[k][:, j].sum()) + rest, f"the factor {_gp(act)}(z) inside δ"))
        out.append(_mean_miss(ev.value - rest, rest, norm))
    return out


def _mean_miss(data: float, rest: float, norm: float) -> Miss:
    """A sum over the batch without the 1/N that each δ carries from the mean loss."""
    return Miss(data * norm + rest, f"the 1/{num(norm)} of the mean loss that each δ carries")


def hint(trace: Trace, i: int, answer: float) -> str:
    """One sentence for a wrong answer: the formula, and the factor it seems to miss."""
    ev = trace[i]
    head = f"{ev.formula}" if ev.formula.startswith(ev.symbol) else f"{ev.symbol}: {ev.formula}"
    for m in misses(trace, i):
        if _close(answer, m.value):
            return f"Check {m.factor}. The formula: {head}"
    return f"Work it through the formula: {head}"


def reveal(ev: Event) -> str:
    """The value and its worked numbers, as one line."""
    return f"{ev.symbol} = {num(ev.value)}   ({ev.substituted})"


__all__ = [
    "ABS_TOL",
    "REL_TOL",
    "Miss",
    "askable",
    "hint",
    "is_right",
    "misses",
    "parse_answer",
    "question_text",
    "reveal",
]
