"""The lines of NumPy (and their PyTorch equivalents) that compute each kind of event, per layer
type, activation, loss, optimizer and regulariser, written with the explainer's symbols in their
comments. Each returns (lines, index of the line that produces the event's number)."""

from __future__ import annotations

from ..core import Model
from ..optimizers import get_optimizer
from .numpy_layers import ACTIVATIONS
from .numpy_math import LOSSES

Lines = tuple[list[str], int]

TORCH_ACT = {
    "sigmoid": "torch.sigmoid(z)", "tanh": "torch.tanh(z)", "relu": "torch.relu(z)",
    "leaky_relu": "F.leaky_relu(z, 0.01)", "elu": "F.elu(z)", "linear": "z", "square": "z * z",
    "step": "(z >= 0).double() + 0 * z", "softmax": "torch.softmax(z, dim=-1)",
}  # fmt: skip
TORCH_LOSS = {
    "mse": "F.mse_loss(a, y)", "half_sse": "0.5 * ((y - a) ** 2).sum() / len(y)",
    "mae": "F.l1_loss(a, y)", "bce": "F.binary_cross_entropy(a, y)",
    "cce": "-(y * torch.log(a)).sum() / len(y)",
}  # fmt: skip
TORCH_COMBINED = {"bce": "F.binary_cross_entropy_with_logits(z, y)", "cce": "F.cross_entropy(z, y)"}
TERMS = {  # one loss term ℓ per output, and the normaliser N with L = Σ ℓ / N
    "mse": ("(a - y) ** 2  # ℓ = (a − y)²", "a.size  # L = Σ ℓ/(n·K)"),
    "half_sse": ("0.5 * (y - a) ** 2  # ℓ = ½·(y − a)²", "len(a)  # L = Σ ℓ/n"),
    "mae": ("np.abs(a - y)  # ℓ = |a − y|", "a.size  # L = Σ ℓ/(n·K)"),
    "bce": ("-(y * np.log(c) + (1 - y) * np.log(1 - c))  # ℓ = −[y·ln a + (1 − y)·ln(1 − a)]",
            "a.size  # L = Σ ℓ/(n·K)"),
    "cce": ("-y * np.log(c)  # ℓ = −y·ln a", "len(a)  # L = Σ ℓ/n"),
}  # fmt: skip


def activation(name: str, l: int) -> list[str]:
    """a = g(z) of layer l, as the NumPy script computes it."""
    if name == "softmax":
        return [
            "e = np.exp(z - z.max(axis=-1, keepdims=True))  # shifted: e^z never overflows",
            f"a = e / e.sum(axis=-1, keepdims=True)  # a[{l}][j] = e^(z_j) / Σ_k e^(z_k)",
        ]
    _, doc, _, fwd, _ = ACTIVATIONS[name]
    code, _, how = fwd.partition("  # ")  # how the code writes it, where it differs (σ's tanh)
    said = f"a[{l}] = {doc.split(';')[0].removeprefix('a = ')}"
    return [f"a = {code}  # {said}" + (f" {how}" if how else "")]


def derivative(name: str, l: int) -> str:
    """δ = ∂L/∂a·g'(z) of layer l."""
    if name == "softmax":
        return f"delta = a * (grad_a - (grad_a * a).sum(axis=-1, keepdims=True))  # δ[{l}]"
    bwd = ACTIVATIONS[name][4].replace("self.", "")
    code, _, formula = bwd.partition("  # ")
    return f"delta = {code}  # {formula.replace('δ', f'δ[{l}]', 1)}"


def derivative_code(name: str) -> str:
    """g'(z) as the δ line computes it, e.g. "(a * (1.0 - a))" (not for softmax)."""
    code = ACTIVATIONS[name][4].replace("self.", "").partition("  # ")[0]
    factor = code.removeprefix("grad_a * ")
    return factor if factor.startswith("(") else f"({factor})"


def forward(m: Model, k: int, kind: str) -> tuple[Lines, Lines]:
    """(NumPy, PyTorch) lines of layer k+1's forward; the index is that of the event's line."""
    l, d = k + 1, m.layer(k)
    if d.kind == "flatten":
        return (["a = a_prev.reshape(len(a_prev), -1)  # the maps as one row per sample"], 0), (
            [f"a = layer{l}(a_prev)  # nn.Flatten()"],
            0,
        )
    if d.kind in ("maxpool", "avgpool"):
        op, word = ("max", "largest") if d.kind == "maxpool" else ("mean", "mean")
        np_lines = [
            f"win = windows(a_prev, {d.kernel}, stride={d.stride})  # (n, C, OH, OW, kh, kw)",
            f"a = win.{op}(axis=(-2, -1))  # a[{l}][c][y][x] = the {word} of its window",
        ]
        cls = "MaxPool2d" if d.kind == "maxpool" else "AvgPool2d"
        return (np_lines, 1), ([f"a = layer{l}(a_prev)  # nn.{cls}({d.kernel}, {d.stride})"], 0)
    if d.kind == "conv":
        np_lines = [
            f"win = windows(a_prev, {d.kernel}, {d.stride}, {d.padding})  # (n, C, OH, OW, kh, kw)",
            'z = np.einsum("nchwij,kcij->nkhw", win, W) + b[:, None, None]'
            f"  # z[{l}][f][y][x] = Σ w·a + b[f]",
        ]
        torch_z = f"z = layer{l}(a_prev)  # nn.Conv2d: the same sum for every window"
    else:
        np_lines = [
            f"z = a_prev @ W.T + b  # z[{l}][j] = Σ_i w[{l}][j][i]·a[{l - 1}][i] + b[{l}][j]"
        ]
        torch_z = f"z = layer{l}(a_prev)  # nn.Linear: a_prev @ W.T + b"
    z_at = len(np_lines) - 1
    np_lines += activation(m.activations[k], l)
    t_lines = [torch_z, f"a = {TORCH_ACT[m.activations[k]]}"]
    if m.drop(k):
        p = m.drop(k)
        np_lines.append(f"a = a * mask / (1 - {p})  # a[{l}] ← a·m/(1 − p), m ~ Bernoulli(1 − p)")
        t_lines.append(f"a = a * mask / (1 - {p})  # nn.Dropout({p}) draws its own masks")
    at = {"z": z_at, "a": z_at + len(activation(m.activations[k], l)), "dropout": len(np_lines) - 1}
    return (np_lines, at.get(kind, z_at)), (t_lines, {"z": 0, "a": 1}.get(kind, len(t_lines) - 1))


def _penalty(m: Model) -> list[str]:
    out = []
    if m.l2:
        out.append(f"L = L + 0.5 * {m.l2} * sum((W * W).sum() for W in weights)  # + λ2/2·Σw²")
    if m.l1:
        out.append(f"L = L + {m.l1} * sum(np.abs(W).sum() for W in weights)  # + λ1·Σ|w|")
    return out


def loss(m: Model, kind: str) -> tuple[Lines, Lines]:
    term, norm = TERMS[m.loss]
    np_lines = ["c = np.clip(a, 1e-12, 1 - 1e-12)  # a kept off 0 and 1 inside ln"]
    np_lines = np_lines if m.loss in ("bce", "cce") else []
    np_lines += [f"terms = {term}", f"L = terms.sum() / {norm}", *_penalty(m)]
    at = len(np_lines) - 1 if kind == "loss" else len(np_lines) - 2 - len(_penalty(m))
    expr = TORCH_COMBINED[m.loss] if m.combined_output() else TORCH_LOSS[m.loss]
    t_lines = [f"loss = {expr}"]
    if m.l2 or m.l1:
        t_lines.append("loss = loss + penalty  # the same λ terms, on the weights")
    return (np_lines, at), (t_lines, len(t_lines) - 1)


def loss_grad(m: Model) -> list[str]:
    """∂L/∂a of the output, or δ[L] directly when the activation and loss combine."""
    L = m.depth
    _, _, _, grad, delta = LOSSES[m.loss]
    clip = ["c = np.clip(a, 1e-12, 1 - 1e-12)"] if m.loss in ("bce", "cce") else []
    if m.combined_output():
        return [f"delta = {delta.replace('δ[L]', f'δ[{L}]')}"]
    return [*clip, f"grad_a = {grad.replace('∂L/∂a', f'∂L/∂a[{L}]')}"]


def sent_back(m: Model, k: int) -> list[str]:
    """∂L/∂a of layer k+1 (k = −1: the input) as the layer above sends it back."""
    kn = k + 1
    dn = m.layer(kn)
    flat = dn.kind == "flatten"
    if flat:
        kn += 1
        dn = m.layer(kn)
    l, ln = k + 1, kn + 1
    if dn.kind == "dense":
        if flat:
            return [
                f"grad_a = (delta_next @ W_next).reshape(a.shape)  # Σ_j w[{ln}][j][i]·δ[{ln}][j],"
                " back in the maps' shape"
            ]
        return [f"grad_a = delta_next @ W_next  # ∂L/∂a[{l}][i] = Σ_j w[{ln}][j][i]·δ[{ln}][j]"]
    if dn.kind == "conv":
        return [
            "for i, j in np.ndindex(W_next.shape[2:]):  # each tap sends δ back to what it read",
            "    grad_a[:, :, i::s, j::s] += np.einsum('nkhw,kc->nchw', delta_next, W_next[:, :, i, j])",
        ]
    if dn.kind == "maxpool":
        return [
            f"grad_a = route(delta_next)  # ∂L/∂a[{l}] = ∂L/∂a[{ln}] at each window's max, else 0"
        ]
    return [f"grad_a = spread(delta_next)  # ∂L/∂a[{l}] = ∂L/∂a[{ln}]/(kh·kw) to each cell"]


def backward_delta(m: Model, k: int, kind: str) -> tuple[Lines, Lines]:
    l, d = k + 1, m.layer(k) if k >= 0 else None
    lines = loss_grad(m) if k == m.depth - 1 else sent_back(m, k)
    if kind == "da" or d is None or not d.type.has_activation:
        if m.combined_output() and k == m.depth - 1:  # shown, though δ below does not need it
            grad = loss_grad(Model(m.sizes, (*m.activations[:-1], "linear"), m.loss))
            return ([*grad, *lines], len(grad) - 1), (_autograd(), 0)
        return (lines, len(lines) - 1), (_autograd(), 0)
    if not (m.combined_output() and k == m.depth - 1):
        if m.drop(k):
            lines.append("grad_a = grad_a * mask / (1 - p)  # dropout: the forward's mask")
        lines.append(derivative(m.activations[k], l))
    return (lines, len(lines) - 1), (_autograd(), 0)


def _autograd() -> list[str]:
    return [
        "loss.backward()  # autograd: every ∂L/∂a, δ, ∂L/∂w and ∂L/∂b, layer by layer",
        "layer.weight.grad, layer.bias.grad  # what it leaves: dW and db here",
    ]


def gradient(m: Model, k: int, kind: str) -> tuple[Lines, Lines]:
    l, d = k + 1, m.layer(k)
    if kind == "grad_b":
        if d.kind == "conv":
            line = f"db = delta.sum(axis=(0, 2, 3))  # ∂L/∂b[{l}][f] = Σ_s Σ_y Σ_x δ[{l}][f][y][x]"
        else:
            line = f"db = delta.sum(axis=0)  # ∂L/∂b[{l}][j] = Σ_samples δ[{l}][j]"
        return ([line], 0), (_autograd(), 0)
    if d.kind == "conv":
        lines = [
            'dW = np.einsum("nkhw,nchwij->kcij", delta, win)'
            f"  # ∂L/∂w[{l}][f][c][i][j] = Σ_s Σ_y Σ_x δ[{l}][f][y][x]·a[{l - 1}][c][y·s+i−p][x·s+j−p]",
        ]
    else:
        lines = [
            f"dW_s = delta[s][:, None] * a_prev[s][None, :]  # one sample: δ[{l}][j]·a[{l - 1}][i]",
            f"dW = delta.T @ a_prev  # the batch's sum: ∂L/∂w[{l}][j][i] = Σ_s δ[{l}][j]·a[{l - 1}][i]",
        ]
    if m.l2:
        lines.append(f"dW = dW + {m.l2} * W  # + λ2·w")
    if m.l1:
        lines.append(f"dW = dW + {m.l1} * np.sign(W)  # + λ1·sign(w)")
    return (lines, len(lines) - 1), (_autograd(), 0)


OPT_LINES = {  # the update of a parameter w with gradient g, as the NumPy script's step does it
    "sgd": ["w = w - lr * g  # w ← w − η·g"],
    "momentum": ["v = momentum * v + g  # v ← μ·v + g (v = g at the first step)",
                 "w = w - lr * v  # w ← w − η·v"],
    "nesterov": ["v = momentum * v + g  # v ← μ·v + g (v = g at the first step)",
                 "w = w - lr * (g + momentum * v)  # w ← w − η·(g + μ·v)"],
    "adagrad": ["G = G + g * g  # G ← G + g²", "w = w - lr * g / (np.sqrt(G) + eps)  # w ← w − η·g/(√G + ε)"],
    "rmsprop": ["s = rho * s + (1 - rho) * g * g  # s ← ρ·s + (1−ρ)·g²",
                "w = w - lr * g / (np.sqrt(s) + eps)  # w ← w − η·g/(√s + ε)"],
    "adam": ["m = beta1 * m + (1 - beta1) * g  # m ← β1·m + (1−β1)·g",
             "v = beta2 * v + (1 - beta2) * g * g  # v ← β2·v + (1−β2)·g²",
             "m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)  # m̂, v̂",
             "w = w - lr * m_hat / (np.sqrt(v_hat) + eps)  # w ← w − η·m̂/(√v̂ + ε)"],
    "nadam": ["m = beta1 * m + (1 - beta1) * g  # m ← β1·m + (1−β1)·g",
              "v = beta2 * v + (1 - beta2) * g * g  # v ← β2·v + (1−β2)·g²",
              "w = w - lr * ((1 - mu) * g / (1 - prod) + mu_next * m / (1 - prod * mu_next))"
              " / (np.sqrt(v / (1 - beta2**t)) + eps)"],
    "adadelta": ["s = rho * s + (1 - rho) * g * g  # s ← ρ·s + (1−ρ)·g²",
                 "step = np.sqrt(d + eps) / np.sqrt(s + eps) * g  # Δ = √(d + ε)/√(s + ε)·g",
                 "d = rho * d + (1 - rho) * step * step  # d ← ρ·d + (1−ρ)·Δ²",
                 "w = w - lr * step  # w ← w − η·Δ"],
}  # fmt: skip
TORCH_OPT = {
    "sgd": "SGD(params, lr)", "momentum": "SGD(params, lr, momentum)",
    "nesterov": "SGD(params, lr, momentum, nesterov=True)", "adagrad": "Adagrad(params, lr, eps=ε)",
    "rmsprop": "RMSprop(params, lr, alpha=ρ, eps=ε)", "adam": "Adam(params, lr, betas=(β1, β2))",
    "nadam": "NAdam(params, lr, betas=(β1, β2), momentum_decay=ψ)",
    "adadelta": "Adadelta(params, lr, rho=ρ, eps=ε)",
}  # fmt: skip


def update(m: Model, k: int, part: str) -> tuple[Lines, Lines]:
    name = "W" if part == "weights" else "b"
    grad = "dW" if part == "weights" else "db"
    if m.is_frozen(k, part):
        lines = [f"pass  # {name} is frozen: {grad} is computed and shown, never applied"]
        torch = [f"layer{k + 1}.{'weight' if part == 'weights' else 'bias'}.requires_grad_(False)"
                 "  # torch.optim never sees it"]  # fmt: skip
        return (lines, 0), (torch, 0)
    opt = get_optimizer(m.optimizer.name)
    lines = [_rename(line, name, grad) for line in OPT_LINES[opt.name]]
    torch = [
        f"optimizer = torch.optim.{TORCH_OPT[opt.name]}  # once, before training",
        "optimizer.step()  # torch.optim: these lines for every parameter",
        "optimizer.zero_grad()  # before the next backward",
    ]
    return (lines, len(lines) - 1), (torch, 1)


def _rename(line: str, name: str, grad: str) -> str:
    code, sep, comment = line.partition("  # ")
    code = " ".join(name if t == "w" else grad if t == "g" else t for t in code.split(" "))
    code = code.replace("(g ", f"({grad} ").replace("* g)", f"* {grad})")
    return code + sep + comment
