"""`export-code --numpy`: the network as a NumPy script shaped as the course teaches it — layer
objects with forward and backward (Linear, Sigmoid, …), a NeuralNetwork that initialises, runs
forward, computes the loss, runs backward and updates, and the training loop's five steps."""

from __future__ import annotations

from . import numpy_layers as NL
from .numpy_math import loss_class, optimizer_class
from .numpy_norm import BATCHNORM, ENTRY
from .parts import (
    BATCH,
    MAIN,
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

KIND_CLASS = {"dense": "Linear", "conv": "Conv2d", "maxpool": "MaxPool2d",
              "avgpool": "AvgPool2d", "flatten": "Flatten", "batchnorm": "BatchNorm"}  # fmt: skip
KIND_SOURCE = {"dense": NL.LINEAR, "conv": NL.CONV, "maxpool": NL.MAXPOOL,
               "avgpool": NL.AVGPOOL, "flatten": NL.FLATTEN, "batchnorm": BATCHNORM}  # fmt: skip
WEIGHTED = ("dense", "conv", "batchnorm")  # the kinds with W and b


def _layer_call(p: Plan, k: int) -> list[str]:
    """The constructor calls of layer k+1: the layer, its activation, its dropout."""
    net, d = p.net, p.net.model.layers[k]
    frozen = tuple(sorted(net.model.frozen[k])) if net.model.frozen else ()
    fz = f", frozen={_tuple(frozen)}" if frozen else ""
    if d.kind == "dense":
        calls = [f"Linear(W{k + 1}, B{k + 1}{fz})"]
    elif d.kind == "conv":
        calls = [f"Conv2d(W{k + 1}, B{k + 1}, stride={d.stride}, padding={d.padding}{fz})"]
    elif d.kind == "batchnorm":
        calls = [_norm_call(d, k + 1, fz)]
    elif d.kind == "flatten":
        return ["Flatten()"]
    else:
        return [f"{KIND_CLASS[d.kind]}(size={d.kernel}, stride={d.stride})"]
    calls.append(f"{NL.activation_class(net.model.activations[k])[0]}()")
    if net.model.drop(k):
        calls.append(f"Dropout({d.units}, p={net.model.drop(k)!r})")
    return calls


def _norm_call(d, l: int, fz: str) -> str:
    o = d.options
    mode = "" if o.train else ", train=False"
    args = f"W{l}, B{l}, (MEAN{l}, VAR{l}), momentum={o.momentum!r}, eps={o.eps!r}{mode}{fz}"
    if len(args) > 70:  # over the line: its arguments on a line of their own
        return f"BatchNorm(\n                {args}\n            )"
    return f"BatchNorm({args})"


def _tuple(words: tuple[str, ...]) -> str:
    inner = ", ".join(f'"{w}"' for w in words)
    return f"({inner},)" if len(words) == 1 else f"({inner})"


def _classes(p: Plan) -> tuple[list[str], list[str]]:
    """(sources of the classes used, in the script's order; the parametric class names)."""
    m = p.net.model
    kinds = [d.kind for d in m.layers]
    src = []
    if any(k in ("conv", "maxpool", "avgpool") for k in kinds):
        src.append(NL.WINDOWS)
    for kind in ("dense", "conv", "maxpool", "avgpool", "flatten", "batchnorm"):
        if kind in kinds:
            src.append(KIND_SOURCE[kind])
    acts = []
    for k, d in enumerate(m.layers):
        if d.type.has_activation and m.activations[k] not in acts:
            acts.append(m.activations[k])
    src += [NL.activation_class(a)[1] for a in acts]
    if dropout_of(p.net):
        src.append(NL.DROPOUT)
    weighted = [KIND_CLASS[k] for k in WEIGHTED if k in kinds]
    return src, weighted


def _network(p: Plan, loss_cls: str, opt_call: str, weighted: list[str]) -> list[str]:
    m, combined = p.net.model, p.net.model.combined_output()
    calls = [c for k in range(m.depth) for c in _layer_call(p, k)]
    numbered = [KIND_CLASS[k] for k in KIND_CLASS if any(d.kind == k for d in m.layers)]
    wt = weighted[0] if len(weighted) == 1 else f"({', '.join(weighted)})"
    nb = numbered[0] if len(numbered) == 1 else f"({', '.join(numbered)})"
    out = [
        "",
        "",
        "class NeuralNetwork:",
        '    """Initialises its layers, runs forward, computes the loss, runs backward, updates."""',
        "",
        "    def __init__(self):",
        "        self.layers = [",
        *(f"            {c}," for c in calls),
        "        ]",
        *_weighted_line(wt),
        f"        self.loss = {loss_cls}()",
        f"        self.optimizer = {opt_call}",
        "",
        "    def forward(self, x):",
    ]
    out += _forward(p)
    out += [
        "    def compute_loss(self, y):",
        "        loss = self.loss.value(self.output, y)",
    ]
    out += _penalty(m)
    out += [
        "        return loss",
        "",
        "    def zero_grad(self):",
        "        for layer in self.weighted:",
    ]
    out += ["            layer.dW, layer.db = np.zeros_like(layer.W), np.zeros_like(layer.b)", ""]
    out += _backward(m, combined)
    out += _update()
    if dropout_of(p.net):
        out += _masks()
    if norm_layers(p.net):
        return out + _norm_parameters(nb)
    return out + _parameters(numbered == weighted, wt, nb)


def _forward(p: Plan) -> list[str]:
    """NeuralNetwork.forward: the input rows (as images for a conv net) through every layer."""
    img = image_shape(p.net)
    if img:
        first = f"        a = x.reshape(len(x), {', '.join(map(str, img))})  # rows as images"
    else:
        first = "        a = x  # (n, inputs): one row per sample"
    return [
        first,
        "        for layer in self.layers:",
        "            a = layer.forward(a)",
        "        self.output = a  # a[L]",
        "        return a",
        "",
    ]


def _parameters(all_weighted: bool, wt: str, nb: str) -> list[str]:
    """NeuralNetwork.parameters, in `trace --json`'s layout: one entry per numbered layer, empty
    for a layer without weights (pooling) when there is one."""
    head = [
        "",
        "    def parameters(self):",
        '        """Layers 1..L\'s weights and biases, listed as `trace --json` lists them."""',
        "        return [",
        '            {"weights": layer.W.tolist(), "bias": layer.b.tolist()}',
    ]
    if all_weighted:
        return [*head, "            for layer in self.weighted", "        ]"]
    return [
        *head,
        f"            if isinstance(layer, {wt})",
        '            else {"weights": [], "bias": []}',
        "            for layer in self.layers",
        f"            if isinstance(layer, {nb})",
        "        ]",
    ]


def _weighted_line(wt: str) -> list[str]:
    line = f"        self.weighted = [layer for layer in self.layers if isinstance(layer, {wt})]"
    if len(line) <= 100:
        return [line]
    return [
        "        self.weighted = [",
        f"            layer for layer in self.layers if isinstance(layer, {wt})",
        "        ]",
    ]


def _norm_parameters(nb: str) -> list[str]:
    """NeuralNetwork.parameters of a network with a batch norm: `entry` lists each layer."""
    return [
        "",
        "    def parameters(self):",
        '        """Layers 1..L\'s parameters, listed as `trace --json` lists them."""',
        "        return [",
        "            entry(layer)",
        "            for layer in self.layers",
        f"            if isinstance(layer, {nb})",
        "        ]",
    ]


def _penalty(m) -> list[str]:
    out = []
    if m.l2:
        out.append(f"        L2 = {m.l2!r}  # λ2")
    if m.l1:
        out.append(f"        L1 = {m.l1!r}  # λ1")
    if m.l2 or m.l1:
        out.append("        penalty = 0.0  # on the weights, not the biases")
    if m.l2:
        out.append(
            "        penalty += 0.5 * L2 * sum(float((w.W * w.W).sum()) for w in self.weighted)"
        )
    if m.l1:
        out.append("        penalty += L1 * sum(float(np.abs(w.W).sum()) for w in self.weighted)")
    if m.l2 or m.l1:
        out.append("        loss = loss + penalty  # L + λ2/2·Σw² + λ1·Σ|w|"[:96])
    return out


def _backward(m, combined: bool) -> list[str]:
    out = [
        "    def backward(self, y):",
        '        """The chain rule from the output back, layer by layer: each backward turns',
        '        ∂L/∂(its output) into ∂L/∂(its input) and keeps its own ∂L/∂W and ∂L/∂b."""',
    ]
    if combined:
        out += [
            "        grad = self.loss.delta(self.output, y)  # δ[L]: the output's activation included",
            "        for layer in reversed(self.layers[:-1]):",
        ]
    else:
        out += [
            "        grad = self.loss.grad(self.output, y)  # ∂L/∂a[L]",
            "        for layer in reversed(self.layers):",
        ]
    out.append("            grad = layer.backward(grad)")
    if m.l2 or m.l1:
        out.append("        for layer in self.weighted:  # the regularisers' share of ∂L/∂w")
    if m.l2:
        out.append(f"            layer.dW = layer.dW + {m.l2!r} * layer.W  # + λ2·w")
    if m.l1:
        out.append(f"            layer.dW = layer.dW + {m.l1!r} * np.sign(layer.W)  # + λ1·sign(w)")
    return out


def _update() -> list[str]:
    return [
        "",
        "    def update(self, t):",
        '        """One optimizer step (t = 1, 2, …); frozen parameters keep their value."""',
        "        for k, layer in enumerate(self.weighted):",
        '            if "weights" not in layer.frozen:',
        '                layer.W = self.optimizer.step((k, "W"), layer.W, layer.dW, t)',
        '            if "bias" not in layer.frozen:',
        '                layer.b = self.optimizer.step((k, "b"), layer.b, layer.db, t)',
    ]


def _masks() -> list[str]:
    return [
        "",
        "    def draw_masks(self, rng, n):",
        '        """This step\'s dropout masks, layer by layer from one generator (None: off)."""',
        "        for layer in self.layers:",
        "            if isinstance(layer, Dropout):",
        "                layer.mask = None",
        "                if rng is not None:",
        "                    layer.draw(rng, n)",
    ]


def _train(p: Plan) -> list[str]:
    drop = bool(dropout_of(p.net))
    out = [
        "",
        "",
        "def train(steps):",
        '    """The training loop: each step\'s five steps, then the loss on the whole data."""',
        "    network = NeuralNetwork()",
        "    losses = []",
        "    for t in range(steps):",
        "        x, y = batch(t)",
    ]
    if drop:
        out.append("        network.draw_masks(np.random.default_rng([SEED, t + 1]), len(x))")
    out += [
        "        network.zero_grad()  # 1. zero the gradients",
        "        network.forward(x)  # 2. forward",
        "        losses.append(network.compute_loss(y))  # 3. the loss, before the update",
        "        network.backward(y)  # 4. backward: every ∂L/∂w and ∂L/∂b",
        "        network.update(t + 1)  # 5. update the weights",
    ]
    if drop:
        out.append("    network.draw_masks(None, 0)  # no dropout for the final loss")
    if norm_layers(p.net):
        out += [
            "    for layer in network.layers:  # the final loss moves no running statistic",
            "        if isinstance(layer, BatchNorm):",
            "            layer.moves = False",
        ]
    out += [
        "    network.forward(INPUTS)",
        "    losses.append(network.compute_loss(TARGETS))  # after the last step, all the data",
        "    return losses, network.parameters()",
    ]
    return out


def _entry(p: Plan, weighted: list[str]) -> str:
    """The function listing a layer's parameters, written for a network with a batch norm."""
    if not norm_layers(p.net):
        return ""
    plain = [w for w in weighted if w != "BatchNorm"]
    wt = plain[0] if len(plain) == 1 else f"({', '.join(plain)})"
    return ENTRY.replace("WEIGHTED", wt)


def numpy_script(p: Plan) -> str:
    m = p.net.model
    classes, weighted = _classes(p)
    loss_cls, loss_src = loss_class(m.loss, m.combined_output())
    opt_cls, opt_src, opt_call = optimizer_class(m.optimizer)
    third = ["import numpy as np"]
    if any(d.kind in ("conv", "maxpool", "avgpool") for d in m.layers):
        third.append("from numpy.lib.stride_tricks import sliding_window_view")
    names = [(k, f"W{k + 1}", f"B{k + 1}") for k, d in enumerate(m.layers) if d.n_params]
    top = [*header(p, "--numpy", "NumPy alone"), "", *imports(p, (), third), *file_constant(p)]
    top += [*data_block(p), *params_block(p, names)]
    return join_sections(
        "\n".join(top),
        "# ---- layers: each forward beside its backward ----",
        *classes,
        loss_src,
        opt_src,
        "\n".join(_network(p, loss_cls, opt_call, weighted)),
        _entry(p, weighted),
        BATCH,
        "\n".join(_train(p)),
        MAIN,
    )
