"""Events addressed by what they are, resolved through the trace's Layout (never a raw index).

An address is a JSON object:
  {"step": 1, "kind": "delta", "layer": 2, "sample": 0, "unit": 0}
- step: the training step, 1-based (default 1);
- kind: z, a, dropout, pool, loss_term, loss, da, delta, grad_w, grad_b, update;
- phase (optional): forward, loss, backward or update; checked against the kind;
- layer: l (1 … L); not needed for "loss" (the total) or "loss_term" (the output layer);
- sample: the data row (as the trace's events name it); for z, a, dropout, pool, loss_term, da,
  delta; it must be in that step's batch;
- unit: j, or [c, y, x] in an image layer (z, a, dropout, pool, loss_term, da, delta);
- weight: [j, i] (dense) or [f, c, i, j] (conv), for grad_w and update;
- bias: j (or the filter f), for grad_b and update.

What to look at is written in the course's notation: "a[2][0]" (a unit; z and δ name it too),
"w[2][0][1]", "b[1][0]", "a[1][0][2][3]" (a cell of a map), "w[1][0][0][1][2]" (a filter
weight) or "loss"; see look_ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from engine.numpy_engine.ids import LOSS, bias_id, cell, edge, kernel, kernel_bias, node
from engine.numpy_engine.trace import Layout, Trace

KINDS = {
    "z": "forward", "a": "forward", "dropout": "forward", "pool": "forward",
    "loss_term": "loss", "loss": "loss",
    "da": "backward", "delta": "backward", "grad_w": "backward", "grad_b": "backward",
    "update": "update",
}  # fmt: skip
PER_SAMPLE = ("z", "a", "dropout", "pool", "loss_term", "da", "delta")
KEYS = ("step", "phase", "kind", "layer", "sample", "unit", "weight", "bias")
MAX_STEP = 10_000  # a lesson never needs more training steps than this before its event


class AddressError(ValueError):
    """An address that names no event; the message says what is wrong, in one sentence."""


@dataclass(frozen=True)
class Address:
    kind: str
    step: int = 1
    layer: int | None = None
    sample: int | None = None
    unit: tuple[int, ...] | None = None
    weight: tuple[int, ...] | None = None
    bias: int | None = None

    def describe(self) -> str:
        parts = [self.kind, f"step {self.step}"]
        for name in ("layer", "sample", "unit", "weight", "bias"):
            v = getattr(self, name)
            if v is not None:
                parts.append(f"{name} {list(v) if isinstance(v, tuple) else v}")
        return ", ".join(parts)


def _whole(v, what: str, low: int = 0) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise AddressError(f"{what} must be a whole number ≥ {low}, not {v!r}")
    return v


def _index(v, what: str) -> tuple[int, ...]:
    if isinstance(v, int) and not isinstance(v, bool):
        v = [v]
    if not isinstance(v, list) or not v or len(v) > 4:
        raise AddressError(f"{what} must be a whole number or a list of 1 to 4 of them, not {v!r}")
    return tuple(_whole(x, what) for x in v)


def parse_address(obj) -> Address:
    """An Address from its JSON object; AddressError naming the field otherwise."""
    if not isinstance(obj, dict):
        raise AddressError(f'an event address is an object like {{"kind": "z", …}}, not {obj!r}')
    extra = sorted(set(obj) - set(KEYS))
    if extra:
        raise AddressError(
            f"unknown key {extra[0]!r} in an event address (known: {', '.join(KEYS)})"
        )
    kind = obj.get("kind")
    if kind not in KINDS:
        raise AddressError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    phase = obj.get("phase", KINDS[kind])
    if phase != KINDS[kind]:
        raise AddressError(f"a {kind} event is in the {KINDS[kind]} phase, not {phase!r}")
    step = _whole(obj.get("step", 1), "step", 1)
    if step > MAX_STEP:
        raise AddressError(f"step {step} is over the limit of {MAX_STEP:,}")
    a = Address(
        kind,
        step,
        _whole(obj["layer"], "layer", 1) if "layer" in obj else None,
        _whole(obj["sample"], "sample") if "sample" in obj else None,
        _index(obj["unit"], "unit") if "unit" in obj else None,
        _index(obj["weight"], "weight") if "weight" in obj else None,
        _whole(obj["bias"], "bias") if "bias" in obj else None,
    )
    _check_fields(a)
    return a


def _check_fields(a: Address) -> None:
    need = {"sample"} if a.kind in PER_SAMPLE else set()
    if a.kind not in ("loss", "loss_term"):
        need.add("layer")
    if a.kind in PER_SAMPLE:
        need.add("unit")
    for name in sorted(need):
        if getattr(a, name) is None:
            raise AddressError(f"a {a.kind} event needs its {name}")
    if a.kind in ("grad_w", "grad_b", "update"):
        given = [n for n in ("weight", "bias") if getattr(a, n) is not None]
        allowed = {"grad_w": ["weight"], "grad_b": ["bias"]}.get(a.kind, ["weight", "bias"])
        if len(given) != 1 or given[0] not in allowed:
            raise AddressError(f"a {a.kind} event needs exactly one of: {' or '.join(allowed)}")


def _flat(idx: tuple[int, ...], shape: tuple[int, ...], what: str) -> int:
    if len(idx) == 1 and len(shape) > 1:
        if idx[0] >= int(np.prod(shape)):
            raise AddressError(f"{what} {idx[0]} is not in a layer of {int(np.prod(shape))}")
        return idx[0]
    if len(idx) != len(shape) or any(v >= n for v, n in zip(idx, shape, strict=True)):
        raise AddressError(f"{what} {list(idx)} is not in a layer of shape {list(shape)}")
    return int(np.ravel_multi_index(idx, shape))


def resolve(trace: Trace, rows: tuple[int, ...], a: Address) -> int:
    """The index in this step's trace of the event `a` names; AddressError when there is none."""
    lay: Layout = trace.layout
    model = lay.model
    L = model.depth
    l = L if a.kind == "loss_term" and a.layer is None else a.layer
    if a.kind == "loss":
        return lay.index("loss", 0)
    if not 1 <= l <= L:
        raise AddressError(f"layer {l} is not in this network (layers 1 to {L})")
    d = model.layer(l - 1)
    s = None
    if a.sample is not None:
        if a.sample not in rows:
            raise AddressError(
                f"sample {a.sample} is not in step {a.step}'s batch (rows {_rows(rows)})"
            )
        s = rows.index(a.sample)
    i = _position(lay, a, l, d, s)
    ev = trace[i]
    given = a.weight if a.weight is not None else a.unit
    if (
        ev.kind != a.kind
        or ev.layer != l
        or (a.sample is not None and ev.sample != a.sample)
        or (given is not None and len(given) == len(ev.index) and tuple(given) != ev.index)
    ):
        raise AddressError(f"there is no {a.kind} event in layer {l} ({d.kind}) at that place")
    return i


def _rows(rows: tuple[int, ...]) -> str:
    return ", ".join(map(str, rows[:8])) + (" …" if len(rows) > 8 else "")


def _position(lay: Layout, a: Address, l: int, d, s: int | None) -> int:
    if a.kind in PER_SAMPLE:
        if a.kind == "loss_term" and l != lay.model.depth:
            raise AddressError("a loss_term is about the output layer")
        if a.kind in ("z", "a", "dropout", "pool") and d.type.reshapes:
            raise AddressError(f"layer {l} is a flatten: it computes nothing to ask")
        if a.kind == "dropout" and not lay.has("dropout", l):
            raise AddressError(f"layer {l} has no dropout")
        shape = (d.units,) if a.kind == "loss_term" else d.out_shape
        return _event_at(lay, a.kind, l, d, s, _flat(a.unit, shape, "unit"))
    if d.n_params == 0:
        raise AddressError(f"layer {l} ({d.kind}) has no weights")
    w_shape, b_shape = d.param_shapes()
    if a.weight is not None:
        kind = "update_w" if a.kind == "update" else a.kind
        return _event_at(lay, kind, l, d, None, _flat(a.weight, tuple(w_shape), "weight"))
    if a.bias >= b_shape[0]:
        raise AddressError(f"bias {a.bias} is not in layer {l} ({b_shape[0]} biases)")
    return _event_at(lay, "update_b" if a.kind == "update" else a.kind, l, d, None, a.bias)


def _event_at(lay: Layout, kind: str, l: int, d, s: int | None, u: int) -> int:
    if not lay.has(kind, l):
        raise AddressError(f"there is no {kind} event in layer {l} ({d.kind}) at that place")
    return lay.index(kind, l, s, u)


_LOOK = re.compile(r"^(a|z|δ|w|b)((?:\[\d+\])+)$")


def look_ids(text: str) -> tuple[str, ...]:
    """The drawing's ids for one 'look at' item; AddressError when it is not one."""
    if text == "loss":
        return (LOSS,)
    m = _LOOK.match(text) if isinstance(text, str) else None
    if m is None:
        raise AddressError(
            f"cannot read {text!r} as something to look at (e.g. a[2][0], w[2][0][1])"
        )
    nums = [int(v) for v in re.findall(r"\d+", m.group(2))]
    sym, n = m.group(1), len(nums)
    if sym in "azδ" and n == 2:
        return (node(*nums),)
    if sym in "azδ" and n == 4:
        return (cell(*nums),)
    if sym == "w" and n == 3:
        return (edge(*nums),)
    if sym == "w" and n == 5:
        return (kernel(*nums),)
    if sym == "b" and n == 2:
        return (bias_id(*nums), kernel_bias(*nums))
    raise AddressError(f"{text!r} has {n} indices, which is not a unit, cell, weight or bias")


__all__ = ["KINDS", "Address", "AddressError", "look_ids", "parse_address", "resolve"]
