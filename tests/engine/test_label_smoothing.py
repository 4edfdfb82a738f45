"""Label smoothing (a run setting, the fast CNN's recipe): the engine's training loss is torch's
F.cross_entropy with label_smoothing, every evaluation stays plain cross-entropy."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.torch_engine.device_data import DeviceData
from engine.torch_engine.models import ModelConfig, build_model
from engine.torch_engine.optim import make_optimizer
from engine.torch_engine.records import Done
from engine.torch_engine.training import TrainConfig, train

from .mnist_fixtures import synthetic_digits


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_label_smoothing_trains_as_torchs_loss_and_evaluates_plainly(smoothing):
    """The engine's steps with label smoothing equal a plain torch loop with F.cross_entropy's
    label_smoothing (float64, same data order); the test loss it reports stays plain."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        x, y = synthetic_digits(64, seed=5)
        t = torch.from_numpy(x.astype(np.float64) / 255.0 - 0.5).unsqueeze(1)
        lab = torch.from_numpy(y.astype(np.int64))
        data = DeviceData(t[:48], lab[:48], t[:0], lab[:0], t[48:], lab[48:])
        layers = ({"type": "conv", "out": 3, "kernel": 5}, {"type": "pool", "size": 2},
                  {"type": "batchnorm", "activation": "relu"}, {"type": "flatten"},
                  {"type": "dense", "units": 10})  # fmt: skip
        cfg = TrainConfig(model=ModelConfig("custom", layers=layers), epochs=2, batch_size=16,
                          lr=1e-2, label_smoothing=smoothing, device="cpu",
                          max_records_per_s=0)  # fmt: skip
        done = [r for r in train(cfg, data) if isinstance(r, Done)][0]
        torch.manual_seed(cfg.seed)
        model = build_model(cfg.model).train()
        opt = make_optimizer(cfg, model.parameters())
        gen = torch.Generator().manual_seed(cfg.seed)
        for _ in range(cfg.epochs):
            order = torch.randperm(48, generator=gen)
            for b in range(3):
                idx = order[b * 16 : (b + 1) * 16]
                loss = F.cross_entropy(model(t[idx]), lab[idx], label_smoothing=smoothing)
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():  # the test loss: plain cross-entropy, whatever the smoothing
            want_loss = float(F.cross_entropy(model.eval()(data.test_x), data.test_y))
        assert abs(done.test_loss - want_loss) < 1e-6 * want_loss  # evaluate: float32 logits
    finally:
        torch.set_default_dtype(old)
