"""The Code panel's content: the few lines of NumPy that compute the current event, the line that
produces its number, the variables those lines read with their shapes and values, and the PyTorch
equivalent with what autograd and torch.optim do for you. Built from the event's address (phase,
kind, layer, sample, index) and the step's arrays; no Qt."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..fmt import num
from ..trace_events import Event, StepArrays
from . import snippet_lines as S

MAX_SHOWN = 6  # values of a vector written out; the rest are counted


@dataclass(frozen=True)
class Variable:
    name: str  # as the lines write it: a_prev[s], W[j], delta[:, j] …
    shape: str  # the whole array's shape, e.g. "(4, 2)"
    value: str  # the values the event reads, formatted as the formula shows numbers
    computed: bool = False  # worked out on the way to the event's number (δ·a, sample by
    # sample, before the sum): a question hides it with the number


@dataclass(frozen=True)
class Snippet:
    title: str  # what the lines compute: "layer 2 · dense · σ — the forward pass"
    lines: tuple[str, ...]  # NumPy
    current: int  # the line that produces the event's number
    variables: tuple[Variable, ...]  # the last holds the event's number (a question hides it)
    torch_lines: tuple[str, ...]
    torch_current: int
    autograd: str  # what PyTorch does for you here


def _vec(a) -> str:
    a = np.asarray(a, dtype=float).ravel()
    shown = ", ".join(num(v) for v in a[:MAX_SHOWN])
    more = f", … ({a.size - MAX_SHOWN} more)" if a.size > MAX_SHOWN else ""
    return f"[{shown}{more}]" if a.size != 1 else num(a[0])


def _shape(a) -> str:
    s = tuple(np.shape(a))
    return f"({s[0]},)" if len(s) == 1 else "(" + ", ".join(map(str, s)) + ")"


def _var(name: str, whole, part, computed: bool = False) -> Variable:
    return Variable(name, _shape(whole), _vec(part), computed)


def _sample(c: StepArrays, e: Event) -> int:
    return c.rows.index(e.sample) if e.sample is not None and e.sample in c.rows else 0


def _what(c: StepArrays, k: int) -> str:
    d = c.model.layer(k)
    act = c.model.activations[k] if d.type.has_activation else ""
    return f"layer {k + 1} · {d.kind}" + (f" · {act}" if act else "")


def event_code(e: Event, c: StepArrays) -> Snippet:
    """The snippet of event `e` of the step whose arrays are `c`. In a mini-batch the arrays'
    first index is the sample's row in the batch, not in the data (a lesson's "row 105"): the
    title says which is which."""
    sn = _event_code(e, c)
    s = _sample(c, e)
    if e.sample is None or s == e.sample:
        return sn
    return replace(sn, title=f"{sn.title} · data row {e.sample} is row {s} of the batch")


def _event_code(e: Event, c: StepArrays) -> Snippet:
    m = c.model
    k = e.layer - 1
    own = _own(e, c, k)
    if own is not None:  # a layer type that writes its own lines (batch norm)
        return own
    if e.phase == "forward":
        (np_l, at), (t_l, t_at) = S.forward(m, k, e.kind)
        return Snippet(
            f"{_what(c, k)} — forward", tuple(np_l), at, _forward_vars(c, e, k), tuple(t_l), t_at,
            "You write the forward pass in PyTorch too (nn.Linear and nn.Conv2d hold W and b); "
            "autograd records each operation to run it backward later.",
        )  # fmt: skip
    if e.phase == "loss":
        (np_l, at), (t_l, t_at) = S.loss(m, e.kind)
        return Snippet(
            f"loss · {m.loss}", tuple(np_l), at, _loss_vars(c, e), tuple(t_l), t_at,
            "The loss is one line in PyTorch; autograd will differentiate it.",
        )  # fmt: skip
    if e.phase == "backward":
        if e.kind in ("grad_w", "grad_b"):
            (np_l, at), (t_l, t_at) = S.gradient(m, k, e.kind)
            title = f"{_what(c, k)} — gradients"
        else:
            (np_l, at), (t_l, t_at) = S.backward_delta(m, k, e.kind)
            title = f"{_what(c, k)} — backward" if k >= 0 else "the input — backward"
        return Snippet(
            title, tuple(np_l), at, _backward_vars(c, e, k), tuple(t_l), t_at,
            f"Autograd does the {len(np_l)} NumPy line{'s' * (len(np_l) > 1)} of this number for "
            "you: loss.backward() runs them for every layer and leaves dW and db in .grad.",
        )  # fmt: skip
    part = "bias" if e.symbol.startswith(("b", "β")) else "weights"
    (np_l, at), (t_l, t_at) = S.update(m, k, part)
    return Snippet(
        f"{_what(c, k)} — update · {m.optimizer.name}", tuple(np_l), at,
        _update_vars(c, e, k, part), tuple(t_l), t_at,
        "torch.optim does these lines for every parameter in optimizer.step(), with the same "
        "state; frozen parameters are left out of it.",
    )  # fmt: skip


def _own(e: Event, c: StepArrays, k: int) -> Snippet | None:
    """The snippet a layer module writes itself (`snippet_module` names it), for its own events
    and for the ∂L/∂a it sends back to the layer below; None for the others."""
    m = c.model
    if e.phase in ("loss", "update") or k < 0:
        return None
    if e.kind == "da" and k + 1 < m.depth:
        k += 1  # ∂L/∂a of layer k + 1 is the next layer's to write
    elif e.kind in ("da", "delta"):
        return None
    name = getattr(m.layer(k).type.module, "SNIPPETS", None)
    if name is None:
        return None
    from importlib import import_module

    return import_module(f"engine.numpy_engine.{name}").snippet(e, c, k)


def _forward_vars(c: StepArrays, e: Event, k: int) -> tuple[Variable, ...]:
    s, d = _sample(c, e), c.model.layer(k)
    a_prev, z, g = c.fw.A[k], c.fw.Z[k], c.fw.G[k]
    idx = e.index
    if d.kind == "flatten":
        return (
            _var(f"a_prev[{s}]", a_prev, a_prev[s]),
            _var(f"a[{s}]", c.fw.A[k + 1], c.fw.A[k + 1][s]),
        )
    if d.kind in ("maxpool", "avgpool"):
        ch, y, x = idx
        win = _window(d, a_prev[s], ch, y, x)
        return (Variable(f"win[{s}, {ch}, {y}, {x}]", f"{d.kernel}", _vec(win)),
                _var(f"a[{s}, {ch}, {y}, {x}]", c.fw.A[k + 1], c.fw.A[k + 1][(s, *idx)]))  # fmt: skip
    W, b = c.params[k]
    at = (s, *idx)
    out = []
    if d.kind == "conv":
        f, y, x = idx
        out += [
            Variable(f"win[{s}, :, {y}, {x}]", f"({d.in_shape[0]}, {d.kernel[0]}, {d.kernel[1]})",
                     _vec(_conv_window(d, a_prev[s], y, x))),
            _var(f"W[{f}]", W, W[f]), _var(f"b[{f}]", b, b[f]),
        ]  # fmt: skip
    else:
        j = idx[0]
        out += [
            _var(f"a_prev[{s}]", a_prev, a_prev[s]),
            _var(f"W[{j}]", W, W[j]),
            _var(f"b[{j}]", b, b[j]),
        ]
    out.append(_var(f"z[{', '.join(map(str, at))}]", z, z[at]))
    if e.kind in ("a", "dropout"):
        out.append(_var(f"g(z)[{', '.join(map(str, at))}]", g, g[at]))
    if e.kind == "dropout":
        mask = c.fw.masks[k]
        out += [
            _var(f"mask[{s}, {idx[0]}]", mask, mask[at]),
            _var(f"a[{s}, {idx[0]}]", c.fw.A[k + 1], c.fw.A[k + 1][at]),
        ]
    return tuple(out)


def _conv_window(d, x: np.ndarray, y: int, xx: int) -> np.ndarray:
    p, s = d.padding, d.stride
    xp = np.pad(x, ((0, 0), (p, p), (p, p))) if p else x
    return xp[:, y * s : y * s + d.kernel[0], xx * s : xx * s + d.kernel[1]]


def _window(d, x: np.ndarray, ch: int, y: int, xx: int) -> np.ndarray:
    s = d.stride
    return x[ch, y * s : y * s + d.kernel[0], xx * s : xx * s + d.kernel[1]]


def _loss_vars(c: StepArrays, e: Event) -> tuple[Variable, ...]:
    a, y = c.fw.A[-1], c.Y
    if e.kind == "loss_term":
        s, j = _sample(c, e), e.index[0]
        return (_var(f"a[{s}, {j}]", a, a[s, j]), _var(f"y[{s}, {j}]", y, y[s, j]),
                Variable(f"terms[{s}, {j}]", _shape(a), num(e.value)))  # fmt: skip
    out = [_var("a", a, a), _var("y", y, y)]
    if c.reg:
        out.append(Variable("penalty", "()", num(c.reg)))
    return (*out, Variable("L", "()", num(e.value)))


def _backward_vars(c: StepArrays, e: Event, k: int) -> tuple[Variable, ...]:
    m = c.model
    if e.kind in ("grad_w", "grad_b"):
        W, _ = c.params[k]
        delta, a_prev = c.bw.delta[k], c.fw.A[k]
        dW, db = c.bw.grads[k]
        if e.kind == "grad_b":
            f = e.index[0]
            col = delta[:, f] if delta.ndim == 2 else delta[:, f]
            return (_var(f"delta[:, {f}]", delta, col), _var(f"db[{f}]", db, db[f]))
        if m.layer(k).kind == "conv":
            from ..conv import windows

            f, ch, i, j = e.index
            seen = windows(m.layer(k), a_prev)[:, ch, :, :, i, j]  # (n, OH, OW)
            return (
                _var(f"delta[:, {f}]", delta, delta[:, f]),
                _var(f"win[:, {ch}, :, :, {i}, {j}]", seen, seen),
                _var(f"dW[{f}, {ch}, {i}, {j}]", dW, dW[e.index]),
            )
        j, i = e.index
        out = [_var(f"delta[:, {j}]", delta, delta[:, j]), _var(f"a_prev[:, {i}]", a_prev, a_prev[:, i]),
               _var(f"delta[:, {j}] * a_prev[:, {i}]", delta, delta[:, j] * a_prev[:, i], True)]  # fmt: skip
        if m.l1 or m.l2:
            out.append(_var(f"W[{j}, {i}]", W, W[j, i]))
        return (*out, _var(f"dW[{j}, {i}]", dW, dW[j, i]))
    at = (_sample(c, e), *e.index)
    da = c.da(k)
    out = [_var(f"grad_a[{', '.join(map(str, at))}]", da, da[at])]
    if e.kind == "da" and k == m.depth - 1:  # the loss's derivative reads a and y
        a_y = [
            _var(f"{n}[{', '.join(map(str, at))}]", v, v[at])
            for n, v in (("a", c.fw.A[-1]), ("y", c.Y))
        ]
        out = [*a_y, *out]
    elif e.kind == "da" and k + 1 < m.depth and m.layer(k + 1).kind == "dense" and len(at) == 2:
        s, i = at  # Σ_j w[l+1][j][i]·δ[l+1][j]: the next layer's deltas and weights column i
        dn, wn = c.bw.delta[k + 1], c.params[k + 1][0]
        out = [_var(f"delta_next[{s}, :]", dn, dn[s]), _var(f"W_next[:, {i}]", wn, wn[:, i]), *out]
    if e.kind == "delta" and k >= 0 and m.layer(k).type.has_activation:
        if m.activations[k] == "softmax" and not (m.combined_output() and k == m.depth - 1):
            pass  # δ is softmax's Jacobian times ∂L/∂a: no single factor to show
        elif not (m.combined_output() and k == m.depth - 1):
            gp = c.gprime(k)
            name = S.derivative_code(m.activations[k])  # g'(z) as the delta line writes it
            if "a" in name or "z" in name:  # not a constant (1.0 of linear, 0.0 of step)
                out.append(_var(f"{name}[{', '.join(map(str, at))}]", gp, gp[at]))
        else:
            out += [_var(f"a[{', '.join(map(str, at))}]", c.fw.A[-1], c.fw.A[-1][at]),
                    _var(f"y[{', '.join(map(str, at))}]", c.Y, c.Y[at])]  # fmt: skip
        out.append(_var(f"delta[{', '.join(map(str, at))}]", c.bw.delta[k], c.bw.delta[k][at]))
    return tuple(out)


def _update_vars(c: StepArrays, e: Event, k: int, part: str) -> tuple[Variable, ...]:
    x = e.detail
    name, grad = ("W", "dW") if part == "weights" else ("b", "db")
    at = ", ".join(map(str, e.index))
    p = c.params[k][0 if part == "weights" else 1]
    out = [
        Variable(f"{name}[{at}]", _shape(p), num(x["w"])),
        Variable(f"{grad}[{at}]", _shape(p), num(x["g"])),
        Variable("lr", "()", num(c.model.optimizer.lr)),  # η: every update line reads it
    ]
    for key in sorted(x):
        if key.endswith("_old"):
            st = key.removesuffix("_old")
            out.append(Variable(f"{st}[{at}]", _shape(p), f"{num(x[key])} → {num(x[st])}"))
    return (*out, Variable(f"new {name}[{at}]", _shape(p), num(x["new"])))
