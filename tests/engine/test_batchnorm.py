"""The batch-norm layer against torch.nn.functional.batch_norm in float64, forward and backward."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.numpy_engine import batchnorm as bn
from engine.numpy_engine.layer_def import LayerDef


def _torch(x, gamma, beta, rm, rv, train, momentum=0.1, eps=1e-5, dy=None):
    xt = torch.tensor(x, requires_grad=True)
    g = torch.tensor(gamma, requires_grad=True)
    b = torch.tensor(beta, requires_grad=True)
    rm_t, rv_t = torch.tensor(rm), torch.tensor(rv)
    y = F.batch_norm(xt, rm_t, rv_t, g, b, training=train, momentum=momentum, eps=eps)
    y.backward(torch.tensor(dy))
    return y.detach().numpy(), xt.grad.numpy(), g.grad.numpy(), b.grad.numpy(), rm_t, rv_t


@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3, 3)], ids=["dense", "conv"])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_forward_backward_and_running_stats_equal_torch(shape, train):
    rng = np.random.default_rng(7)
    x = rng.normal(2.0, 3.0, shape)
    C = shape[1]
    gamma, beta = rng.normal(1, 0.5, C), rng.normal(0, 0.5, C)
    rm, rv = rng.normal(0, 1, C), rng.uniform(0.5, 2, C)
    dy = rng.normal(0, 1, shape)
    y_t, dx_t, dg_t, db_t, rm_t, rv_t = _torch(x, gamma, beta, rm, rv, train, 0.3, 1e-3, dy)
    stats = None if train else bn.Stats(rm, rv)
    f = bn.norm_forward(x, gamma, beta, 1e-3, stats)
    g = bn.norm_backward(x, gamma, f, dy, 1e-3, train)
    np.testing.assert_allclose(f.y, y_t, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g.dx, dx_t, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g.dgamma, dg_t, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g.dbeta, db_t, rtol=1e-10, atol=1e-12)
    if train:
        new = bn.next_stats(bn.Stats(rm, rv), f, bn.count(x), 0.3)
        np.testing.assert_allclose(new.mean, rm_t.numpy(), rtol=1e-12)
        np.testing.assert_allclose(new.var, rv_t.numpy(), rtol=1e-12)
    else:
        np.testing.assert_array_equal(rm_t.numpy(), rm)  # eval mode moves nothing in torch either


def test_graph_nodes_equal_autograd_of_the_intermediates():
    """∂L/∂x̂, ∂L/∂σ², ∂L/∂μ as autograd finds them for the graph x̂ = (x − μ)/√(σ² + ε)."""
    rng = np.random.default_rng(3)
    x, gamma, dy = rng.normal(size=(6, 2)), rng.normal(size=2), rng.normal(size=(6, 2))
    xt = torch.tensor(x)
    L_dxhat = torch.tensor(dy) * torch.tensor(gamma)
    mu = xt.mean(0).detach().requires_grad_()
    var = ((xt - mu) ** 2).mean(0).detach().requires_grad_()  # a leaf: ∂L/∂σ² alone
    (dvar,) = torch.autograd.grad((xt - mu.detach()) / torch.sqrt(var + 1e-5), var, L_dxhat)
    var_of_mu = ((xt - mu) ** 2).mean(0)  # μ reaches x̂ directly and through σ²
    (dmu,) = torch.autograd.grad((xt - mu) / torch.sqrt(var_of_mu + 1e-5), mu, L_dxhat)
    f = bn.norm_forward(x, gamma, np.zeros(2))
    g = bn.norm_backward(x, gamma, f, dy)
    np.testing.assert_allclose(g.dxhat, L_dxhat.numpy(), rtol=1e-12)
    np.testing.assert_allclose(g.dvar, dvar.numpy(), rtol=1e-10)
    np.testing.assert_allclose(g.dmean, dmu.numpy(), rtol=1e-10, atol=1e-12)
    assert np.abs(g.dvar).min() > 1e-6  # the node is not trivially zero


def test_layer_interface_uses_options():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3))
    d = LayerDef("batchnorm", (3,), (3,), options=bn.Options(train=False, running_mean=(1, 2, 3),
                                                             running_var=(4, 4, 4)))  # fmt: skip
    y = bn.forward(d, np.ones(3), np.zeros(3), x)
    np.testing.assert_allclose(y, (x - [1, 2, 3]) / np.sqrt(4 + 1e-5))
    dW, db, dx = bn.backward(d, np.full(3, 2.0), x, np.ones((4, 3)), True)
    np.testing.assert_allclose(dx, np.full((4, 3), 2 / np.sqrt(4 + 1e-5)))
    assert bn.param_shapes(d) == ((3,), (3,))


def test_latex_writes_an_index_after_a_power():
    from engine.numpy_engine.latex import to_latex

    assert to_latex("σ²[2][1]") == r"{\sigma^{2}}^{(2)}_{1}"
    assert to_latex("∂L/∂σ²[2][0]") == r"\frac{\partial L}{\partial {\sigma^{2}}^{(2)}_{0}}"
    assert to_latex("x̂[2][1]") == r"\hat{x}^{(2)}_{1}"
    assert to_latex("σ² + ε") == r"\sigma^{2} + \varepsilon"  # no index: unchanged
