"""Every activation, loss, optimizer and regularizer of the NumPy engine against torch, float64."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.numpy_engine import Network, core, parse_network
from engine.numpy_engine.optimizers import OPTIMIZERS

TORCH_ACT = {
    "step": lambda z: z * 0 + (z >= 0).double(),  # zero gradient, like the engine's
    "linear": lambda z: z,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
    "elu": F.elu,
    "square": lambda z: z * z,
    "softmax": lambda z: torch.softmax(z, dim=1),
}


def torch_loss(name, a, y):
    n, k = a.shape
    return {
        "mse": lambda: ((a - y) ** 2).mean(),
        "half_sse": lambda: 0.5 * ((y - a) ** 2).sum() / n,
        "mae": lambda: (a - y).abs().mean(),
        "bce": lambda: F.binary_cross_entropy(a, y),
        "cce": lambda: -(y * torch.log(a)).sum() / n,
    }[name]()


def make_net(acts, loss, seed, sizes=None, optimizer=None, reg=None, dropout=None, n=5):
    rng = np.random.default_rng(seed)
    sizes = sizes or [3, 4, 3, 2][: len(acts) + 1]
    layers = [{"units": sizes[0]}]
    for k, a in enumerate(acts):
        layer = {"units": sizes[k + 1], "activation": a}
        if dropout and k < len(acts) - 1:
            layer["dropout"] = dropout
        layers.append(layer)
    x = rng.normal(size=(n, sizes[0]))
    if loss == "cce":
        y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    elif loss == "bce":
        y = rng.integers(0, 2, (n, sizes[-1])).astype(float)
    else:
        y = rng.normal(size=(n, sizes[-1]))
    spec = parse_network(
        {
            "layers": layers,
            "init": {"scheme": "xavier_normal", "seed": seed},
            "loss": loss,
            "optimizer": optimizer or {"name": "sgd", "lr": 0.1},
            "regularization": reg or {},
            "training": {"seed": seed},
            "data": {"inputs": x.tolist(), "targets": y.tolist()},
        }
    )
    return Network(spec)


def torch_forward(net, params, x, masks):
    a = x
    for k, (W, b) in enumerate(params):
        z = a @ W.T + b
        g = TORCH_ACT[net.model.activations[k]](z)
        if masks[k] is not None:
            g = g * torch.from_numpy(masks[k]) / (1 - net.model.drop(k))
        a = g
    return a


def torch_grads(net, state, rows=None):
    rows = net.batch_rows(state.t) if rows is None else rows
    x = torch.from_numpy(net.data.inputs[rows])
    y = torch.from_numpy(net.data.targets[rows])
    params = [
        (torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
        for W, b in state.params
    ]
    masks = core.sample_masks(net.model, len(rows), net.spec.training.seed, state.t + 1)
    out = torch_forward(net, params, x, masks)
    loss = torch_loss(net.model.loss, out, y)
    m = net.model
    for W, _ in params:
        if m.l2:
            loss = loss + 0.5 * m.l2 * (W * W).sum()
        if m.l1:
            loss = loss + m.l1 * W.abs().sum()
    loss.backward()
    return float(loss.detach()), [(W.grad.numpy(), b.grad.numpy()) for W, b in params]


HIDDEN = ["step", "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "square"]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("act", HIDDEN)
def test_activation_gradients_match_torch(act, seed):
    net = make_net([act, act, "linear"], "mse", seed)
    st = net.initial_state()
    r = net.step(st, trace=False)
    tl, tg = torch_grads(net, st)
    assert r.loss == pytest.approx(tl, abs=1e-12)
    for (gw, gb), (tw, tb) in zip(r.grads, tg, strict=True):
        np.testing.assert_allclose(gw, tw, atol=1e-9, rtol=0)
        np.testing.assert_allclose(gb, tb, atol=1e-9, rtol=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "loss,out",
    [
        ("mse", "linear"),
        ("half_sse", "tanh"),
        ("mae", "linear"),
        ("bce", "sigmoid"),
        ("cce", "softmax"),
        ("mse", "softmax"),
        ("cce", "sigmoid"),
        ("bce", "softmax"),
    ],
)
def test_loss_gradients_match_torch(loss, out, seed):
    net = make_net(["tanh", "elu", out], loss, seed)
    st = net.initial_state()
    r = net.step(st, trace=False)
    tl, tg = torch_grads(net, st)
    assert r.loss == pytest.approx(tl, abs=1e-12)
    for (gw, gb), (tw, tb) in zip(r.grads, tg, strict=True):
        np.testing.assert_allclose(gw, tw, atol=1e-9, rtol=0)
        np.testing.assert_allclose(gb, tb, atol=1e-9, rtol=0)


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("reg", [{"l2": 0.1}, {"l1": 0.05}, {"l1": 0.02, "l2": 0.3}])
def test_regularizers_match_torch(reg, seed):
    net = make_net(["relu", "sigmoid", "linear"], "mse", seed, reg=reg)
    st = net.initial_state()
    r = net.step(st, trace=False)
    tl, tg = torch_grads(net, st)
    assert r.loss == pytest.approx(tl, abs=1e-12)
    for (gw, gb), (tw, tb) in zip(r.grads, tg, strict=True):
        np.testing.assert_allclose(gw, tw, atol=1e-9, rtol=0)
        np.testing.assert_allclose(gb, tb, atol=1e-9, rtol=0)


@pytest.mark.parametrize("seed", [0, 1])
def test_dropout_uses_the_traced_mask_and_matches_torch(seed):
    net = make_net(["tanh", "relu", "linear"], "mse", seed, dropout=0.5, n=8)
    st = net.initial_state()
    r = net.step(st)
    tl, tg = torch_grads(net, st)
    for (gw, _), (tw, _) in zip(r.grads, tg, strict=True):
        np.testing.assert_allclose(gw, tw, atol=1e-9, rtol=0)
    masks = [e for e in r.events if "mask" in e.detail]
    assert masks and {e.detail["mask"] for e in masks} == {0, 1}


TORCH_OPT = {
    "sgd": lambda p, c: torch.optim.SGD(p, lr=c["lr"]),
    "momentum": lambda p, c: torch.optim.SGD(p, lr=c["lr"], momentum=c["momentum"]),
    "nesterov": lambda p, c: torch.optim.SGD(p, lr=c["lr"], momentum=c["momentum"], nesterov=True),
    "adagrad": lambda p, c: torch.optim.Adagrad(p, lr=c["lr"], eps=1e-10),
    "rmsprop": lambda p, c: torch.optim.RMSprop(p, lr=c["lr"], alpha=c["rho"], eps=1e-8),
    "adam": lambda p, c: torch.optim.Adam(p, lr=c["lr"], betas=(c["beta1"], c["beta2"])),
    "nadam": lambda p, c: torch.optim.NAdam(
        p, lr=c["lr"], betas=(c["beta1"], c["beta2"]), momentum_decay=c["momentum_decay"]
    ),
    "adadelta": lambda p, c: torch.optim.Adadelta(p, lr=c["lr"], rho=c["rho"], eps=1e-6),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", list(TORCH_OPT))
def test_optimizers_match_torch_optim(name, seed):
    cfg = {
        "name": name,
        "lr": 0.05,
        "momentum": 0.8,
        "beta1": 0.85,
        "beta2": 0.99,
        "rho": 0.9,
        "momentum_decay": 0.004,
    }
    if name == "adadelta":
        cfg["lr"] = 1.0
    used = {k: v for k, v in cfg.items() if k == "name" or k in OPTIMIZERS[name].hyper}
    net = make_net(["tanh", "sigmoid", "linear"], "mse", seed, optimizer=used, reg={"l2": 0.01})
    st = net.initial_state()
    params = [
        p
        for W, b in st.params
        for p in (torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
    ]
    opt = TORCH_OPT[name](params, cfg)
    x = torch.from_numpy(net.data.inputs)
    y = torch.from_numpy(net.data.targets)
    for _ in range(6):
        st = net.step(st, trace=False).after
        opt.zero_grad()
        pairs = list(zip(params[::2], params[1::2], strict=True))
        loss = torch_loss("mse", torch_forward(net, pairs, x, [None] * 3), y)
        loss = loss + 0.5 * 0.01 * sum((W * W).sum() for W, _ in pairs)
        loss.backward()
        opt.step()
    for k, (W, b) in enumerate(st.params):
        np.testing.assert_allclose(W, params[2 * k].detach().numpy(), atol=1e-9, rtol=0)
        np.testing.assert_allclose(b, params[2 * k + 1].detach().numpy(), atol=1e-9, rtol=0)


def test_frozen_parameters_get_gradients_but_never_move():
    net = make_net(["tanh", "tanh", "linear"], "mse", 0, optimizer={"name": "adam", "lr": 0.1})
    spec = net.spec
    layers = list(spec.layers)
    from dataclasses import replace

    layers[1] = replace(layers[1], frozen=frozenset({"weights"}))
    layers[2] = replace(layers[2], frozen=frozenset({"bias"}))
    net = net.with_spec(replace(spec, layers=tuple(layers)))
    st0 = net.initial_state()
    st, _ = net.train(st0, 5)
    np.testing.assert_array_equal(st.params[0][0], st0.params[0][0])
    np.testing.assert_array_equal(st.params[1][1], st0.params[1][1])
    assert not np.allclose(st.params[0][1], st0.params[0][1])
    r = net.step(st)
    assert np.abs(r.grads[0][0]).sum() > 0  # shown, not applied
    frozen_updates = [e for e in r.events if e.phase == "update" and e.note == "frozen"]
    assert len(frozen_updates) == 4 * 3 + 3
