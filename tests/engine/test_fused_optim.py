"""The optimizers take torch's fused kernel on the CPU too (issue 21: the fast CNN's Adam step
72 instead of 240 µs); its steps equal torch.optim's usual kernel to float64 rounding."""

import pytest
import torch

from engine.torch_engine.optim import make_optimizer
from engine.torch_engine.training import TrainConfig


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "adam", "adamw"])
def test_fused_optimizers_on_the_cpu_step_as_torch_optim(name):
    """On the CPU the engine takes torch's fused kernel; its steps equal torch.optim's usual
    (for-each) kernel in float64 to rounding."""
    torch.manual_seed(0)
    start = [torch.randn(7, 5, dtype=torch.float64), torch.randn(5, dtype=torch.float64)]
    cfg = TrainConfig(optimizer=name, lr=1e-2, weight_decay=1e-3)
    ours = [p.clone().requires_grad_(True) for p in start]
    opt = make_optimizer(cfg, ours)
    assert opt.defaults.get("fused") is True
    ref = [p.clone().requires_grad_(True) for p in start]
    kw = {"momentum": cfg.momentum, "nesterov": name == "nesterov"} if name != "sgd" else {}
    table = {"sgd": torch.optim.SGD, "momentum": torch.optim.SGD, "nesterov": torch.optim.SGD,
             "adagrad": torch.optim.Adagrad, "adam": torch.optim.Adam,
             "adamw": torch.optim.AdamW}  # fmt: skip
    kw = kw if table[name] is torch.optim.SGD else {}
    ref_opt = table[name](ref, lr=1e-2, weight_decay=1e-3, foreach=True, **kw)
    gen = torch.Generator().manual_seed(1)
    for _ in range(30):
        for a, b in zip(ours, ref, strict=True):
            a.grad = torch.randn(a.shape, generator=gen, dtype=torch.float64)
            b.grad = a.grad.clone()
        opt.step()
        ref_opt.step()
    for a, b in zip(ours, ref, strict=True):
        assert torch.allclose(a, b, rtol=0, atol=1e-13)


def test_a_torch_without_a_fused_cpu_kernel_gets_the_usual_one(monkeypatch):
    real = torch.optim.Adam

    def picky(params, **kw):
        if kw.get("fused"):
            raise RuntimeError("`fused=True` requires all the params to be CUDA tensors")
        return real(params, **kw)

    monkeypatch.setattr(torch.optim, "Adam", picky)
    opt = make_optimizer(TrainConfig(optimizer="adam"), [torch.zeros(3, requires_grad=True)])
    assert not opt.defaults.get("fused")


def test_only_a_missing_fused_kernel_falls_back(monkeypatch):
    """Any other error from the optimizer's constructor is not hidden by the fallback."""

    def broken(params, **kw):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(torch.optim, "Adam", broken)
    with pytest.raises(RuntimeError, match="out of memory"):
        make_optimizer(TrainConfig(optimizer="adam"), [torch.zeros(3, requires_grad=True)])
