"""What the NumPy and PyTorch scripts share: the header, the data and settings, the starting
weights (written in, or read from the network file when there are too many), the engine's choice
of rows and dropout masks, and `main`, which prints what `trace --json` prints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..network import Network, init_params
from .literals import assign

# parameters, and data values, written into a script; beyond, the script reads the file
MAX_WRITTEN = 10_000

DRAW = {  # how the engine draws weights a file does not give (network._initial_weights)
    "zeros": "np.zeros(shape)",
    "uniform": "rng.uniform(-1, 1, shape) / math.sqrt(fan_in)",
    "normal": "rng.normal(0, 1 / math.sqrt(fan_in), shape)",
    "xavier_uniform": "rng.uniform(-1, 1, shape) * math.sqrt(6 / (fan_in + fan_out))",
    "xavier_normal": "rng.normal(0, math.sqrt(2 / (fan_in + fan_out)), shape)",
    "he_uniform": "rng.uniform(-1, 1, shape) * math.sqrt(6 / fan_in)",
    "he_normal": "rng.normal(0, math.sqrt(2 / fan_in), shape)",
}


class ExportError(ValueError):
    """A network that cannot be written as a script; the message says why."""


@dataclass(frozen=True)
class Plan:
    """What a script is written from."""

    net: Network
    source: Path | None  # the network file (named in the script when it reads from it)
    target: Path | None  # where the script goes: a source beside it is named by its name alone
    read_params: bool  # more than MAX_WRITTEN parameters: the script reads the file
    read_data: bool  # more than MAX_WRITTEN data values: the script reads the file

    @property
    def reads_file(self) -> bool:
        return self.read_params or self.read_data


def plan(net: Network, source: Path | None, target: Path | None = None) -> Plan:
    if net.data is None:
        raise ExportError("the network has no 'data' to train on")
    for k, d in enumerate(net.model.layers):
        if not getattr(d.type.module, "IN_SCRIPTS", True):  # a layer type the scripts lack
            raise ExportError(f"the scripts do not write {d.kind} layers yet (layer {k + 1})")
    n_params = sum(d.n_params for d in net.model.layers)
    n_data = net.data.inputs.size + net.data.targets.size
    read_params, read_data = n_params > MAX_WRITTEN, n_data > MAX_WRITTEN
    if (read_params or read_data) and source is None:
        raise ExportError("a network this large is read from its file: save it to a file first")
    if read_data and (net.spec.data is None or net.spec.data.inputs is None):
        raise ExportError(
            f"the data has {n_data:,} values (a script holds up to {MAX_WRITTEN:,}) and the file "
            "does not hold them in 'data.inputs' for the script to read; write them into the file"
        )
    return Plan(net, source, target, read_params, read_data)


def header(p: Plan, flag: str, what: str) -> list[str]:
    spec = p.net.spec
    name = _plain(p.source.name) if p.source else "the explainer's network"
    title = _plain(spec.name or (p.source.stem if p.source else "A network"))
    lines = [
        f'"""{title}' if len(title) < 90 else f'"""{title[:86]}…',
        "",
        f"Trained from scratch with {what}.",
        f"Written by `backprop-studio export-code {name} {flag}`.",
        "    python SCRIPT.py [--steps N]",
        'prints {"losses": [N + 1 values], "parameters": [...]} as `backprop-studio trace --json`',
        "does: the loss before each step and on the whole data after the last, then layers",
        "1..L's weights and biases. Notation as in the explainer: a[l] activations, z[l]",
        "pre-activations, δ[l] = ∂L/∂z[l], w[l][j][i] the weight from unit i of layer l−1 to j.",
    ]
    if p.reads_file:
        lines.append(f"The {_read_what(p)} are read from the network file {name}.")
    return [*lines, '"""']


def _plain(text: str) -> str:
    """Text safe inside the script's docstring: one line, printable, no backslash or quote."""
    lines = text.splitlines()
    line = "".join(ch if ch.isprintable() else " " for ch in (lines[0] if lines else ""))
    return line.replace("\\", "/").replace('"', "'").strip() or "A network"


def _quoted(text: str) -> str:
    """A Python string literal of `text`, in double quotes when it holds none (ruff's style)."""
    r = repr(text)
    return f'"{r[1:-1]}"' if r[0] == "'" and '"' not in text and "\\'" not in r else r


def _read_what(p: Plan) -> str:
    both = p.read_params and p.read_data
    return "weights and data" if both else "weights" if p.read_params else "data"


def file_constant(p: Plan) -> list[str]:
    if not p.reads_file:
        return []
    src = p.source.resolve()
    beside = p.target is not None and p.target.resolve().parent == src.parent
    where = (
        f"Path(__file__).with_name({_quoted(src.name)})" if beside else f"Path({_quoted(str(src))})"
    )
    return [
        "",
        f"NETWORK_FILE = {where}  # the {_read_what(p)}",
        'NETWORK = json.loads(NETWORK_FILE.read_text(encoding="utf-8"))',
    ]


def data_block(p: Plan) -> list[str]:
    d, net = p.net.data, p.net
    n, d_in, d_out = len(d.inputs), d.inputs.shape[1], d.targets.shape[1]
    out = ["", "# ---- the data and how it is fed ----"]
    if p.read_data:
        out += [
            'INPUTS = np.array(NETWORK["data"]["inputs"], dtype=np.float64).reshape('
            f"{n}, -1)  # ({n}, {d_in})",
            "TARGETS = np.array(",
            '    [t if isinstance(t, list) else [t] for t in NETWORK["data"]["targets"]],',
            "    dtype=np.float64,",
            f")  # ({n}, {d_out})",
        ]
    else:
        out += assign(
            "INPUTS",
            d.inputs,
            f"({n} sample{'s' * (n > 1)}, {d_in} input{'s' * (d_in > 1)})",
            "np.array",
        )
        out += assign(
            "TARGETS",
            d.targets,
            f"({n} sample{'s' * (n > 1)}, {d_out} output{'s' * (d_out > 1)})",
            "np.array",
        )
    tr = net.spec.training
    out += [
        f"BATCH_SIZE = {net.batch_size()}  # rows per step: {net.mode()}",
        f"SHUFFLE = {tr.shuffle}  # a new seeded order of the rows each epoch",
        f"SEED = {tr.seed}  # training.seed: the order of the rows and the dropout masks",
    ]
    return out


def params_block(p: Plan, names: list[tuple[int, str, str]]) -> list[str]:
    """The starting weights: W1, B1, … written in, or read from the file (drawn as the engine
    draws those it does not give). `names`: (layer index k, weights name, bias name)."""
    params = init_params(p.net.spec)
    out = ["", "", "# ---- the starting weights and biases of layers 1..L ----"]
    if not p.read_params:
        for k, wn, bn in names:
            W, b = params[k]
            if p.net.model.layers[k].kind == "batchnorm":
                out += _norm_written(p, k, wn, bn, W, b)
                continue
            out += assign(wn, W, f"w[{k + 1}]: {' × '.join(map(str, W.shape))}")
            out += assign(bn, b, f"b[{k + 1}]")
        return out
    init = p.net.spec.init
    out += [
        "",
        "",
        "def starting_parameters(layer, shape, fan_in, fan_out, rng):",
        '    """A layer\'s (weights, bias) from NETWORK_FILE; weights it does not give are drawn',
        f'    as the engine draws them ({init.scheme}, seed {init.seed}), biases start at 0."""',
        f"    w = {DRAW[init.scheme]}",
        '    if "weights" in layer:',
        '        w = np.array(layer["weights"], dtype=np.float64)',
        '    b = np.array(layer["bias"], dtype=np.float64) if "bias" in layer else np.zeros(shape[0])',
        "    return w, b",
        "",
        "",
        f"RNG = np.random.default_rng({init.seed})  # drawn layer by layer, as the engine does",
    ]
    for k, wn, bn in names:
        d = p.net.model.layers[k]
        if d.kind == "batchnorm":  # nothing drawn: γ = 1, β = 0 unless given
            out += _norm_read(k, wn, bn, d.in_shape[0])
            continue
        shape = d.param_shapes()[0]
        taps = d.kernel[0] * d.kernel[1] if d.kind == "conv" else 1
        args = f"{shape}, {shape[1] * taps}, {shape[0] * taps}, RNG"
        out.append(f'{wn}, {bn} = starting_parameters(NETWORK["layers"][{k + 1}], {args})')
    return out


def _norm_written(p: Plan, k: int, wn: str, bn: str, W, b) -> list[str]:
    """A batch norm's γ, β and running statistics (the file's; mean 0 and variance 1 if none)."""
    o, l = p.net.model.layers[k].options, k + 1
    return [
        *assign(wn, W, f"γ[{l}]: the batch norm's scale"),
        *assign(bn, b, f"β[{l}]: its shift"),
        *assign(f"MEAN{l}", o.running_mean, f"the running mean of layer {l}"),
        *assign(f"VAR{l}", o.running_var, f"the running variance of layer {l}"),
    ]


def _norm_read(k: int, wn: str, bn: str, c: int) -> list[str]:
    layer = f'NETWORK["layers"][{k + 1}]'
    return [
        f'{wn} = np.array({layer}.get("gamma", [1.0] * {c}), dtype=np.float64)  # γ[{k + 1}]',
        f'{bn} = np.array({layer}.get("beta", [0.0] * {c}), dtype=np.float64)  # β[{k + 1}]',
        f'MEAN{k + 1} = np.array({layer}.get("running_mean", [0.0] * {c}), dtype=np.float64)',
        f'VAR{k + 1} = np.array({layer}.get("running_var", [1.0] * {c}), dtype=np.float64)',
    ]


def norm_layers(net: Network) -> list[int]:
    """The indices k of the batch-norm layers."""
    return [k for k, d in enumerate(net.model.layers) if d.kind == "batchnorm"]


BATCH = '''

def batch(t):
    """The rows of the step after t steps, picked as the engine picks them."""
    n = len(INPUTS)
    per_epoch = -(-n // BATCH_SIZE)  # ⌈n / B⌉ steps make an epoch
    epoch, i = divmod(t, per_epoch)
    order = np.random.default_rng([SEED, epoch]).permutation(n) if SHUFFLE else np.arange(n)
    rows = order[i * BATCH_SIZE : (i + 1) * BATCH_SIZE]
    return INPUTS[rows], TARGETS[rows]
'''

MAIN = """

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1, help="training steps (default 1)")
    steps = parser.parse_args().steps
    if steps < 1:
        parser.error("--steps must be at least 1")
    losses, parameters = train(steps)
    try:
        print(json.dumps({"losses": losses, "parameters": parameters}), flush=True)
    except BrokenPipeError:  # the reader stopped early (| head): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


if __name__ == "__main__":
    main()
"""


def imports(p: Plan, extra_std: tuple[str, ...], third: list[str]) -> list[str]:
    std = ["import argparse", "import json"]
    if p.read_params:
        std.append("import math")
    std += ["import os", "import sys", *extra_std]  # os, sys: a reader that stops early
    if p.reads_file:
        std.append("from pathlib import Path")
    return [*std, "", *third]


def dropout_of(net: Network) -> list[tuple[int, float]]:
    """(layer index k, p) of every layer with dropout."""
    return [(k, p) for k, p in enumerate(net.model.dropout) if p > 0]


def image_shape(net: Network) -> tuple[int, ...] | None:
    shape = net.model.in_shape
    return shape if len(shape) == 3 else None


def join_sections(*sections: str) -> str:
    """Top-level sections two blank lines apart, as ruff format writes them."""
    return "\n\n\n".join(s.strip("\n") for s in sections if s.strip()) + "\n"
