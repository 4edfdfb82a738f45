"""`export-code --torch`: the same network as an nn.Module trained with torch.optim in float64.
Autograd does the backward pass; the rows and dropout masks are the engine's (drawn with NumPy),
so the script prints the trace's numbers."""

from __future__ import annotations

import math

from ..optimizers import OptimizerConfig
from .numpy_math import hyper_values
from .parts import (
    BATCH,
    MAIN,
    ExportError,
    Plan,
    data_block,
    dropout_of,
    file_constant,
    header,
    image_shape,
    imports,
    join_sections,
    norm_layers,
    params_block,
)

ACTIVATION = {  # the activation of z, as torch writes it
    "sigmoid": "torch.sigmoid({z})",
    "tanh": "torch.tanh({z})",
    "relu": "torch.relu({z})",
    "leaky_relu": "F.leaky_relu({z}, 0.01)",
    "elu": "F.elu({z})",
    "linear": "{z}",
    "square": "{z} * {z}",
    "step": "({z} >= 0).to({z}.dtype) + 0 * {z}  # step'(z) = 0; 0·z keeps autograd's graph",
    "softmax": "torch.softmax({z}, dim=-1)",
}

LOSS = {  # (the loss of the output a (or z when combined) and y, what it is)
    "mse": ("F.mse_loss(out, y)", "L = 1/(n·K) · Σ (a − y)²"),
    "half_sse": ("0.5 * ((y - out) ** 2).sum() / len(y)", "L = 1/n · Σ_s ½ Σ_k (y − a)²"),
    "mae": ("F.l1_loss(out, y)", "L = 1/(n·K) · Σ |a − y|"),
    "bce": (
        "-(y * torch.log(c) + (1 - y) * torch.log(1 - c)).mean()",
        "L = −1/(n·K) · Σ [y·ln a + (1 − y)·ln(1 − a)]",
    ),
    "cce": ("(-y * torch.log(c)).sum() / len(y)", "L = −1/n · Σ_s Σ_k y·ln a"),
}
COMBINED = {  # the output activation folded into the loss: out is z[L]
    "bce": ("F.binary_cross_entropy_with_logits(out, y)", "σ and the cross-entropy in one"),
    "cce": ("F.cross_entropy(out, y)", "softmax and the cross-entropy in one; y one-hot"),
}


def _optimizer(cfg: OptimizerConfig) -> str:
    h = hyper_values(cfg)
    lr, eps = h["lr"], h.get("eps")
    opt = {
        "sgd": f"torch.optim.SGD(params, lr={lr})",
        "momentum": f"torch.optim.SGD(params, lr={lr}, momentum={h.get('momentum')})",
        "nesterov": f"torch.optim.SGD(params, lr={lr}, momentum={h.get('momentum')}, nesterov=True)",
        "adagrad": f"torch.optim.Adagrad(params, lr={lr}, eps={eps})",
        "rmsprop": f"torch.optim.RMSprop(params, lr={lr}, alpha={h.get('rho')}, eps={eps})",
        "adam": f"torch.optim.Adam(params, lr={lr}, betas=({h.get('beta1')}, {h.get('beta2')}), eps={eps})",
        "nadam": f"torch.optim.NAdam(\n        params, lr={lr}, betas=({h.get('beta1')}, {h.get('beta2')}), eps={eps}, "
        f"momentum_decay={h.get('psi')}\n    )",
        "adadelta": f"torch.optim.Adadelta(params, lr={lr}, rho={h.get('rho')}, eps={eps})",
    }  # fmt: skip
    return opt[cfg.name]


def _module(p: Plan) -> list[str]:
    m = p.net.model
    init, fwd = [], []
    img = image_shape(p.net)
    fwd.append(
        f"        a = x.reshape(len(x), {', '.join(map(str, img))})" if img else "        a = x"
    )
    for k, d in enumerate(m.layers):
        l = k + 1
        if d.kind == "dense":
            init.append(f"        self.layer{l} = nn.Linear({d.in_shape[0]}, {d.units})")
        elif d.kind == "conv":
            k_in, k_out = d.in_shape[0], d.out_shape[0]
            init.append(
                f"        self.layer{l} = nn.Conv2d({k_in}, {k_out}, {d.kernel}, "
                f"stride={d.stride}, padding={d.padding})"
            )
        elif d.kind == "flatten":
            init.append(f"        self.layer{l} = nn.Flatten()")
        elif d.kind == "batchnorm":
            init.append(_norm_module(d, l))
        else:
            cls = "MaxPool2d" if d.kind == "maxpool" else "AvgPool2d"
            init.append(f"        self.layer{l} = nn.{cls}({d.kernel}, stride={d.stride})")
        fwd += _forward_lines(p, k)
    return init, fwd


def _forward_lines(p: Plan, k: int) -> list[str]:
    m, d, l = p.net.model, p.net.model.layers[k], k + 1
    if not d.type.has_activation:
        return [f"        a = self.layer{l}(a)"]
    if k == m.depth - 1 and m.combined_output():
        return [f"        return self.layer{l}(a)  # z[{l}]: the loss applies the activation"]
    out = [
        f"        z = self.layer{l}(a)  # z[{l}]",
        f"        a = {ACTIVATION[m.activations[k]].format(z='z')}",
    ]
    if m.drop(k):
        out += [
            "        if masks is not None:  # dropout, with the engine's mask",
            f"            a = a * masks[{k}] / (1 - {m.drop(k)!r})",
        ]
    if k == m.depth - 1:
        out.append("        return a")
    return out


def _loads(p: Plan) -> list[str]:
    m = p.net.model
    out = ["        with torch.no_grad():  # the starting weights, the same as the NumPy engine's"]
    for k, d in enumerate(m.layers):
        if d.n_params:
            l = k + 1
            out.append(f"            self.layer{l}.weight.copy_(torch.tensor(W{l}))")
            out.append(f"            self.layer{l}.bias.copy_(torch.tensor(B{l}))")
    for k in norm_layers(p.net):
        l, train = k + 1, m.layers[k].options.train
        out.append(f"            self.layer{l}.running_mean.copy_(torch.tensor(MEAN{l}))")
        out.append(f"            self.layer{l}.running_var.copy_(torch.tensor(VAR{l}))")
        if not train:
            out.append(f'        self.layer{l}.eval()  # "mode": "eval": the running statistics')
    for k in range(m.depth):
        for part in sorted(m.frozen[k]) if m.frozen else ():
            attr = "weight" if part == "weights" else "bias"
            out.append(f"        self.layer{k + 1}.{attr}.requires_grad_(False)  # frozen")
    return out


def _norm_module(d, l: int) -> str:
    kind = "BatchNorm2d" if len(d.in_shape) == 3 else "BatchNorm1d"
    o = d.options
    return (f"        self.layer{l} = nn.{kind}({d.in_shape[0]}, eps={o.eps!r}, "
            f"momentum={o.momentum!r})")  # fmt: skip


def _network(p: Plan) -> list[str]:
    init, fwd = _module(p)
    masks = ", masks=None" if dropout_of(p.net) else ""
    return [
        "class Network(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        *init,
        *_loads(p),
        "",
        f"    def forward(self, x{masks}):",
        *fwd,
    ]


def _loss_fn(p: Plan) -> list[str]:
    m = p.net.model
    combined = m.combined_output()
    expr, what = COMBINED[m.loss] if combined else LOSS[m.loss]
    out = ["def loss_fn(out, y, model):", *_doc(what + "." + _penalty_doc(m))]
    if m.loss in ("bce", "cce") and not combined:
        out.append("    c = out.clamp(1e-12, 1 - 1e-12)  # a kept off 0 and 1 inside ln")
    out.append(f"    loss = {expr}")
    if m.l1 or m.l2:
        out.append(
            '    weights = [w for name, w in model.named_parameters() if name.endswith("weight")]'
        )
    if m.l2:
        out.append(f"    loss = loss + 0.5 * {m.l2!r} * sum((w * w).sum() for w in weights)")
    if m.l1:
        out.append(f"    loss = loss + {m.l1!r} * sum(w.abs().sum() for w in weights)")
    out.append("    return loss")
    return out


def _penalty_doc(m) -> str:
    parts = ([" + λ2/2·Σw²"] if m.l2 else []) + ([" + λ1·Σ|w|"] if m.l1 else [])
    grads = ([" λ2·w"] if m.l2 else []) + ([" λ1·sign(w)"] if m.l1 else [])
    if not parts:
        return ""
    return f"\n    L = the loss{''.join(parts)}: autograd adds{' +'.join(grads)} to ∂L/∂w."


def _doc(text: str) -> list[str]:
    lines = text.split("\n")
    lines[0] = f'    """{lines[0]}'
    lines[-1] += '"""'
    return lines


def _train(p: Plan) -> list[str]:
    drop = dropout_of(p.net)
    m = p.net.model
    call = "model(x, dropout_masks(t + 1, len(x)))" if drop else "model(x)"
    trainable = any(
        d.n_params and not (m.frozen and m.frozen[k] >= {"weights", "bias"})
        for k, d in enumerate(m.layers)
    )
    if not trainable:
        return _train_frozen(call, bool(norm_layers(p.net)))
    out = [
        "def train(steps):",
        '    """The training loop\'s five steps; autograd and torch.optim do the backward pass',
        '    and the update that the NumPy script writes out."""',
        "    model = Network()",
        "    params = [w for w in model.parameters() if w.requires_grad]  # not the frozen ones",
        f"    optimizer = {_optimizer(m.optimizer)}",
        "    losses = []",
        "    for t in range(steps):",
        "        x, y = (torch.from_numpy(v) for v in batch(t))",
        "        optimizer.zero_grad()  # 1. zero the gradients",
        f"        out = {call}  # 2. forward",
        "        loss = loss_fn(out, y, model)  # 3. the loss",
        "        losses.append(loss.item())",
        "        loss.backward()  # 4. backward: autograd computes every ∂L/∂w and ∂L/∂b",
        "        optimizer.step()  # 5. update the weights",
        "    with torch.no_grad():  # after the last step, on the whole data, no dropout",
        "        x, y = torch.from_numpy(INPUTS), torch.from_numpy(TARGETS)",
    ]
    if norm_layers(p.net):
        return out + _norm_final("        ")
    out += [
        "        losses.append(loss_fn(model(x), y, model).item())",
        "    return losses, [",
        '        {"weights": layer.weight.tolist(), "bias": layer.bias.tolist()}',
        "        if isinstance(layer, (nn.Linear, nn.Conv2d))",
        '        else {"weights": [], "bias": []}',
        "        for layer in model.children()",
        "    ]",
    ]
    return out


def _norm_final(pad: str) -> list[str]:
    """The final loss of a network with a batch norm, which moves no running statistic (torch
    moves them in every forward in training mode; the engine's final loss does not), and the
    parameters listed by `entry`."""
    return [
        f"{pad}kept = [b.clone() for b in model.buffers()]  # the running statistics",
        f"{pad}losses.append(loss_fn(model(x), y, model).item())",
        f"{pad}for b, k in zip(model.buffers(), kept, strict=True):",
        f"{pad}    b.copy_(k)  # the final loss moves no running statistic",
        "    return losses, [entry(layer) for layer in model.children()]",
    ]


def _train_frozen(call: str, norm: bool = False) -> list[str]:
    head = [
        "def train(steps):",
        '    """Every parameter is frozen: each step computes the loss and changes nothing."""',
        "    model = Network()",
        "    losses = []",
        "    with torch.no_grad():",
        "        for t in range(steps):",
        "            x, y = (torch.from_numpy(v) for v in batch(t))",
        f"            losses.append(loss_fn({call}, y, model).item())",
        "        x, y = torch.from_numpy(INPUTS), torch.from_numpy(TARGETS)",
    ]
    if norm:
        return head + _norm_final("        ")
    return [
        *head,
        "        losses.append(loss_fn(model(x), y, model).item())",
        "    return losses, [",
        '        {"weights": layer.weight.tolist(), "bias": layer.bias.tolist()}',
        "        if isinstance(layer, (nn.Linear, nn.Conv2d))",
        '        else {"weights": [], "bias": []}',
        "        for layer in model.children()",
        "    ]",
    ]


def _masks(p: Plan) -> str:
    drop = dropout_of(p.net)
    if not drop:
        return ""
    m = p.net.model
    lines = [
        "def dropout_masks(t, n):",
        '    """Step t\'s keep-masks (1 = kept), drawn as the NumPy engine draws them; torch\'s own',
        '    nn.Dropout draws others."""',
        "    rng = np.random.default_rng([SEED, t])",
        "    masks = {}",
    ]
    for k, prob in drop:
        units = m.layers[k].units
        lines.append(
            f"    masks[{k}] = torch.from_numpy((rng.random((n, {units})) >= {prob!r}).astype(float))"
        )
    return "\n".join([*lines, "    return masks"])


ENTRY = '''
def entry(layer):
    """A numbered layer's parameters as `trace --json` lists them."""
    if isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):  # γ, β and the running statistics
        return {
            "gamma": layer.weight.tolist(),
            "beta": layer.bias.tolist(),
            "running_mean": layer.running_mean.tolist(),
            "running_var": layer.running_var.tolist(),
        }
    if isinstance(layer, (nn.Linear, nn.Conv2d)):
        return {"weights": layer.weight.tolist(), "bias": layer.bias.tolist()}
    return {"weights": [], "bias": []}  # pooling and flatten: none
'''


def _check_norms(p: Plan) -> None:
    """torch's nn.BatchNorm2d refuses to train on one value per channel (a batch of one sample
    over 1×1 maps), which the engine (x̂ = 0) and the NumPy script compute."""
    net = p.net
    for k in norm_layers(net):
        d = net.model.layers[k]
        if not d.options.train or len(d.in_shape) == 1 or d.in_shape[1] * d.in_shape[2] > 1:
            continue
        sizes = net.batch_sizes(math.ceil(len(net.data.inputs) / net.batch_size()))
        if min(sizes) == 1:
            raise ExportError(
                f"layer {k + 1} is a batch norm in training mode over 1×1 maps and a batch holds "
                "one sample: torch's nn.BatchNorm2d refuses one value per channel (--numpy "
                "writes it)"
            )


def torch_script(p: Plan) -> str:
    _check_norms(p)
    m = p.net.model
    third = [
        "import numpy as np",
        "import torch",
        "import torch.nn.functional as F",
        "from torch import nn",
    ]
    body = "\n".join(_network(p) + _loss_fn(p))
    if "F." not in body:
        third.remove("import torch.nn.functional as F")
    names = [(k, f"W{k + 1}", f"B{k + 1}") for k, d in enumerate(m.layers) if d.n_params]
    top = [*header(p, "--torch", "PyTorch, in float64"), "", *imports(p, (), third)]
    top += ["", "torch.set_default_dtype(torch.float64)", *file_constant(p)]
    top += [*data_block(p), *params_block(p, names)]
    return join_sections(
        "\n".join(top),
        "\n".join(_network(p)),
        "\n".join(_loss_fn(p)),
        _masks(p),
        ENTRY if norm_layers(p.net) else "",
        BATCH,
        "\n".join(_train(p)),
        MAIN,
    )
