"""A network built from a network file, and its training step as a pure function of the state.

`Network.step(state)` returns a StepResult holding the state before and after and the trace, and
changes nothing: stepping back is picking an earlier StepResult, never undoing anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import core
from .core import Model, OptState, Params
from .csv_data import load_csv
from .datasets import Dataset, make_dataset
from .layer_def import LayerDef
from .limits import MAX_CELLS, MAX_COLUMNS, MAX_ROWS
from .optimizers import get_optimizer
from .spec import NetworkFileError, NetworkSpec, load_network_file
from .trace import Trace, build_trace


@dataclass(frozen=True)
class TrainState:
    params: Params  # (W, b) per layer 1..L
    opt_state: OptState  # optimizer state per layer
    t: int = 0  # training steps done so far
    stats: tuple = ()  # per layer: a batch norm's running statistics (batchnorm.Stats), else None


@dataclass(frozen=True)
class StepResult:
    t: int  # this step's number, 1-based
    rows: tuple[int, ...]  # the data rows this step used
    mode: str  # "full batch", "mini-batch of B", "single sample"
    before: TrainState
    after: TrainState
    loss: float  # the batch loss before the update (with the regularization term)
    grads: tuple[tuple[np.ndarray, np.ndarray], ...]  # (∂L/∂W, ∂L/∂b) per layer
    events: Trace  # a Sequence of Event, each built when first read; empty with trace=False


def _initial_weights(rng, scheme: str, shape, fan_in: int, fan_out: int) -> np.ndarray:
    if scheme == "zeros":
        return np.zeros(shape)
    if scheme == "uniform":  # U(−1/√fan_in, 1/√fan_in), torch.nn.Linear's default range
        return rng.uniform(-1, 1, shape) / math.sqrt(fan_in)
    if scheme == "normal":  # N(0, 1/fan_in)
        return rng.normal(0, 1 / math.sqrt(fan_in), shape)
    if scheme == "xavier_uniform":
        return rng.uniform(-1, 1, shape) * math.sqrt(6 / (fan_in + fan_out))
    if scheme == "xavier_normal":
        return rng.normal(0, math.sqrt(2 / (fan_in + fan_out)), shape)
    if scheme == "he_uniform":
        return rng.uniform(-1, 1, shape) * math.sqrt(6 / fan_in)
    return rng.normal(0, math.sqrt(2 / fan_in), shape)  # he_normal


def init_params(spec: NetworkSpec, dtype=np.float64) -> Params:
    """Initial weights: explicit values from the file win, the rest come from `spec.init`.

    The generator is always drawn for every layer with weights, so giving one layer's weights
    explicitly does not change the others. Biases start at 0 unless given. A conv filter's fans
    are C·kh·kw and K·kh·kw (as torch counts them); pooling and flatten have empty parameters.
    """
    rng = np.random.default_rng(spec.init.seed)
    out = []
    for d, lay in zip(layer_defs(spec), spec.layers[1:], strict=True):
        w_shape, b_shape = d.param_shapes()
        if d.kind == "batchnorm":  # γ = 1, β = 0 unless given
            g = np.array(lay.weights) if lay.weights is not None else np.ones(w_shape)
            b = np.array(lay.bias) if lay.bias is not None else np.zeros(b_shape)
            out.append((g.astype(dtype), b.astype(dtype)))
            continue
        if not d.type.has_weights:
            out.append((np.zeros(0, dtype), np.zeros(0, dtype)))
            continue
        taps = d.kernel[0] * d.kernel[1] if d.type.has_filters else 1
        fan_in, fan_out = w_shape[1] * taps, w_shape[0] * taps
        W = _initial_weights(rng, spec.init.scheme, w_shape, fan_in, fan_out)
        if lay.weights is not None:
            W = np.array(lay.weights, dtype=np.float64)
        b = np.array(lay.bias, dtype=np.float64) if lay.bias is not None else np.zeros(b_shape)
        out.append((W.astype(dtype), b.astype(dtype)))
    return tuple(out)


def layer_defs(spec: NetworkSpec) -> tuple[LayerDef, ...]:
    """The shape of every layer 1..L, from the spec."""
    return tuple(
        LayerDef(
            lay.kind,
            prev.shape,
            lay.shape,
            lay.kernel,
            lay.stride,
            lay.padding,
            lay.symbols,
            lay.options,
        )  # fmt: skip
        for prev, lay in zip(spec.layers[:-1], spec.layers[1:], strict=True)
    )


def resolve_data(spec: NetworkSpec) -> Dataset | None:
    d = spec.data
    if d is None:
        return None
    if d.inputs is not None:
        x, y = np.array(d.inputs, dtype=np.float64), np.array(d.targets, dtype=np.float64)
        task = "classification" if np.all((y == 0) | (y == 1)) else "regression"
        return Dataset(spec.name or "data", x, y, task)
    if d.dataset is not None:
        return make_dataset(d.dataset, **d.options)
    return load_csv(d.csv, d.target_columns)


def model_from_spec(spec: NetworkSpec) -> Model:
    lays = spec.layers[1:]
    return Model(
        sizes=tuple(lay.units for lay in spec.layers),
        activations=tuple(lay.activation for lay in lays),
        loss=spec.loss,
        optimizer=spec.optimizer,
        l1=spec.regularization.l1,
        l2=spec.regularization.l2,
        dropout=tuple(lay.dropout for lay in lays),
        frozen=tuple(lay.frozen for lay in lays),
        layers=layer_defs(spec),
        in_shape=spec.layers[0].shape,
        in_symbols=spec.layers[0].symbols,
    )


class Network:
    """A spec, its data and its maths. Immutable: training states are values passed in and out."""

    def __init__(self, spec: NetworkSpec, data: Dataset | None = None, dtype=np.float64):
        self.spec = spec
        self.model = model_from_spec(spec)
        self.dtype = dtype
        self.data = data if data is not None else resolve_data(spec)
        self._orders: dict[int, np.ndarray] = {}
        if self.data is not None:
            self._check_data(self.data)
            for k, d in enumerate(self.model.layers):  # a layer type's own check of the batches
                check = getattr(d.type.module, "check_batches", None)
                if check is not None:
                    check(
                        d, k, self.batch_sizes(math.ceil(len(self.data.inputs) / self.batch_size()))
                    )

    @classmethod
    def from_file(cls, path: str | Path) -> Network:
        return cls(load_network_file(path))

    def _check_data(self, d: Dataset) -> None:
        n, cols = d.inputs.shape[0], d.inputs.shape[1] + d.targets.shape[1]
        if n < 1 or n > MAX_ROWS or cols > MAX_COLUMNS or n * cols > MAX_CELLS:
            raise NetworkFileError(
                "data",
                f"{n:,} rows of {cols:,} columns; the limits are 1 to {MAX_ROWS:,} rows, "
                f"{MAX_COLUMNS:,} columns and {MAX_CELLS:,} values",
            )
        if len(d.targets) != n:
            raise NetworkFileError("data", f"{n} input rows but {len(d.targets)} target rows")
        if d.inputs.shape[1] != self.model.sizes[0]:
            raise NetworkFileError(
                "data",
                f"the data has {d.inputs.shape[1]} input columns but "
                f"the input layer has {self.model.sizes[0]} units",
            )
        if d.targets.shape[1] != self.model.sizes[-1]:
            raise NetworkFileError(
                "data",
                f"the data has {d.targets.shape[1]} target columns but "
                f"the output layer has {self.model.sizes[-1]} units",
            )
        if not (np.isfinite(d.inputs).all() and np.isfinite(d.targets).all()):
            raise NetworkFileError("data", "the data holds a value that is not a finite number")
        check_targets(self.spec.loss, d.targets)

    def with_data(self, data: Dataset) -> Network:
        return Network(self.spec, data, self.dtype)

    def with_spec(self, spec: NetworkSpec) -> Network:
        return Network(spec, self.data, self.dtype)

    # ---- states ----
    def initial_state(self) -> TrainState:
        params = init_params(self.spec, self.dtype)
        return TrainState(
            params, core.init_opt_state(self.model, params), 0, _first_stats(self.model)
        )

    def edit_parameter(self, state: TrainState, layer: int, part: str, index, value: float):
        """A copy of `state` with one weight (part "weights", index (j, i) or, in a conv layer,
        (f, c, i, j)) or bias changed."""
        params = [list(p) for p in state.params]
        arr = params[layer - 1][0 if part == "weights" else 1].copy()
        arr[index] = value
        params[layer - 1][0 if part == "weights" else 1] = arr
        return replace(state, params=tuple(tuple(p) for p in params))

    def step_bytes(self) -> int:
        """About how much memory one recorded StepResult holds (parameters, gradients, optimizer
        state and the forward and backward arrays its lazy trace reads)."""
        n_params = sum(d.n_params for d in self.model.layers)
        n_state = len(get_optimizer(self.spec.optimizer.name).state_names)
        n_units = sum(self.model.sizes)
        rows = self.batch_size() if self.data is not None else 1
        return 8 * ((2 + n_state) * n_params + 6 * rows * n_units)

    # ---- batches ----
    def batch_size(self) -> int:
        n = len(self.data.inputs)
        bs = self.spec.training.batch_size
        return n if bs is None else min(bs, n)

    def batch_sizes(self, steps: int) -> dict[int, int]:
        """{batch size: how many of the first `steps` steps have it}, as batch_rows gives them
        (each epoch's last batch holds what is left), without drawing any order."""
        n, bs = len(self.data.inputs), self.batch_size()
        per_epoch = math.ceil(n / bs)
        last = n - (per_epoch - 1) * bs
        short = steps // per_epoch if last < bs else 0  # t = per_epoch − 1, 2·per_epoch − 1, …
        return {k: v for k, v in ((bs, steps - short), (last, short)) if v}

    def batch_rows(self, t: int) -> np.ndarray:
        """The rows used by the step after `t` steps: a pure function of t and the seed."""
        n = len(self.data.inputs)
        bs = self.batch_size()
        per_epoch = math.ceil(n / bs)
        epoch, i = divmod(t, per_epoch)
        if self.spec.training.shuffle:
            if epoch not in self._orders:
                self._orders = {
                    epoch: np.random.default_rng([self.spec.training.seed, epoch]).permutation(n)
                }
            order = self._orders[epoch]
        else:
            order = np.arange(n)
        return order[i * bs : (i + 1) * bs]

    def mode(self) -> str:
        bs, n = self.batch_size(), len(self.data.inputs)
        return "full batch" if bs == n else "single sample" if bs == 1 else f"mini-batch of {bs}"

    # ---- the step ----
    def batch(
        self, state: TrainState, rows=None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
        """(rows, X, Y, dropout masks) of the step after `state`: a pure function of the state."""
        if self.data is None:
            raise ValueError("this network has no data to train on")
        rows = self.batch_rows(state.t) if rows is None else np.asarray(rows)
        X = self.data.inputs[rows].astype(self.dtype, copy=False)  # (n, in)
        Y = self.data.targets[rows].astype(self.dtype, copy=False)  # (n, out)
        masks = core.sample_masks(self.model, len(rows), self.spec.training.seed, state.t + 1)
        return rows, X, Y, masks

    def step(self, state: TrainState, trace: bool = True, rows=None) -> StepResult:
        """One training step from `state`. Overflow gives inf or NaN (see guard.check_step),
        never a warning: a diverging learning rate is a lesson, not an error."""
        with np.errstate(all="ignore"):
            return self._step(state, trace, rows)

    def _step(self, state: TrainState, trace: bool, rows) -> StepResult:
        m = self.model
        t = state.t + 1
        rows, X, Y, masks = self.batch(state, rows)
        fw = core.forward(m, state.params, X, masks)
        reg = core.regularization_loss(m, state.params)
        loss = core.data_loss(m, fw.A[-1], Y) + reg
        bw = core.backward(m, state.params, fw, Y)
        new_params, new_state = core.update(m, state.params, bw.grads, state.opt_state, t)
        after = TrainState(new_params, new_state, t, _next_stats(m, state.stats, fw))
        r = tuple(int(x) for x in rows)
        events = (
            build_trace(
                m, state.params, fw, bw, Y, r, t, reg, new_params, state.opt_state, new_state, t
            )
            if trace
            else Trace()
        )
        return StepResult(t, r, self.mode(), state, after, loss, tuple(bw.grads), events)

    def train(self, state: TrainState, steps: int) -> tuple[TrainState, list[float]]:
        """`steps` untraced steps; returns the final state and the loss before each step."""
        losses = []
        for _ in range(steps):
            r = self.step(state, trace=False)
            losses.append(r.loss)
            state = r.after
        return state, losses

    # ---- evaluation ----
    def predict(self, state: TrainState, X: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return core.forward(self.model, state.params, X.astype(self.dtype, copy=False)).A[-1]

    def loss(self, state: TrainState, X=None, Y=None) -> float:
        """Loss on the whole data (or X, Y), no dropout, with the regularization term."""
        X = self.data.inputs if X is None else X
        Y = self.data.targets if Y is None else Y
        out = self.predict(state, X)
        with np.errstate(all="ignore"):
            return core.data_loss(
                self.model, out, Y.astype(self.dtype, copy=False)
            ) + core.regularization_loss(self.model, state.params)

    def accuracy(self, state: TrainState, X=None, Y=None) -> float:
        X = self.data.inputs if X is None else X
        Y = self.data.targets if Y is None else Y
        out = self.predict(state, X)
        if out.shape[1] == 1:
            return float(np.mean((out[:, 0] >= 0.5) == (Y[:, 0] >= 0.5)))
        return float(np.mean(out.argmax(1) == Y.argmax(1)))


def params_as_layers(params: Params, stats: tuple = ()) -> list[dict]:
    """Parameters in the network file's layout: one {"weights", "bias"} per layer 1..L; a batch
    norm's (its entry in `stats` not None) is {"gamma", "beta", "running_mean", "running_var"}."""
    out = []
    for k, (W, b) in enumerate(params):
        st = stats[k] if k < len(stats) else None
        if st is None:
            out.append({"weights": W.tolist(), "bias": b.tolist()})
        else:
            out.append({"gamma": W.tolist(), "beta": b.tolist(),
                        "running_mean": st.mean.tolist(), "running_var": st.var.tolist()})  # fmt: skip
    return out


def _first_stats(model: Model) -> tuple:
    """The running statistics each batch norm starts from (the file's, or mean 0 and variance 1)."""
    from .batchnorm import Stats

    return tuple(
        Stats(np.array(d.options.running_mean), np.array(d.options.running_var))
        if d.kind == "batchnorm" else None
        for d in model.layers
    )  # fmt: skip


def _next_stats(model: Model, stats: tuple, fw: core.Forward) -> tuple:
    """The running statistics after a step: moved as torch moves them in training mode."""
    from . import batchnorm as bn

    if not stats:
        return stats
    out = []
    for k, (d, st) in enumerate(zip(model.layers, stats, strict=True)):
        if st is None or not d.options.train:
            out.append(st)
            continue
        x = fw.A[k]
        f = bn.norm_forward(x, np.ones(x.shape[1]), np.zeros(x.shape[1]), d.options.eps)
        out.append(bn.next_stats(st, f, bn.count(x), d.options.momentum))
    return tuple(out)


def check_targets(loss: str, Y: np.ndarray) -> None:
    """Targets must suit the loss: one-hot rows for cce, values in [0, 1] for bce."""
    if loss == "cce":
        ok = ((Y == 0) | (Y == 1)).all(axis=1) & (Y.sum(axis=1) == 1)
        if not ok.all():
            r = int(np.argmin(ok))
            raise NetworkFileError(
                "data.targets",
                f"cce needs one-hot target rows (a single 1, the rest 0); row {r + 1} is "
                f"{_row_text(Y[r])}",
            )
    elif loss == "bce":
        ok = ((Y >= 0) & (Y <= 1)).all(axis=1)
        if not ok.all():
            r = int(np.argmin(ok))
            raise NetworkFileError(
                "data.targets",
                f"bce needs targets between 0 and 1; row {r + 1} is {_row_text(Y[r])}",
            )


def _row_text(row: np.ndarray) -> str:
    vals = ", ".join(f"{v:g}" for v in row[:6])
    return f"[{vals}{', …' if len(row) > 6 else ''}]"
