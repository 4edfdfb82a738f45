"""A network with a batch norm, stepped by the NumPy engine, against the same net in torch (float64):
losses, every parameter after each step, the running statistics, and every event's value as the
trace reads it from the step's arrays."""

import copy
import json

import numpy as np
import pytest
import torch

from engine.numpy_engine import Network, parse_network
from engine.numpy_engine.network import params_as_layers

X = [[0.1, 0.9], [0.8, 0.2], [0.4, 0.5], [0.9, 0.7]]
Y = [[1, 0], [0, 1], [1, 0], [0, 1]]


def _spec(opt: dict, bn: dict):
    return {
        "layers": [
            {"units": 2},
            {"units": 3, "weights": [[0.3, -0.5], [0.8, 0.1], [-0.4, 0.6]], "bias": [0.1, 0, -0.2]},
            {"type": "batchnorm", "activation": "relu", **bn},
            {"units": 2, "activation": "softmax", "weights": [[0.5, -0.3, 0.2], [-0.6, 0.4, 0.1]]},
        ],
        "loss": "cce", "optimizer": opt, "data": {"inputs": X, "targets": Y},
    }  # fmt: skip


def _torch(obj, steps):
    lay = obj["layers"]
    l1, l3 = torch.nn.Linear(2, 3).double(), torch.nn.Linear(3, 2).double()
    bnl = torch.nn.BatchNorm1d(3, eps=lay[2].get("eps", 1e-5), momentum=lay[2].get("momentum", 0.1))
    bnl = bnl.double()
    with torch.no_grad():
        l1.weight.copy_(torch.tensor(lay[1]["weights"], dtype=torch.float64))
        l1.bias.copy_(torch.tensor(lay[1]["bias"], dtype=torch.float64))
        l3.weight.copy_(torch.tensor(lay[3]["weights"], dtype=torch.float64))
        l3.bias.zero_()
        bnl.weight.copy_(torch.tensor(lay[2].get("gamma", [1.0] * 3), dtype=torch.float64))
        bnl.bias.copy_(torch.tensor(lay[2].get("beta", [0.0] * 3), dtype=torch.float64))
    net = torch.nn.Sequential(l1, bnl, torch.nn.ReLU(), l3)
    o = obj["optimizer"]
    opt = (torch.optim.SGD(net.parameters(), lr=o["lr"]) if o["name"] == "sgd"
           else torch.optim.Adam(net.parameters(), lr=o["lr"]))  # fmt: skip
    x, y = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64).argmax(1)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return net, losses


@pytest.mark.parametrize("opt", [{"name": "sgd", "lr": 0.5}, {"name": "adam", "lr": 0.05}])
def test_steps_equal_torch(opt):
    obj = _spec(opt, {"momentum": 0.2, "gamma": [1.0, 0.5, 2.0], "beta": [0.1, -0.1, 0.0]})
    net = Network(parse_network(copy.deepcopy(obj)))
    state, losses = net.initial_state(), []
    for _ in range(3):
        r = net.step(state, trace=False)
        losses.append(r.loss)
        state = r.after
    tnet, tlosses = _torch(obj, 3)
    np.testing.assert_allclose(losses, tlosses, rtol=1e-10)
    p = params_as_layers(state.params, state.stats)
    bnl = tnet[1]
    np.testing.assert_allclose(p[1]["gamma"], bnl.weight.detach().numpy(), rtol=1e-8)
    np.testing.assert_allclose(p[1]["beta"], bnl.bias.detach().numpy(), rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(p[1]["running_mean"], bnl.running_mean.numpy(), rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(p[1]["running_var"], bnl.running_var.numpy(), rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(p[0]["weights"], tnet[0].weight.detach().numpy(), rtol=1e-8)
    assert set(p[1]) == {"gamma", "beta", "running_mean", "running_var"}


def test_eval_mode_uses_the_running_statistics_and_keeps_them():
    bn = {"mode": "eval", "running_mean": [0.1, 0.2, -0.1], "running_var": [0.5, 2.0, 1.5]}
    obj = _spec({"name": "sgd", "lr": 0.5}, bn)
    net = Network(parse_network(copy.deepcopy(obj)))
    r = net.step(net.initial_state(), trace=False)
    tnet, tlosses = _torch(obj, 0)
    tbn = tnet[1]
    with torch.no_grad():
        tbn.running_mean.copy_(torch.tensor(bn["running_mean"], dtype=torch.float64))
        tbn.running_var.copy_(torch.tensor(bn["running_var"], dtype=torch.float64))
    tnet.eval()
    x, y = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64).argmax(1)
    loss = torch.nn.functional.cross_entropy(tnet(x), y)
    loss.backward()
    assert r.loss == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(r.grads[1][0], tbn.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(r.grads[0][0], tnet[0].weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_array_equal(r.after.stats[1].mean, bn["running_mean"])


def test_every_event_value_is_read_from_the_arrays_and_in_order():
    net = Network.from_file("assets/presets/batchnorm_relu.json")
    r = net.step(net.initial_state())
    lay, kinds = r.events.layout, []
    for i, e in enumerate(r.events):
        a = lay.address(i)
        if a.kind not in ("loss_term", "loss"):  # Trace.value reads the layers' events
            assert r.events.value(*a) == pytest.approx(e.value, rel=1e-12, abs=1e-15), e.symbol
        kinds.append((e.phase, a.kind, a.layer, a.sample))
    first = [k for k in kinds if k[0] == "forward"]
    mean_at = first.index(("forward", "bn_mean", 2, None))
    assert all(k[2] == 1 for k in first[:mean_at])  # every sample's layer 1 comes first
    assert first[mean_at + 3 : mean_at + 6] == [("forward", "bn_var", 2, None)] * 3
    for kind in ("xhat", "dxhat", "bn_dvar", "bn_dmean", "grad_w", "grad_b"):
        assert any(k[1] == kind for k in kinds), kind
    assert json.dumps([e.to_dict() for e in r.events], allow_nan=False)


def test_a_conv_nets_batch_norm_per_channel_equals_torch():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3, 16)).round(3).tolist()
    W1 = rng.normal(size=(2, 1, 3, 3)).round(3)
    W2 = rng.normal(size=(2, 8)).round(3)
    bn = {"type": "batchnorm", "activation": "tanh", "gamma": [1.5, 0.5], "beta": [0.2, -0.1]}
    r = _conv_net_step(4, [bn], W1, W2, X)
    conv, bnl, lin = _torch_layers(W1, W2, [1.5, 0.5], [0.2, -0.1])
    tnet = torch.nn.Sequential(conv, bnl, torch.nn.Tanh(), torch.nn.Flatten(), lin)
    x = torch.tensor(X, dtype=torch.float64).reshape(3, 1, 4, 4)
    loss = torch.nn.functional.cross_entropy(tnet(x), torch.tensor([0, 1, 0]))
    loss.backward()
    assert r.loss == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(r.grads[1][0], bnl.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(r.grads[1][1], bnl.bias.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(r.grads[0][0], conv.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(r.after.stats[1].mean, bnl.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(r.after.stats[1].var, bnl.running_var.numpy(), rtol=1e-12)
    lay = _every_event_read_from_the_arrays(r)
    assert lay.units("bn_mean", 2) == 2 and lay.units("xhat", 2) == 8


def _conv_net_step(side: int, middle: list[dict], W1, W2, X):
    """One SGD step (lr 0.1, cce) of an input side x side, a conv of W1 (2 filters, 3x3), the
    `middle` layers, flatten and a softmax of W2 (2 units), on X with targets 0, 1, 0."""
    obj = {
        "layers": [
            {"shape": [1, side, side]},
            {"type": "conv", "filters": 2, "kernel": 3, "weights": W1.tolist()},
            *middle,
            {"type": "flatten"},
            {"units": 2, "activation": "softmax", "weights": W2.tolist()},
        ],
        "loss": "cce", "optimizer": {"name": "sgd", "lr": 0.1},
        "data": {"inputs": X, "targets": [[1, 0], [0, 1], [1, 0]]},
    }  # fmt: skip
    net = Network(parse_network(copy.deepcopy(obj)))
    return net.step(net.initial_state())


def _torch_layers(W1, W2, gamma, beta):
    """float64 torch conv (2 filters of 3x3, zero bias), batch norm (γ, β) and dense (8 -> 2)."""
    conv, lin = torch.nn.Conv2d(1, 2, 3).double(), torch.nn.Linear(8, 2).double()
    bnl = torch.nn.BatchNorm2d(2).double()
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(W1))
        conv.bias.zero_()
        lin.weight.copy_(torch.tensor(W2))
        lin.bias.zero_()
        bnl.weight.copy_(torch.tensor(gamma, dtype=torch.float64))
        bnl.bias.copy_(torch.tensor(beta, dtype=torch.float64))
    return conv, bnl, lin


def _every_event_read_from_the_arrays(r):
    """Every event written equals its value read from the step's arrays; the events' layout."""
    lay = r.events.layout
    for i, e in enumerate(r.events):
        a = lay.address(i)
        if a.kind not in ("loss_term", "loss"):
            assert r.events.value(*a) == pytest.approx(e.value, rel=1e-12, abs=1e-15), e.symbol
    return lay


@pytest.mark.parametrize("pool", ["maxpool", "avgpool"])
def test_a_batch_norm_after_pooling_equals_torch(pool):
    """conv, pooling, then batch norm and ReLU (the fast CNN's order): loss, gradients, running
    statistics and every event's value against torch autograd in float64."""
    rng = np.random.default_rng(11)
    X = rng.normal(size=(3, 36)).round(3).tolist()
    W1, W2 = rng.normal(size=(2, 1, 3, 3)).round(3), rng.normal(size=(2, 8)).round(3)
    bn = {"type": "batchnorm", "activation": "relu", "gamma": [1.5, -0.5], "beta": [0.2, 0.1]}
    r = _conv_net_step(6, [{"type": pool, "size": 2}, bn], W1, W2, X)
    conv, bnl, lin = _torch_layers(W1, W2, [1.5, -0.5], [0.2, 0.1])
    pooling = torch.nn.MaxPool2d(2) if pool == "maxpool" else torch.nn.AvgPool2d(2)
    tnet = torch.nn.Sequential(conv, pooling, bnl, torch.nn.ReLU(), torch.nn.Flatten(), lin)
    x = torch.tensor(X, dtype=torch.float64).reshape(3, 1, 6, 6)
    loss = torch.nn.functional.cross_entropy(tnet(x), torch.tensor([0, 1, 0]))
    loss.backward()
    assert r.loss == pytest.approx(loss.item(), rel=1e-12)
    gamma_beta = next(g for g in r.grads if np.shape(g[0]) == (2,))
    np.testing.assert_allclose(gamma_beta[0], bnl.weight.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(gamma_beta[1], bnl.bias.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(r.grads[0][0], conv.weight.grad.numpy(), rtol=1e-10, atol=1e-14)
    stats = next(s for s in r.after.stats if s is not None)
    np.testing.assert_allclose(stats.mean, bnl.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(stats.var, bnl.running_var.numpy(), rtol=1e-12)
    _every_event_read_from_the_arrays(r)


def test_the_code_panels_lines_compute_a_conv_batch_norms_numbers():
    from tests.engine.test_code_snippets import _check

    obj = {
        "layers": [
            {"shape": [1, 3, 3]},
            {"type": "conv", "filters": 2, "kernel": 2},
            {"type": "batchnorm", "activation": "relu"},
            {"type": "flatten"},
            {"units": 1, "activation": "sigmoid"},
        ],
        "loss": "bce",
        "data": {"inputs": [[0.1 * i for i in range(9)], [0.3] * 9], "targets": [[1], [0]]},
    }
    assert _check(Network(parse_network(obj))) >= 10
    obj["layers"][2]["mode"] = "eval"
    assert _check(Network(parse_network(obj))) >= 10
    obj["layers"][2]["mode"] = "train"  # after pooling, as in the fast CNN
    obj["layers"][1:2] = [{"type": "conv", "filters": 2, "kernel": 1}, {"type": "maxpool"}]
    assert _check(Network(parse_network(obj))) >= 10


def test_l2_reaches_gamma_as_a_weight_not_beta():
    obj = _spec({"name": "sgd", "lr": 0.5}, {"gamma": [1.0, 0.5, 2.0], "beta": [0.1, -0.1, 0.0]})
    obj["regularization"] = {"l2": 0.3}
    net = Network(parse_network(copy.deepcopy(obj)))
    r = net.step(net.initial_state())
    tnet, _ = _torch(obj, 0)
    x, y = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64).argmax(1)
    ws = [tnet[0].weight, tnet[1].weight, tnet[3].weight]  # W, γ, W: the weights
    loss = torch.nn.functional.cross_entropy(tnet(x), y) + 0.15 * sum((w * w).sum() for w in ws)
    loss.backward()
    assert r.loss == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(r.grads[1][0], tnet[1].weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(r.grads[1][1], tnet[1].bias.grad.numpy(), rtol=1e-10, atol=1e-14)
    from tests.engine.test_code_snippets import _check

    assert _check(net) >= 10  # the Code panel's dγ line adds λ2·γ


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_the_landscape_loss_at_a_point_is_the_nets_loss(mode):
    from engine.numpy_engine.landscape_forward import flatten, losses_at

    bn = {"mode": mode, "running_mean": [0.1, 0.0, -0.2], "running_var": [0.5, 1.0, 2.0]}
    obj = _spec({"name": "sgd", "lr": 0.5}, bn)
    obj["regularization"] = {"l1": 0.01}
    net = Network(parse_network(copy.deepcopy(obj)))
    st = net.initial_state()
    rng = np.random.default_rng(0)
    thetas = [flatten(st.params)]
    thetas.append(thetas[0] + rng.normal(0, 0.3, thetas[0].shape))
    got = losses_at(net.model, st.params, np.array(thetas), np.array(X, float), np.array(Y, float))
    from engine.numpy_engine.landscape_forward import unflatten

    for theta, g in zip(thetas, got, strict=True):
        state = type(st)(unflatten(theta, st.params), st.opt_state, 0, st.stats)
        assert g == pytest.approx(net.step(state, trace=False).loss, rel=1e-12)


def test_a_frozen_gamma_stays_and_its_update_event_says_so():
    obj = _spec({"name": "adam", "lr": 0.1}, {"frozen": ["gamma"], "gamma": [1.0, 0.5, 2.0]})
    net = Network(parse_network(copy.deepcopy(obj)))
    r = net.step(net.initial_state())
    np.testing.assert_array_equal(r.after.params[1][0], [1.0, 0.5, 2.0])
    assert not np.array_equal(r.after.params[1][1], r.before.params[1][1])  # β moves
    lay = r.events.layout
    ev = r.events[lay.index("update_w", 2, None, 1)]
    assert ev.symbol == "γ[2][1]" and "frozen" in ev.formula
    assert r.events[lay.index("update_b", 2, None, 1)].symbol == "β[2][1]"
    assert "frozen" in r.events[lay.index("grad_w", 2, None, 1)].note


def test_the_gradient_check_agrees_on_a_batch_norm_net():
    from engine.numpy_engine.gradcheck import gradient_check

    obj = _spec({"name": "sgd", "lr": 0.5}, {"gamma": [1.0, 0.5, 2.0], "beta": [0.1, -0.1, 0.0]})
    obj["regularization"] = {"l2": 0.1}
    net = Network(parse_network(obj))
    rows = gradient_check(net, net.initial_state())
    assert len(rows) == 6 + 3 + 3 + 3 + 6 + 2
    for r in rows:
        assert r.rel_error < 1e-6 or r.abs_error < 1e-10, r
    b1 = [r for r in rows if r.symbol.startswith("b[1]")]  # a batch norm cancels the bias before
    assert b1 and all(abs(r.analytic) < 1e-15 and abs(r.numeric) < 1e-9 for r in b1)
    assert {r.symbol for r in rows} >= {"γ[2][0]", "β[2][2]"}


@pytest.mark.parametrize(
    "name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "nadam", "adadelta"]
)
def test_every_optimizer_updates_gamma_and_beta_as_torch_optim_does(name):
    from engine.numpy_engine.optimizers import OPTIMIZERS
    from tests.engine.test_numpy_vs_torch import TORCH_OPT

    cfg = {"name": name, "lr": 1.0 if name == "adadelta" else 0.05, "momentum": 0.8,
           "beta1": 0.85, "beta2": 0.99, "rho": 0.9, "momentum_decay": 0.004}  # fmt: skip
    used = {k: v for k, v in cfg.items() if k == "name" or k in OPTIMIZERS[name].hyper}
    obj = _spec(used, {"gamma": [1.0, 0.5, 2.0], "beta": [0.1, -0.1, 0.0]})
    net = Network(parse_network(copy.deepcopy(obj)))
    st = net.initial_state()
    tnet, _ = _torch({**obj, "optimizer": {"name": "sgd", "lr": 0.1}}, 0)
    opt = TORCH_OPT[name](list(tnet.parameters()), cfg)
    x, y = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64).argmax(1)
    for _ in range(4):
        st = net.step(st, trace=False).after
        opt.zero_grad()
        torch.nn.functional.cross_entropy(tnet(x), y).backward()
        opt.step()
    bnl = tnet[1]
    np.testing.assert_allclose(st.params[1][0], bnl.weight.detach().numpy(), atol=1e-9, rtol=0)
    np.testing.assert_allclose(st.params[1][1], bnl.bias.detach().numpy(), atol=1e-9, rtol=0)
    np.testing.assert_allclose(st.params[0][0], tnet[0].weight.detach().numpy(), atol=1e-9, rtol=0)
    np.testing.assert_allclose(st.stats[1].var, bnl.running_var.numpy(), atol=1e-9, rtol=0)
