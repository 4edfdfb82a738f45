"""The Code panel's lines for a batch-norm layer's own events (see batchnorm.py): the NumPy that
computes μ, σ², x̂, z = γx̂ + β, a, and backward ∂L/∂x̂, ∂L/∂σ², ∂L/∂μ, ∂L/∂x, ∂L/∂γ, ∂L/∂β,
with the line of the event's number, the values it reads, and PyTorch's nn.BatchNorm."""

from __future__ import annotations

import numpy as np

from . import batchnorm as bn
from .codegen import snippet_lines as S
from .codegen.snippets import Snippet, Variable, _vec
from .fmt import num
from .trace_events import Event, StepArrays

TARGET = {"bn_mean": "mu", "bn_var": "var", "xhat": "xhat", "z": "z", "a": "a", "dxhat": "dxhat",
          "bn_dvar": "dvar", "bn_dmean": "dmu", "da": "grad_a_prev", "grad_w": "dgamma",
          "grad_b": "dbeta"}  # fmt: skip


def _lines(c: StepArrays, k: int) -> list[str]:
    d, l = c.model.layer(k), k + 1
    o: bn.Options = d.options
    conv = len(d.in_shape) == 3
    ax, B, eps = ("(0, 2, 3)", "[:, None, None]", repr(o.eps)) if conv else ("0", "", repr(o.eps))
    if o.train:
        mu = f"mu = a_prev.mean(axis={ax})  # μ[{l}] per channel"
        var = f"var = ((a_prev - mu{B}) ** 2).mean(axis={ax})  # σ²[{l}], biased (÷ m)"
    else:
        mu = f"mu = np.array({list(o.running_mean)})  # μ[{l}]: the running mean (eval mode)"
        var = f"var = np.array({list(o.running_var)})  # σ²[{l}]: the running variance"
    act = S.activation(c.model.activations[k], l)[-1]
    dvar = f"dvar = (dxhat * (a_prev - mu{B})).sum(axis={ax}) * -0.5 * (var + {eps}) ** -1.5"
    dmu = (f"dmu = (-dxhat / np.sqrt(var{B} + {eps})).sum(axis={ax}) + dvar * "
           f"(-2 * (a_prev - mu{B})).sum(axis={ax}) / m")  # fmt: skip
    dx = (f"grad_a_prev = dxhat / np.sqrt(var{B} + {eps}) + dvar{B} * 2 * (a_prev - mu{B}) / m"
          f" + dmu{B} / m  # ∂L/∂a[{l - 1}]")  # fmt: skip
    if not o.train:
        dvar, dmu = "dvar = np.zeros_like(var)  # μ, σ² are constants", "dmu = np.zeros_like(mu)"
    return [
        mu, var,
        f"xhat = (a_prev - mu{B}) / np.sqrt(var{B} + {eps})  # x̂[{l}]",
        f"z = W{B} * xhat + b{B}  # z[{l}] = γ·x̂ + β  (W holds γ, b holds β)",
        act,
        "m = a_prev.size // a_prev.shape[1]  # the numbers each channel averages over",
        f"dxhat = delta * W{B}  # ∂L/∂x̂[{l}] = δ·γ",
        dvar + f"  # ∂L/∂σ²[{l}]", dmu + f"  # ∂L/∂μ[{l}]", dx,
        f"dgamma = (delta * xhat).sum(axis={ax})  # ∂L/∂γ[{l}]",
        f"dbeta = delta.sum(axis={ax})  # ∂L/∂β[{l}]",
        *([f"dgamma = dgamma + {c.model.l2} * W  # + λ2·γ"] if c.model.l2 else []),
        *([f"dgamma = dgamma + {c.model.l1} * np.sign(W)  # + λ1·sign(γ)"] if c.model.l1 else []),
    ]  # fmt: skip


def _torch(c: StepArrays, k: int) -> list[str]:
    d = c.model.layer(k)
    o: bn.Options = d.options
    kind = "BatchNorm2d" if len(d.in_shape) == 3 else "BatchNorm1d"
    return [
        f"bn = nn.{kind}({d.in_shape[0]}, eps={o.eps!r}, momentum={o.momentum!r})",
        "bn.train()" if o.train else "bn.eval()  # the running statistics",
        "z = bn(a_prev)  # μ, σ², x̂ and γ·x̂ + β in one call; the running statistics move",
        "loss.backward()  # bn.weight.grad is ∂L/∂γ, bn.bias.grad ∂L/∂β, a_prev.grad ∂L/∂x",
    ]


def snippet(e: Event, c: StepArrays, k: int) -> Snippet:
    """The snippet of event `e` about the batch norm of layer k + 1 (a `da` event: the layer
    below's ∂L/∂a, which this layer sends back)."""
    lines = _lines(c, k)
    at = max(i for i, line in enumerate(lines) if line.startswith(f"{TARGET[e.kind]} = "))
    t_at = 2 if e.phase == "forward" else 3
    d = c.model.layer(k)
    act = c.model.activations[k]
    title = f"layer {k + 1} · batchnorm · {act} — {e.phase}"
    return Snippet(title, tuple(lines), at, _vars(e, c, k), tuple(_torch(c, k)), t_at,
                   "nn.BatchNorm computes the batch's statistics, normalises, scales and shifts;"
                   " autograd goes back through the mean and the variance for you."
                   + (" In evaluation mode it uses the running statistics." if not d.options.train
                      else ""))  # fmt: skip


def _vars(e: Event, c: StepArrays, k: int) -> tuple[Variable, ...]:
    x = c.fw.A[k]
    ch = e.index[0] if e.sample is None else _channel(c, k, e)
    chan = x[:, ch].reshape(-1)
    out = [Variable(f"a_prev[:, {ch}]", f"{np.shape(x)}", _vec(chan))]
    if e.kind in ("grad_w", "grad_b", "dxhat", "bn_dvar", "bn_dmean", "da"):
        dl = c.bw.delta[k][:, ch].reshape(-1)
        out.append(Variable(f"delta[:, {ch}]", f"{np.shape(c.bw.delta[k])}", _vec(dl)))
    name = TARGET[e.kind]
    at = f"{ch}" if e.sample is None else ", ".join(map(str, (c.rows.index(e.sample), *e.index)))
    return (*out, Variable(f"{name}[{at}]", "", num(e.value)))


def _channel(c: StepArrays, k: int, e: Event) -> int:
    return e.index[0]
