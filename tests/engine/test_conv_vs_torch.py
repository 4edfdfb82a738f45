"""Conv, max-pool and average-pool layers against torch's conv2d, max_pool2d and avg_pool2d, in
float64: the output, every gradient and the parameters after an optimizer step, to 1e-9."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.numpy_engine import Network, core, parse_network
from tests.engine.test_numpy_vs_torch import TORCH_ACT, torch_loss

TOL = 1e-9
CASES = [  # (input shape, image layers, seed)
    ([1, 6, 5], [{"type": "conv", "filters": 2, "kernel": 2, "activation": "relu"}], 0),
    ([2, 7, 7], [{"type": "conv", "filters": 3, "kernel": 3, "stride": 2, "padding": 1,
                  "activation": "tanh"}, {"type": "maxpool", "size": 2}], 1),
    ([3, 8, 6], [{"type": "conv", "filters": 2, "kernel": [3, 2], "padding": 2,
                  "activation": "sigmoid"}, {"type": "avgpool", "size": 2, "stride": 1}], 2),
    ([2, 9, 9], [{"type": "maxpool", "size": 3, "stride": 2},
                 {"type": "conv", "filters": 4, "kernel": 2, "stride": 1, "activation": "elu"},
                 {"type": "conv", "filters": 2, "kernel": 2, "stride": 2, "padding": 1}], 3),
    ([1, 8, 8], [{"type": "conv", "filters": 3, "kernel": 3, "activation": "leaky_relu"},
                 {"type": "maxpool", "size": 2, "stride": 2},
                 {"type": "conv", "filters": 2, "kernel": 2, "activation": "relu"}], 4),
]  # fmt: skip


def make_conv_net(shape, image_layers, seed, loss="cce", optimizer="adam", n=4, batch=None):
    rng = np.random.default_rng(seed)
    outputs = 3 if loss == "cce" else 2
    layers = [{"shape": shape}, *image_layers, {"type": "flatten"},
              {"units": 5, "activation": "tanh"},
              {"units": outputs, "activation": "softmax" if loss == "cce" else "sigmoid"}]  # fmt: skip
    x = rng.normal(size=(n, int(np.prod(shape)))).tolist()
    if loss == "cce":
        y = np.eye(outputs)[rng.integers(0, outputs, n)].tolist()
    else:
        y = rng.uniform(0, 1, (n, outputs)).tolist()
    return Network(
        parse_network({
            "layers": layers,
            "init": {"scheme": "he_uniform", "seed": seed},
            "loss": loss,
            "optimizer": {"name": optimizer, "lr": 0.05},
            "training": {"batch_size": batch},
            "data": {"inputs": x, "targets": y},
        })
    )  # fmt: skip


def torch_layer(d, act: str, W, b, a):
    """One layer in torch: conv2d, max_pool2d, avg_pool2d, a reshape or a dense layer."""
    if d.kind == "conv":
        z = F.conv2d(a, W, b, stride=d.stride, padding=d.padding)
    elif d.kind == "maxpool":
        z = F.max_pool2d(a, d.kernel, d.stride)
    elif d.kind == "avgpool":
        z = F.avg_pool2d(a, d.kernel, d.stride)
    elif d.kind == "flatten":
        z = a.reshape(len(a), -1)
    else:
        z = a @ W.T + b
    return TORCH_ACT[act](z)


def torch_forward(net: Network, params, X):
    m = net.model
    a = X.reshape(len(X), *m.in_shape)
    for k, (W, b) in enumerate(params):
        a = torch_layer(m.layer(k), m.activations[k], W, b, a)
    return a


def torch_step(net: Network, state, lr=0.05):
    _, X, Y, _ = net.batch(state)
    params = [
        (torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
        for W, b in state.params
    ]
    out = torch_forward(net, params, torch.tensor(X))
    loss = torch_loss(net.spec.loss, out, torch.tensor(Y))
    loss.backward()
    flat = [p for pair in params for p in pair if p.numel()]
    opt = {"adam": lambda: torch.optim.Adam(flat, lr=lr),
           "momentum": lambda: torch.optim.SGD(flat, lr=lr, momentum=0.9),
           "sgd": lambda: torch.optim.SGD(flat, lr=lr)}[net.spec.optimizer.name]()  # fmt: skip
    grads = [(W.grad.numpy().copy() if W.numel() else None,
              b.grad.numpy().copy() if b.numel() else None) for W, b in params]  # fmt: skip
    opt.step()
    return out.detach().numpy(), float(loss.detach()), grads, [(W.detach().numpy(), b.detach().numpy())
                                                      for W, b in params]  # fmt: skip


@pytest.mark.parametrize("optimizer", ["adam", "momentum", "sgd"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_conv_net_matches_torch(case, optimizer):
    shape, image_layers, seed = CASES[case]
    net = make_conv_net(shape, image_layers, seed, optimizer=optimizer)
    state = net.initial_state()
    r = net.step(state)
    out, loss, grads, after = torch_step(net, state)
    fw = core.forward(net.model, state.params, net.batch(state)[1])
    np.testing.assert_allclose(fw.A[-1], out, atol=TOL, rtol=0)
    assert abs(r.loss - loss) < TOL
    for (gW, gb), (tW, tb), (W2, b2), (tW2, tb2) in zip(
        r.grads, grads, r.after.params, after, strict=True
    ):
        if tW is None:
            assert gW.size == 0 and gb.size == 0
            continue
        np.testing.assert_allclose(gW, tW, atol=TOL, rtol=0)
        np.testing.assert_allclose(gb, tb, atol=TOL, rtol=0)
        np.testing.assert_allclose(W2, tW2, atol=TOL, rtol=0)
        np.testing.assert_allclose(b2, tb2, atol=TOL, rtol=0)


@pytest.mark.parametrize("seed", range(4))
def test_conv_input_gradient_matches_torch(seed):
    """∂L/∂a of every layer (the δ maps flowing back), mse loss, random shapes."""
    rng = np.random.default_rng(100 + seed)
    kernel, stride, pad = int(rng.integers(1, 4)), int(rng.integers(1, 3)), int(rng.integers(0, 2))
    layers = [{"type": "conv", "filters": 2, "kernel": kernel, "stride": stride, "padding": pad,
               "activation": "relu"}, {"type": "maxpool", "size": 2, "stride": 1}]  # fmt: skip
    net = make_conv_net([2, 7, 8], layers, seed, loss="mse", optimizer="sgd", n=3)
    state = net.initial_state()
    _, X, Y, _ = net.batch(state)
    fw = core.forward(net.model, state.params, X)
    bw = core.backward(net.model, state.params, fw, Y)
    acts = []
    a = torch.tensor(X, requires_grad=True).reshape(len(X), 2, 7, 8)
    params = [(torch.tensor(W), torch.tensor(b)) for W, b in state.params]
    m = net.model
    for k, (W, b) in enumerate(params):
        a = torch_layer(m.layer(k), m.activations[k], W, b, a)
        a.retain_grad()
        acts.append(a)
    torch_loss("mse", a, torch.tensor(Y)).backward()
    for k, t in enumerate(acts):
        np.testing.assert_allclose(bw.dA[k], t.grad.numpy(), atol=TOL, rtol=0)
