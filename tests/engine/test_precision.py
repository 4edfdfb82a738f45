"""A run's precision (issue 21): "auto" takes bfloat16 autocast for a model with convolutions on
a CPU that multiplies bfloat16 natively, "float32" and "bfloat16" say what they mean; the
weights, the optimizer and every evaluation stay float32."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from engine.torch_engine import device as dev
from engine.torch_engine.checkpoint import config_from_dict
from engine.torch_engine.device_data import DeviceData
from engine.torch_engine.evaluation import evaluate
from engine.torch_engine.models import ModelConfig
from engine.torch_engine.records import Done, Start
from engine.torch_engine.settings import check, describe
from engine.torch_engine.training import TrainConfig, train

from .mnist_fixtures import synthetic_digits, write_mnist
from .test_hostile_torch import QUICK, cli, refused

CONV = ({"type": "conv", "out": 4, "kernel": 5}, {"type": "pool", "size": 2},
        {"type": "batchnorm", "activation": "relu"}, {"type": "flatten"},
        {"type": "dense", "units": 10})  # fmt: skip


@pytest.mark.parametrize(
    ("precision", "device", "conv", "native", "want"),
    [
        ("float32", "cpu", True, True, False),
        ("float32", "cuda", True, True, False),
        ("bfloat16", "cpu", False, False, True),  # asked for: even where it is emulated
        ("bfloat16", "cuda", False, False, True),
        ("bfloat16", "mps", True, True, False),  # MPS: float32
        ("auto", "cpu", True, True, True),
        ("auto", "cpu", True, False, False),  # no native bfloat16: slower, so float32
        ("auto", "cpu", False, True, False),  # an MLP gained nothing clear
        ("auto", "cuda", True, True, False),  # small models ran slower in bf16 on a GPU
        ("auto", "mps", True, True, False),
    ],
)
def test_which_runs_compute_in_bfloat16(monkeypatch, precision, device, conv, native, want):
    monkeypatch.setattr(dev, "cpu_bf16_native", lambda: native)
    assert dev.uses_bf16(precision, device, conv) is want
    words = dev.precision_words(want, precision, device)
    assert ("forward pass in bfloat16" in words) is want
    assert ("float32" in words) is not want


def _data(n_train=48, n_test=16):
    x, y = synthetic_digits(n_train + n_test, seed=3)
    t = torch.from_numpy(x.astype(np.float32) / 255.0 - 0.5).unsqueeze(1)
    lab = torch.from_numpy(y.astype(np.int64))
    return DeviceData(t[:n_train], lab[:n_train], t[:0], lab[:0], t[n_train:], lab[n_train:])


@pytest.mark.parametrize(("precision", "native", "want"), [("float32", True, "float32"),
                         ("auto", True, "bfloat16"), ("auto", False, "float32"),
                         ("bfloat16", False, "bfloat16")])  # fmt: skip
def test_a_run_trains_in_the_precision_its_start_names(monkeypatch, precision, native, want):
    """The forward pass of each training step runs in the precision Start names (a hook on the
    first conv sees its output's dtype); the weights stay float32."""
    monkeypatch.setattr(dev, "cpu_bf16_native", lambda: native)
    seen: list[torch.dtype] = []
    real = torch.nn.Conv2d.forward

    def spy(self, x):
        out = real(self, x)
        if self.training:
            seen.append(out.dtype)
        return out

    monkeypatch.setattr(torch.nn.Conv2d, "forward", spy)
    heads: list[torch.dtype] = []
    real_dense = torch.nn.Linear.forward
    monkeypatch.setattr(
        torch.nn.Linear, "forward", lambda self, x: heads.append(x.dtype) or real_dense(self, x)
    )
    cfg = TrainConfig(model=ModelConfig("custom", layers=CONV), epochs=1, batch_size=16,
                      lr=1e-2, device="cpu", precision=precision, max_records_per_s=0)  # fmt: skip
    recs = list(train(cfg, _data()))
    start = next(r for r in recs if isinstance(r, Start))
    done = next(r for r in recs if isinstance(r, Done))
    assert start.precision == want
    assert (want == "bfloat16") is ("forward pass in bfloat16" in start.device_reason)
    assert seen and set(seen) == {torch.bfloat16 if want == "bfloat16" else torch.float32}
    assert set(heads) == {torch.float32}  # the last dense layer (the logits) stays float32
    assert all(p.dtype == torch.float32 for p in done.model.parameters())


def test_evaluation_stays_float32_after_bfloat16_training(monkeypatch):
    """The accuracy and loss a bfloat16 run reports are its float32 weights' own, evaluated in
    float32 (the same as evaluating the returned model again), and training in bfloat16 moved
    the weights differently from float32 (the autocast was real), by rounding only."""
    monkeypatch.setattr(dev, "cpu_bf16_native", lambda: True)
    data = _data()
    runs = {}
    for p in ("float32", "bfloat16"):
        cfg = TrainConfig(model=ModelConfig("custom", layers=CONV), epochs=2, batch_size=16,
                          lr=1e-2, device="cpu", precision=p, max_records_per_s=0)  # fmt: skip
        runs[p] = next(r for r in train(cfg, data) if isinstance(r, Done))
    bf = runs["bfloat16"]
    loss, acc = evaluate(bf.model, data.test_x, data.test_y)
    assert bf.test_loss == pytest.approx(loss, rel=1e-12) and bf.test_accuracy == acc
    w32 = torch.cat([p.flatten() for p in runs["float32"].model.parameters()])
    w16 = torch.cat([p.flatten() for p in bf.model.parameters()])
    assert not torch.equal(w32, w16)
    assert torch.allclose(w32, w16, atol=0.05)


def test_float64_runs_are_untouched_by_auto(monkeypatch):
    """autocast leaves float64 alone, so the engine's float64 checks against torch hold under
    "auto": a float64 run's weights equal a float32-precision run's exactly."""
    monkeypatch.setattr(dev, "cpu_bf16_native", lambda: True)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        d = _data()
        d = DeviceData(*(t.double() if t.is_floating_point() else t for t in (
            d.train_x, d.train_y, d.val_x, d.val_y, d.test_x, d.test_y)))  # fmt: skip
        got = {}
        for p in ("auto", "float32"):
            cfg = TrainConfig(model=ModelConfig("custom", layers=CONV), epochs=1, batch_size=16,
                              lr=1e-2, device="cpu", precision=p, max_records_per_s=0)  # fmt: skip
            done = next(r for r in train(cfg, d) if isinstance(r, Done))
            got[p] = torch.cat([q.flatten() for q in done.model.parameters()])
        assert got["auto"].dtype == torch.float64
        assert torch.equal(got["auto"], got["float32"])
    finally:
        torch.set_default_dtype(old)


FORM = {"model": "fast-cnn", "optimizer": "adam", "schedule": "onecycle", "epochs": "1",
        "batch_size": "128", "lr": "0.04", "dropout": "0", "weight_decay": "0", "seed": "0",
        "val_size": "0"}  # fmt: skip


@pytest.mark.parametrize("bad", ["fp16", "", "BFLOAT16", None, 16, " auto", "float64"])
def test_the_settings_refuse_an_unknown_precision(bad):
    r = check(FORM | {"precision": bad})
    assert r.config is None
    assert r.errors == {"precision": "choose one of auto, float32, bfloat16"}


def test_the_settings_default_to_auto_and_keep_each_choice():
    assert check(FORM).config.precision == "auto"
    for p in dev.PRECISIONS:
        cfg = check(FORM | {"precision": p}).config
        assert cfg.precision == p
        assert (p in describe(cfg)) is (p != "auto")


@pytest.mark.parametrize(("saved", "want"), [({"amp": False}, "float32"),
                         ({"amp": True}, "bfloat16"), ({}, "float32"),
                         ({"precision": "auto"}, "auto")])  # fmt: skip
def test_settings_saved_before_precision_read_as_what_they_trained_with(saved, want):
    from dataclasses import asdict

    d = {k: v for k, v in asdict(TrainConfig()).items() if k != "precision"} | saved
    assert config_from_dict(json.loads(json.dumps(d))).precision == want


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return write_mnist(tmp_path_factory.mktemp("good") / "mnist", n_train=120, n_test=40)


COMMANDS = [("train",), ("sweep", "lr", "0.001,0.01"), ("experiment", "overfitting"),
            ("lr-find", "--steps", "5")]  # fmt: skip


@pytest.mark.parametrize("bad", ["fp16", "", "nan", "Auto"])
@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_the_cli_refuses_an_unknown_precision_in_one_line(command, bad, good, capsys, tmp_path):
    db = tmp_path / "runs.sqlite"
    argv = (*command, "--data", good, "--runs-db", db, "--no-download", "--device", "cpu")
    refused(cli(capsys, *argv, "--precision", bad), "--precision: choose one of auto, float32")
    assert not db.exists()


def test_the_cli_trains_in_the_precision_asked_and_says_it(good, capsys, tmp_path):
    argv = ("train", "--data", good, "--runs-db", tmp_path / "r.sqlite", *QUICK)
    rc, out, err = cli(capsys, *argv, "--model", "fast-cnn", "--precision", "bfloat16")
    assert rc == 0, err
    got = json.loads(out.strip().splitlines()[-1])
    assert got["precision"] == "bfloat16" and "forward pass in bfloat16" in got["device_reason"]
    rc, out, err = cli(capsys, *argv, "--model", "mlp", "--precision", "auto")
    assert rc == 0, err
    assert json.loads(out.strip().splitlines()[-1])["precision"] == "float32"  # no conv


@pytest.mark.parametrize(("precision", "want"), [("float32", "float32"), ("auto", "bfloat16")])
def test_the_lr_range_test_steps_in_the_runs_precision(monkeypatch, precision, want):
    """The LR it suggests is for a run in that precision, so its steps compute as that run's."""
    from engine.torch_engine.experiments import lr_range_test

    monkeypatch.setattr(dev, "cpu_bf16_native", lambda: True)
    seen: list[torch.dtype] = []
    real = torch.nn.Conv2d.forward
    monkeypatch.setattr(
        torch.nn.Conv2d,
        "forward",
        lambda self, x: seen.append(real(self, x).dtype) or real(self, x),
    )
    cfg = TrainConfig(model=ModelConfig("custom", layers=CONV), batch_size=16, device="cpu",
                      precision=precision)  # fmt: skip
    recs = list(lr_range_test(cfg, _data(), steps=5))
    assert recs[0].precision == want and ("forward pass in bfloat16" in recs[0].device_reason) is (
        want == "bfloat16"
    )
    assert seen and set(seen) == {torch.bfloat16 if want == "bfloat16" else torch.float32}


def test_runs_trained_together_in_bfloat16_match_the_runs_one_by_one(monkeypatch):
    """A sweep trained as one grouped network autocasts as each run alone does: convolutions in
    bfloat16, the head in float32; the runs end where they end one by one."""
    from dataclasses import replace

    from engine.torch_engine.together import train_together

    monkeypatch.setattr(dev, "cpu_bf16_native", lambda: True)
    base = TrainConfig(model=ModelConfig("custom", layers=CONV), epochs=1, batch_size=16,
                       lr=1e-2, device="cpu", precision="auto", max_records_per_s=0)  # fmt: skip
    cfgs = [replace(base, lr=lr) for lr in (3e-3, 1e-2)]
    data = _data()
    pairs = list(train_together(cfgs, data))
    for k, cfg in enumerate(cfgs):
        recs = [r for j, r in pairs if j == k]
        assert recs[0].precision == "bfloat16"
        together = recs[-1].model.state_dict()
        alone = next(r for r in train(cfg, data) if isinstance(r, Done)).model.state_dict()
        for name in together:
            torch.testing.assert_close(together[name], alone[name], rtol=0, atol=2e-2)


@pytest.mark.parametrize(("precision", "native", "said"), [("auto", True, ", bfloat16 (auto)"),
                         ("auto", False, None), ("float32", True, ", float32"),
                         ("bfloat16", False, ", bfloat16")])  # fmt: skip
def test_a_run_list_says_the_precision_a_run_computed_in(monkeypatch, tmp_path, precision,
                                                         native, said):  # fmt: skip
    """The store keeps the precision the run's Start named, and the run list's line says it:
    an "auto" run that computed in bfloat16 says so; one that stayed float32 says nothing."""
    from engine.torch_engine.recording import record_run
    from engine.torch_engine.runstore import RunStore

    monkeypatch.setattr(dev, "cpu_bf16_native", lambda: native)
    cfg = TrainConfig(model=ModelConfig("custom", layers=CONV), epochs=1, batch_size=16,
                      lr=1e-2, device="cpu", precision=precision)  # fmt: skip
    store = RunStore(tmp_path / "runs.sqlite")
    rec = record_run(store, "p", "train", cfg, train(cfg, _data()), save_checkpoint=False)
    start = next(r for r in rec if isinstance(r, Start))
    list(rec)
    row = store.runs()[0]
    assert row.final["precision"] == start.precision
    line = row.summary
    assert line.count("float") == (said is not None)  # said once, or not at all
    assert said is None or line.endswith(said)


def test_a_run_that_could_not_compute_in_the_precision_asked_says_which_it_used():
    """bfloat16 asked where it is not used (MPS) computes in float32: the line says both."""
    cfg = TrainConfig(model=ModelConfig("custom", layers=CONV), precision="bfloat16")
    assert describe(cfg, "float32").endswith(", float32 (bfloat16 asked)")
    assert describe(cfg, "bfloat16").endswith(", bfloat16")
    assert describe(cfg).endswith(", bfloat16")  # a run stored before the precision was kept


def test_a_checkpoint_keeps_the_precision_its_run_computed_in(monkeypatch, tmp_path):
    """The store's checkpoint and `train --save` keep it in their figures, so a run loaded from
    the file (the trainer's File menu) says ", bfloat16 (auto)" as the run did."""
    from engine.torch_engine.checkpoint import load_checkpoint
    from engine.torch_engine.recording import record_run
    from engine.torch_engine.runstore import RunStore

    monkeypatch.setattr(dev, "cpu_bf16_native", lambda: True)
    cfg = TrainConfig(model=ModelConfig("custom", layers=CONV), epochs=1, batch_size=16,
                      lr=1e-2, device="cpu", precision="auto")  # fmt: skip
    store = RunStore(tmp_path / "runs.sqlite")
    list(record_run(store, "p", "train", cfg, train(cfg, _data()), save_checkpoint=True))
    ck = load_checkpoint(store.runs()[0].checkpoint)
    assert ck.metrics["precision"] == "bfloat16"
    assert describe(ck.config, ck.metrics.get("precision")).endswith(", bfloat16 (auto)")
