"""The networks the exported scripts are checked on: together they use every activation, loss and
optimizer, L1, L2, dropout, frozen parameters, conv, max- and average-pooling, batch norm (after
dense and conv layers, training and evaluation mode) and shuffled mini-batches, and one network
whose weights and data are read from its file."""

from __future__ import annotations

import numpy as np

RNG = np.random.default_rng(7)


def _rows(n: int, d: int, scale: float = 1.0) -> list:
    return np.round(RNG.uniform(-1, 1, (n, d)) * scale, 3).tolist()


def _onehot(n: int, k: int) -> list:
    return np.eye(k)[RNG.integers(0, k, n)].tolist()


def _unit(n: int, k: int) -> list:
    return np.round(RNG.uniform(0.05, 0.95, (n, k)), 3).tolist()


def dense(acts, loss, opt, targets, sizes=(3, 4, 2), n=6, **extra) -> dict:
    layers = [{"units": sizes[0]}] + [
        {"units": u, "activation": a} for u, a in zip(sizes[1:], acts, strict=True)
    ]
    for k, lay in extra.pop("layer_extra", {}).items():
        layers[k].update(lay)
    net = {
        "layers": layers,
        "init": {"scheme": "xavier_uniform", "seed": 3},
        "loss": loss,
        "optimizer": opt,
        "data": {"inputs": _rows(n, sizes[0]), "targets": targets(n, sizes[-1])},
    }
    net.update(extra)
    return net


def image(layers, loss, opt, targets, shape=(1, 6, 6), n=4, k=2, **extra) -> dict:
    c, h, w = shape
    net = {
        "layers": [{"shape": list(shape)}, *layers, {"units": k, "activation": extra.pop("out")}],
        "init": {"scheme": "he_uniform", "seed": 1},
        "loss": loss,
        "optimizer": opt,
        "data": {"inputs": _rows(n, c * h * w), "targets": targets(n, k)},
    }
    net.update(extra)
    return net


def networks() -> dict[str, dict]:
    shuffled = {"batch_size": 3, "shuffle": True, "seed": 5}
    return {
        "sigmoid_tanh_mse_sgd": dense(("sigmoid", "tanh"), "mse", {"name": "sgd", "lr": 0.3}, _rows),
        "relu_softmax_cce_adam_l2": dense(
            ("relu", "softmax"), "cce", {"name": "adam", "lr": 0.05}, _onehot,
            regularization={"l2": 0.01},
        ),
        "leaky_bce_momentum_l1_dropout_shuffled": dense(
            ("leaky_relu", "sigmoid"), "bce", {"name": "momentum", "lr": 0.1}, _unit,
            sizes=(3, 5, 2), n=7, regularization={"l1": 0.02}, training=shuffled,
            layer_extra={1: {"dropout": 0.3}},
        ),
        "elu_linear_halfsse_nesterov_frozen": dense(
            ("elu", "linear"), "half_sse", {"name": "nesterov", "lr": 0.05}, _rows,
            layer_extra={1: {"frozen": ["weights"]}, 2: {"frozen": ["bias"]}},
        ),
        "square_mae_adagrad": dense(("square", "linear"), "mae", {"name": "adagrad", "lr": 0.1}, _rows),
        "step_rmsprop": dense(("step", "sigmoid"), "mse", {"name": "rmsprop", "lr": 0.01}, _unit),
        "softmax_mse_nadam_l1_l2_dropout": dense(
            ("tanh", "softmax"), "mse", {"name": "nadam", "lr": 0.02}, _onehot,
            regularization={"l1": 0.01, "l2": 0.02}, layer_extra={1: {"dropout": 0.5}},
            training={"seed": 2},
        ),
        "sigmoid_cce_adadelta": dense(("tanh", "sigmoid"), "cce", {"name": "adadelta", "lr": 1.0}, _onehot),
        "softmax_bce_sgd": dense(("relu", "softmax"), "bce", {"name": "sgd", "lr": 0.5}, _unit),
        "conv_maxpool_cce_adam_shuffled": image(
            [{"type": "conv", "filters": 2, "kernel": 3, "activation": "relu"},
             {"type": "maxpool", "size": 2, "stride": 2}, {"type": "flatten"}],
            "cce", {"name": "adam", "lr": 0.01}, _onehot, n=5, out="softmax",
            training={"batch_size": 2, "shuffle": True, "seed": 9},
        ),
        "conv_pad_stride_avgpool_bce_frozen": image(
            [{"type": "conv", "filters": 3, "kernel": [3, 2], "stride": 2, "padding": 1,
              "activation": "tanh", "frozen": ["bias"]},
             {"type": "avgpool", "size": 2, "stride": 1}, {"type": "flatten"}],
            "bce", {"name": "momentum", "lr": 0.1}, _unit, shape=(2, 5, 6), out="sigmoid",
            regularization={"l2": 0.01},
        ),
        "maxpool_first_l1": image(
            [{"type": "maxpool", "size": 2, "stride": 2}, {"type": "flatten"}],
            "mse", {"name": "sgd", "lr": 0.2}, _rows, shape=(1, 4, 4), out="tanh",
            regularization={"l1": 0.01},
        ),
    }  # fmt: skip


def _bn(act: str, c: int, **extra) -> dict:
    """A batch-norm layer over c units or channels, γ, β and running statistics given."""
    return {"type": "batchnorm", "activation": act, "gamma": _rows(1, c, 2)[0],
            "beta": _rows(1, c)[0], "running_mean": _rows(1, c)[0],
            "running_var": np.round(RNG.uniform(0.5, 2, c), 3).tolist(), **extra}  # fmt: skip


def batchnorm_networks() -> dict[str, dict]:
    """Batch norm after dense and conv layers, in training and evaluation mode."""
    shuffled = {"batch_size": 3, "shuffle": True, "seed": 4}
    dense_train = dense(("linear", "softmax"), "cce", {"name": "adam", "lr": 0.05}, _onehot,
                        sizes=(3, 4, 2), n=6, regularization={"l2": 0.01}, training=shuffled,
                        layer_extra={1: {"dropout": 0.25}})  # fmt: skip
    dense_train["layers"].insert(2, _bn("relu", 4, momentum=0.3, eps=1e-3))
    dense_eval = dense(("tanh", "linear"), "mse", {"name": "momentum", "lr": 0.1}, _rows,
                       sizes=(3, 5, 2), n=5, regularization={"l1": 0.02})  # fmt: skip
    dense_eval["layers"].insert(2, _bn("sigmoid", 5, mode="eval", frozen=["gamma"]))
    dense_default = dense(("relu", "sigmoid"), "bce", {"name": "sgd", "lr": 0.5}, _unit,
                          sizes=(2, 3, 1), n=4)  # fmt: skip
    dense_default["layers"].insert(2, {"type": "batchnorm", "activation": "elu"})
    return {
        "bn_dense_train_adam_l2_dropout_shuffled": dense_train,
        "bn_dense_eval_frozen_momentum_l1": dense_eval,
        "bn_dense_defaults_bce_sgd": dense_default,
        # a bias just before a batch norm in training mode has ∂L/∂b = 0 exactly, so torch's and
        # the engine's rounding noise (1e-17) is its gradient: Adam-like optimizers (÷ √v̂ + ε)
        # magnify it to ~1e-9, and this net trains with Adadelta, which does not
        "bn_conv_train_maxpool_cce_adadelta": image(
            [{"type": "conv", "filters": 2, "kernel": 3, "activation": "linear"},
             _bn("relu", 2, momentum=0.5),
             {"type": "maxpool", "size": 2, "stride": 2}, {"type": "flatten"}],
            "cce", {"name": "adadelta", "lr": 1.0}, _onehot, n=5, out="softmax",
            training={"batch_size": 2, "shuffle": True, "seed": 3},
        ),
        "bn_conv_eval_avgpool_bce_rmsprop_frozen": image(
            [{"type": "conv", "filters": 3, "kernel": 2, "stride": 2, "padding": 1,
              "activation": "tanh"},
             _bn("leaky_relu", 3, mode="eval", frozen=["beta"], eps=0.01),
             {"type": "avgpool", "size": 2, "stride": 1}, {"type": "flatten"}],
            "bce", {"name": "rmsprop", "lr": 0.01}, _unit, shape=(2, 5, 6), out="sigmoid",
            regularization={"l2": 0.02, "l1": 0.01}, training={"batch_size": 1},
        ),
    }  # fmt: skip


def large() -> dict:
    """Over 10,000 parameters (none given: drawn from the seed) and over 10,000 data values."""
    n = 1700
    return {
        "layers": [
            {"units": 5},
            {"units": 2000, "activation": "tanh"},
            {"units": 1, "activation": "sigmoid", "bias": [0.1]},
        ],
        "init": {"scheme": "he_normal", "seed": 4},
        "loss": "bce",
        "optimizer": {"name": "adam", "lr": 0.01},
        "training": {"batch_size": 500, "shuffle": True},
        "data": {"inputs": _rows(n, 5), "targets": [int(v) for v in RNG.integers(0, 2, n)]},
    }
