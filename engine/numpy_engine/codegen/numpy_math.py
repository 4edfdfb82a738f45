"""The NumPy script's losses and optimizers: only the ones a network uses are written into its
script, with the engine's arithmetic in the engine's order (optimizers as torch.optim does them)."""

from __future__ import annotations

from ..optimizers import OptimizerConfig
from .literals import number

LOSSES = {  # name: (class, docstring, value, ∂L/∂a, δ[L] when combined with the output)
    "mse": ("MSELoss", "L = 1/(n·K) · Σ (a − y)²",
            "float(((a - y) ** 2).sum() / a.size)",
            "2.0 * (a - y) / a.size  # ∂L/∂a = 2·(a − y)/(n·K)", None),
    "half_sse": ("HalfSSELoss", "L = 1/n · Σ_s ½ Σ_k (y − a)²: the textbook E = ½·Σ (t − o)²",
                 "float((0.5 * (y - a) ** 2).sum() / len(a))",
                 "(a - y) / len(a)  # ∂L/∂a = (a − y)/n", None),
    "mae": ("MAELoss", "L = 1/(n·K) · Σ |a − y|",
            "float(np.abs(a - y).sum() / a.size)",
            "np.sign(a - y) / a.size  # ∂L/∂a = sign(a − y)/(n·K)", None),
    "bce": ("BCELoss", "L = −1/(n·K) · Σ [y·ln a + (1 − y)·ln(1 − a)]",
            "float(-(y * np.log(c) + (1.0 - y) * np.log(1.0 - c)).sum() / a.size)",
            "(c - y) / (c * (1.0 - c)) / a.size  # ∂L/∂a = (a − y)/(a·(1 − a)·n·K)",
            "(a - y) / a.size  # δ[L] = (a − y)/(n·K): σ'(z) = a·(1 − a) cancels"),
    "cce": ("CrossEntropyLoss", "L = −1/n · Σ_s Σ_k y·ln a",
            "float((-y * np.log(c)).sum() / len(a))",
            "-y / c / len(a)  # ∂L/∂a = −y/(a·n)",
            "(a - y) / len(a)  # δ[L] = (a − y)/n: softmax's Jacobian cancels"),
}  # fmt: skip


def loss_class(name: str, combined: bool) -> tuple[str, str]:
    """(class name, source) of a loss; `combined`: its backward gives δ[L] of the output layer."""
    cls, doc, value, grad, delta = LOSSES[name]
    clip = name in ("bce", "cce")
    lines = ["", "", f"class {cls}:", f'    """{doc}"""', "", "    def value(self, a, y):"]
    if clip:
        lines.append("        c = np.clip(a, EPS, 1.0 - EPS)  # a kept off 0 and 1 inside ln")
    lines.append(f"        return {value}")
    lines.append("")
    if combined:
        lines += ["    def delta(self, a, y):", f"        return {delta}"]
    else:
        lines.append("    def grad(self, a, y):")
        if clip:
            lines.append("        c = np.clip(a, EPS, 1.0 - EPS)")
        lines.append(f"        return {grad}")
    head = "\n\nEPS = 1e-12  # a is clipped to [ε, 1 − ε] inside ln, so a saturated unit gives a number"
    return cls, (head + "\n" if clip else "") + "\n".join(lines) + "\n"


OPTIMIZERS = {  # name: (class, docstring, state names, the step's body)
    "sgd": ("SGD", "w ← w − η·g", (), ["return w - self.lr * g  # w ← w − η·∂L/∂w"]),
    "momentum": ("Momentum", "v ← μ·v + g;  w ← w − η·v  (torch's SGD momentum: v starts at g)",
                 ("v",), [
        "v = self.momentum * self.v[key] + g if t > 1 else g.copy()  # v ← μ·v + g",
        "self.v[key] = v",
        "return w - self.lr * v  # w ← w − η·v"]),
    "nesterov": ("Nesterov", "v ← μ·v + g;  w ← w − η·(g + μ·v)  (v starts at g)", ("v",), [
        "v = self.momentum * self.v[key] + g if t > 1 else g.copy()  # v ← μ·v + g",
        "self.v[key] = v",
        "return w - self.lr * (g + self.momentum * v)  # w ← w − η·(g + μ·v)"]),
    "adagrad": ("Adagrad", "G ← G + g²;  w ← w − η·g/(√G + ε)", ("G",), [
        "G = self.G.get(key, 0.0) + g * g  # G ← G + g²",
        "self.G[key] = G",
        "return w - self.lr * g / (np.sqrt(G) + self.eps)  # w ← w − η·g/(√G + ε)"]),
    "rmsprop": ("RMSprop", "s ← ρ·s + (1−ρ)·g²;  w ← w − η·g/(√s + ε)", ("s",), [
        "s = self.rho * self.s.get(key, 0.0) + (1.0 - self.rho) * g * g  # s ← ρ·s + (1−ρ)·g²",
        "self.s[key] = s",
        "return w - self.lr * g / (np.sqrt(s) + self.eps)  # w ← w − η·g/(√s + ε)"]),
    "adam": ("Adam", "m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  "
             "w ← w − η·m̂/(√v̂ + ε)", ("m", "v"), [
        "m = self.beta1 * self.m.get(key, 0.0) + (1.0 - self.beta1) * g  # m ← β1·m + (1−β1)·g",
        "v = self.beta2 * self.v.get(key, 0.0) + (1.0 - self.beta2) * g * g  # v ← β2·v + …·g²",
        "self.m[key], self.v[key] = m, v",
        "m_hat = m / (1.0 - self.beta1**t)  # m̂ = m/(1 − β1^t)",
        "v_hat = v / (1.0 - self.beta2**t)  # v̂ = v/(1 − β2^t)",
        "return w - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)  # w ← w − η·m̂/(√v̂ + ε)"]),
    "nadam": ("NAdam", "μ_t = β1·(1 − ½·0.96^(t·ψ));  m ← β1·m + (1−β1)·g;  "
              "v ← β2·v + (1−β2)·g²;\n    w ← w − η·[(1−μ_t)·g/(1−Πμ) + μ_t+1·m/(1−Πμ·μ_t+1)]"
              "/(√v̂ + ε)  (torch's NAdam)", ("m", "v", "prod"), [
        "mu = self.beta1 * (1.0 - 0.5 * 0.96 ** (t * self.psi))  # μ_t",
        "mu_next = self.beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * self.psi))  # μ_t+1",
        "prod = self.prod.get(key, 1.0) * mu  # Πμ = μ_1·…·μ_t",
        "m = self.beta1 * self.m.get(key, 0.0) + (1.0 - self.beta1) * g  # m ← β1·m + (1−β1)·g",
        "v = self.beta2 * self.v.get(key, 0.0) + (1.0 - self.beta2) * g * g  # v ← β2·v + …·g²",
        "self.m[key], self.v[key], self.prod[key] = m, v, prod",
        "denom = np.sqrt(v / (1.0 - self.beta2**t)) + self.eps  # √v̂ + ε",
        "w = w - self.lr * (1.0 - mu) / (1.0 - prod) * g / denom",
        "return w - self.lr * mu_next / (1.0 - prod * mu_next) * m / denom"]),
    "adadelta": ("Adadelta", "s ← ρ·s + (1−ρ)·g²;  Δ = √(d + ε)/√(s + ε)·g;  "
                 "d ← ρ·d + (1−ρ)·Δ²;  w ← w − η·Δ", ("s", "d"), [
        "s = self.rho * self.s.get(key, 0.0) + (1.0 - self.rho) * g * g  # s ← ρ·s + (1−ρ)·g²",
        "d_old = self.d.get(key, 0.0)",
        "step = np.sqrt(d_old + self.eps) / np.sqrt(s + self.eps) * g  # Δ = √(d + ε)/√(s + ε)·g",
        "self.s[key], self.d[key] = s, self.rho * d_old + (1.0 - self.rho) * step * step",
        "return w - self.lr * step  # w ← w − η·Δ"]),
}  # fmt: skip

HYPER = {  # the optimizer's settings as the script's constructor names them
    "lr": "lr", "momentum": "momentum", "beta1": "beta1", "beta2": "beta2", "rho": "rho",
    "eps": "eps", "momentum_decay": "psi",
}  # fmt: skip


def hyper_values(cfg: OptimizerConfig) -> dict[str, str]:
    """The settings the optimizer reads, by the script's names, as exact literals."""
    from ..optimizers import get_optimizer

    out = {}
    for field in get_optimizer(cfg.name).hyper:
        v = cfg.epsilon() if field == "eps" else getattr(cfg, field)
        out[HYPER[field]] = number(v)
    if cfg.name in ("adam", "nadam", "adagrad", "rmsprop", "adadelta") and "eps" not in out:
        out["eps"] = number(cfg.epsilon())
    return out


def optimizer_class(cfg: OptimizerConfig) -> tuple[str, str, str]:
    """(class name, source, the call that builds it) of the file's optimizer."""
    cls, doc, state, body = OPTIMIZERS[cfg.name]
    hyper = hyper_values(cfg)
    lines = [
        "",
        "",
        f"class {cls}:",
        f'    """{doc}"""',
        "",
        f"    def __init__(self, {', '.join(hyper)}):",
    ]
    lines += [f"        self.{k} = {k}" for k in hyper]
    lines += [f"        self.{s} = {{}}  # {s} of each parameter array, by key" for s in state]
    lines += ["", "    def step(self, key, w, g, t):"]
    if not state:
        lines.append('        """The new value of w, from its gradient g (t: the step, from 1)."""')
    lines += [f"        {line}" for line in body]
    call = f"{cls}({', '.join(f'{k}={v}' for k, v in hyper.items())})"
    return cls, "\n".join(lines) + "\n", call
