"""Runs trained together (one vmapped step for all) are the runs trained one by one, in float64."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.torch_engine.device_data import DeviceData
from engine.torch_engine.jobs import Job, run_job
from engine.torch_engine.layer_text import parse_layers
from engine.torch_engine.mnist import MnistData
from engine.torch_engine.models import ModelConfig
from engine.torch_engine.records import Cancelled, Diverged, Done, Eval, Histograms, Start, Step
from engine.torch_engine.runstore import RunStore
from engine.torch_engine.together import together_refusal, train_together
from engine.torch_engine.training import TrainConfig, train

from .mnist_fixtures import synthetic_digits

TINY_BN_CNN = (
    {"type": "conv", "out": 3, "kernel": 3, "batchnorm": True, "activation": "relu"},
    {"type": "pool", "size": 2},
    {"type": "conv", "out": 4, "kernel": 3, "activation": "tanh"},
    {"type": "pool", "size": 2, "kind": "avg"},
    {"type": "flatten"},
    {"type": "dense", "units": 10},
)


@pytest.fixture
def f64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def device_data(n=96, n_test=40) -> DeviceData:
    x, y = synthetic_digits(n, seed=1)
    tx, ty = synthetic_digits(n_test, seed=2)

    def t(a):
        return torch.from_numpy(a.astype(np.float64) / 255.0 - 0.5).unsqueeze(1)

    def lab(a):
        return torch.from_numpy(a.astype(np.int64))

    return DeviceData(t(x[:80]), lab(y[:80]), t(x[80:]), lab(y[80:]), t(tx), lab(ty))


BASE = TrainConfig(
    model=ModelConfig("custom", layers=TINY_BN_CNN),
    epochs=2,
    batch_size=16,
    lr=1e-2,
    schedule="onecycle",
    val_size=16,
    eval_every=3,
    max_records_per_s=0,  # a record every step, so both ways record the same steps
    device="cpu",
    augment=True,
)


def numbers(records):
    """What a run computed, without its timings."""
    out = []
    for r in records:
        if isinstance(r, Step):
            out.append(("step", r.step, r.loss, r.accuracy, r.grad_norm, r.lr))
        elif isinstance(r, Eval):
            out.append(("eval", r.step, r.test_loss, r.test_accuracy, r.val_loss))
        elif isinstance(r, Diverged | Cancelled):
            out.append((type(r).__name__, r.step))
        elif isinstance(r, Done):
            out.append(("done", r.status, r.steps, r.test_loss, r.test_accuracy))
        elif isinstance(r, Histograms):
            out.append(("histograms", r.step, *(float(e) for es in r.weight_edges for e in es)))
    return out


def by_run(pairs, k):
    return [r for i, r in pairs if i == k]


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x[0] == y[0] and x[1] == y[1]
        np.testing.assert_allclose(
            [v for v in x[2:] if isinstance(v, float)],
            [v for v in y[2:] if isinstance(v, float)],
            rtol=1e-9,
            atol=1e-12,
        )


TINY_POOLED_FIRST = (  # the fast CNN's order: conv (no bias), max-pool, batch norm, ReLU
    {"type": "conv", "out": 3, "kernel": 3},
    {"type": "pool", "size": 2},
    {"type": "batchnorm", "activation": "relu"},
    {"type": "flatten"},
    {"type": "dense", "units": 10},
)


@pytest.mark.parametrize(("layers", "smoothing"), [(TINY_BN_CNN, 0.0), (TINY_POOLED_FIRST, 0.1)])
def test_three_learning_rates_together_equal_the_runs_one_by_one(f64, layers, smoothing):
    data = device_data()
    base = replace(BASE, model=ModelConfig("custom", layers=layers), label_smoothing=smoothing)
    cfgs = [replace(base, lr=lr) for lr in (3e-3, 1e-2, 3e-2)]
    pairs = list(train_together(cfgs, data))
    for k, cfg in enumerate(cfgs):
        alone = list(train(cfg, data))
        together = by_run(pairs, k)
        assert isinstance(together[0], Start) and isinstance(together[-1], Done)
        assert_same(numbers(together), numbers(alone))
        a, b = together[-1].model.state_dict(), alone[-1].model.state_dict()
        for name in a:
            torch.testing.assert_close(a[name], b[name], rtol=1e-9, atol=1e-12)


def test_optimizers_and_weight_decay_may_differ(f64):
    data = device_data()
    cfgs = [
        replace(BASE, optimizer="momentum", schedule="cosine", augment=False),
        replace(BASE, optimizer="rmsprop", weight_decay=1e-3, augment=False),
    ]
    pairs = list(train_together(cfgs, data))
    for k, cfg in enumerate(cfgs):
        assert_same(numbers(by_run(pairs, k)), numbers(list(train(cfg, data))))


def test_a_diverging_run_ends_alone_and_the_others_go_on_unchanged(f64):
    data = device_data()
    dense = ModelConfig("custom", layers=({"type": "dense", "units": 10},))
    cfgs = [
        replace(BASE, model=dense, optimizer="sgd", lr=lr, schedule="constant")
        for lr in (0.05, 1e300)
    ]
    pairs = list(train_together(cfgs, data))
    assert by_run(pairs, 1)[-1].status == "diverged"
    assert any(isinstance(r, Diverged) for r in by_run(pairs, 1))
    assert_same(numbers(by_run(pairs, 0)), numbers(list(train(cfgs[0], data))))
    assert_same(numbers(by_run(pairs, 1)), numbers(list(train(cfgs[1], data))))


def test_a_stop_cancels_every_run(f64):
    data = device_data()
    calls = iter(range(1000))
    pairs = list(
        train_together([replace(BASE, lr=lr) for lr in (1e-3, 1e-2)], data, lambda: next(calls) > 4)
    )
    for k in (0, 1):
        recs = by_run(pairs, k)
        assert any(isinstance(r, Cancelled) for r in recs)
        assert recs[-1].status == "cancelled"


def test_runs_that_cannot_share_a_step_are_refused_with_the_reason():
    assert "batch size" in together_refusal([BASE, replace(BASE, batch_size=32)])
    assert "seed" in together_refusal([BASE, replace(BASE, seed=1)])
    assert "label smoothing" in together_refusal([BASE, replace(BASE, label_smoothing=0.1)])
    mlp = replace(BASE, model=ModelConfig("mlp", dropout=0.2))
    assert "dropout" in together_refusal([mlp, replace(mlp, lr=1.0)])
    assert together_refusal([BASE]) is not None
    assert together_refusal([BASE, replace(BASE, lr=0.5, optimizer="nadam")]) is None
    bn_first = replace(BASE, model=ModelConfig("custom", layers=parse_layers(
        "bn\nconv 4 3 relu\nflatten\ndense 10")))  # fmt: skip
    assert "input with a batch norm" in together_refusal([bn_first, replace(bn_first, lr=1.0)])
    bn_dense = replace(BASE, model=ModelConfig("custom", layers=parse_layers(
        "flatten\ndense 8\nbn relu\ndense 10")))  # fmt: skip
    assert "BatchNorm1d" in together_refusal([bn_dense, replace(bn_dense, lr=1.0)])
    pooled = replace(BASE, model=ModelConfig("custom", layers=parse_layers(
        "conv 4 3\npool 2\nbn relu\nflatten\ndense 10")))  # fmt: skip
    assert together_refusal([pooled, replace(pooled, lr=1.0)]) is None
    with pytest.raises(ValueError, match="cannot train together: the runs differ in epochs"):
        next(train_together([BASE, replace(BASE, epochs=1)], device_data()))


def test_a_sweep_job_trained_together_records_the_same_runs(tmp_path):
    x, y = synthetic_digits(120, seed=4)
    tx, ty = synthetic_digits(40, seed=5)
    mnist = MnistData(x, y, tx, ty, "test")
    base = replace(BASE, augment=False, val_size=0, eval_every=0, epochs=1)
    finals = {}
    for together in (False, True):
        store = tmp_path / f"runs-{together}.sqlite"
        job = Job("lr-sweep", base, None, values=(1e-3, 1e-2), store_path=str(store))
        tagged = list(run_job(job, data=mnist, together=together))
        assert {t.run_index for t in tagged} == {0, 1}
        runs = sorted(RunStore(store).runs(), key=lambda r: r.id)
        assert [r.status for r in runs] == ["finished", "finished"]
        finals[together] = [r.final["test_loss"] for r in runs]
    np.testing.assert_allclose(finals[True], finals[False], rtol=1e-5)
