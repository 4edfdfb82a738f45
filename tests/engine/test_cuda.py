"""The CUDA path: training, sweeps trained together, the LR range test, checkpoints, and every
insides view give on the GPU what they give on the CPU. Skipped without an NVIDIA GPU (CI has
none); `bench/gpu_check.sh` runs them on one (`pytest -m cuda`). BACKPROP_CUDA_TESTS_ON=cpu runs
them on the CPU instead, to try the tests themselves on a machine without a GPU."""

import copy
import os
from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.torch_engine import insides as ins
from engine.torch_engine.checkpoint import load_checkpoint, save_checkpoint
from engine.torch_engine.device_data import prepare
from engine.torch_engine.experiments import lr_range_test
from engine.torch_engine.gradient_noise import gradient_noise
from engine.torch_engine.jobs import Job, run_job
from engine.torch_engine.mnist import MnistData, normalise
from engine.torch_engine.models import ModelConfig
from engine.torch_engine.records import Done, LrSuggestion, Start, Step
from engine.torch_engine.runstore import RunStore
from engine.torch_engine.together import train_together
from engine.torch_engine.training import TrainConfig, evaluate, train
from engine.torch_engine.transfer import transfer_recordings

from .mnist_fixtures import synthetic_digits

DEV = os.environ.get("BACKPROP_CUDA_TESTS_ON", "cuda")
pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(DEV == "cuda" and not torch.cuda.is_available(), reason="no CUDA device"),
]

FAST = TrainConfig(
    model=ModelConfig("fast-cnn"),
    epochs=1,
    batch_size=64,
    lr=1e-2,
    schedule="onecycle",
    max_records_per_s=0,
    device=DEV,
)


@pytest.fixture(autouse=True)
def exact_float32():
    """TF32 off, so CPU and GPU agree to float32 rounding."""
    old = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


@pytest.fixture
def mnist():
    x, y = synthetic_digits(640, seed=1)
    tx, ty = synthetic_digits(200, seed=2)
    return MnistData(x, y, tx, ty, "synthetic")


def trained(mnist, name="fast-cnn"):
    done = list(train(replace(FAST, model=ModelConfig(name), epochs=2), mnist))[-1]
    assert isinstance(done, Done) and done.device.startswith(DEV)
    return done.model


def test_training_runs_on_the_gpu_and_learns(mnist):
    recs = list(train(FAST, mnist))
    assert isinstance(recs[0], Start) and recs[0].device.startswith(DEV)
    assert all(np.isfinite(r.loss) for r in recs if isinstance(r, Step))
    assert recs[-1].status == "finished" and recs[-1].test_accuracy > 0.5
    assert next(recs[-1].model.parameters()).device.type == torch.device(DEV).type


def test_the_same_run_on_cpu_and_gpu_gives_the_same_first_steps(mnist):
    cfg = replace(FAST, optimizer="sgd", schedule="constant", lr=0.05, batch_size=32)
    cpu = [r.loss for r in train(replace(cfg, device="cpu"), mnist) if isinstance(r, Step)]
    gpu = [r.loss for r in train(cfg, mnist) if isinstance(r, Step)]
    np.testing.assert_allclose(gpu[:5], cpu[:5], rtol=1e-4)


def test_a_sweep_trained_together_on_the_gpu_equals_its_runs_one_by_one(mnist):
    data = prepare(mnist, torch.device(DEV))
    cfgs = [replace(FAST, lr=lr, model=ModelConfig("lenet")) for lr in (1e-3, 3e-3, 1e-2)]
    pairs = list(train_together(cfgs, data))
    for k, cfg in enumerate(cfgs):
        alone = [r.loss for r in train(cfg, data) if isinstance(r, Step)]
        together = [r.loss for i, r in pairs if i == k and isinstance(r, Step)]
        np.testing.assert_allclose(together[:5], alone[:5], rtol=1e-4)
        np.testing.assert_allclose(together, alone, rtol=5e-2)  # float32 drift over a run


def test_a_sweep_job_on_the_gpu_trains_its_runs_together(mnist, tmp_path):
    job = Job("lr-sweep", FAST, None, values=(1e-3, 1e-2), store_path=str(tmp_path / "r.sqlite"))
    tagged = list(run_job(job, data=mnist, together=None if DEV == "cuda" else True))
    first_done = min(i for i, t in enumerate(tagged) if isinstance(t.record, Done))
    assert {t.run_index for t in tagged[:first_done]} == {0, 1}  # interleaved: together
    assert [r.status for r in RunStore(tmp_path / "r.sqlite").runs()] == ["finished"] * 2


def test_lr_range_test_and_checkpoints_on_the_gpu(mnist, tmp_path):
    recs = list(lr_range_test(FAST, mnist, 1e-5, 1.0, 30))
    assert isinstance(recs[-1], LrSuggestion) and 1e-5 <= recs[-1].lr <= 1.0
    model = trained(mnist)
    path = save_checkpoint(tmp_path / "m.pt", model, FAST, {})
    ck = load_checkpoint(path)
    x = normalise(mnist.test_x)
    y = torch.from_numpy(mnist.test_y.astype(np.int64))
    gpu = evaluate(model, x.to(DEV), y.to(DEV))
    cpu = evaluate(ck.model.cpu(), x, y)
    np.testing.assert_allclose(gpu, cpu, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["fast-cnn", "mlp"])
def test_every_insides_view_gives_the_cpu_numbers(mnist, name):
    gpu = trained(mnist, name)
    cpu = copy.deepcopy(gpu).cpu()
    img = mnist.test_x[3]
    pg, pc = (
        ins.predict_all(gpu, mnist.test_x, mnist.test_y),
        ins.predict_all(cpu, mnist.test_x, mnist.test_y),
    )
    np.testing.assert_allclose(pg.probs, pc.probs, atol=1e-5)
    np.testing.assert_array_equal(ins.confusion_matrix(pg), ins.confusion_matrix(pc))
    for a, b in zip(ins.first_layer_filters(gpu), ins.first_layer_filters(cpu), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    (mg, prob_g), (mc, prob_c) = ins.feature_maps(gpu, img), ins.feature_maps(cpu, img)
    np.testing.assert_allclose(prob_g, prob_c, atol=1e-5)
    for a, b in zip(mg, mc, strict=True):
        assert a.name == b.name
        np.testing.assert_allclose(a.values, b.values, rtol=1e-4, atol=1e-4)
    (_, sg), (_, sc) = ins.saliency(gpu, img), ins.saliency(cpu, img)
    np.testing.assert_allclose(sg, sc, rtol=1e-3, atol=1e-6 * np.abs(sc).max())
    x = normalise(mnist.train_x[:256])
    y = torch.from_numpy(mnist.train_y[:256].astype(np.int64))
    ng = list(gradient_noise(gpu, x.to(DEV), y.to(DEV), (16, 64, 256), draws=4))
    nc = list(gradient_noise(cpu, x, y, (16, 64, 256), draws=4))
    for a, b in zip(ng, nc, strict=True):
        np.testing.assert_allclose(
            [a.rel_error, a.cosine], [b.rel_error, b.cosine], rtol=1e-3, atol=1e-5
        )


def test_the_transfer_experiment_runs_on_the_gpu(mnist, tmp_path):
    store = RunStore(tmp_path / "t.sqlite")
    cfg = replace(FAST, epochs=1)
    statuses = []
    for _label, rec in transfer_recordings(cfg, mnist, store, sample=60, finetune_epochs=2):
        done = [r for r in rec if isinstance(r, Done)][-1]
        statuses.append((done.status, done.device))
    assert [s for s, _ in statuses] == ["finished"] * 3
    assert all(d.startswith(DEV) for _, d in statuses)
