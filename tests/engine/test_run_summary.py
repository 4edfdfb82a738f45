"""A run list row says what the run ran (issue 23, defect 11): an LR range test its range and
steps, not the training settings it never used ("onecycle, 2 ep")."""

import math

import pytest

from engine.torch_engine.experiments import lr_range_test
from engine.torch_engine.mnist import load_mnist
from engine.torch_engine.models import ModelConfig
from engine.torch_engine.recording import record_run
from engine.torch_engine.runstore import RunStore
from engine.torch_engine.settings import describe, describe_run
from engine.torch_engine.training import TrainConfig
from tests.engine.mnist_fixtures import write_mnist


def test_an_lr_range_test_row_says_the_range_and_steps_it_ran(tmp_path):
    data = load_mnist(write_mnist(tmp_path / "mnist", n_train=300, n_test=50))
    store = RunStore(tmp_path / "runs.sqlite")
    cfg = TrainConfig(model=ModelConfig("mlp"), epochs=2, batch_size=32, schedule="onecycle")
    recs = list(record_run(store, "find", "lr-find", cfg, lr_range_test(cfg, data, 1e-5, 1, 20)))
    (row,) = store.runs()
    steps = len(recs[-1].lrs)
    assert row.summary.startswith("mlp, adam, batch 32: LR range test 1e-05→")
    assert f", {steps} steps, suggested {recs[-1].lr:.2g}" in row.summary
    assert "onecycle" not in row.summary and " ep" not in row.summary
    assert row.final["lr_to"] == pytest.approx(recs[-1].lrs[-1])


@pytest.mark.parametrize(
    "final",
    [
        {},
        None,
        {"lr_from": "x", "lr_to": 1, "steps": 3},
        {"lr_from": math.nan, "lr_to": 1, "steps": 3},
    ],
)
def test_a_running_or_odd_lr_range_row_says_only_what_it_is(final):
    cfg = TrainConfig(model=ModelConfig("cnn"), batch_size=64)
    assert describe_run("lr-find", cfg, final) == f"cnn, {cfg.optimizer}, batch 64: LR range test"


def test_other_runs_keep_their_settings_line():
    cfg = TrainConfig(model=ModelConfig("mlp"), epochs=2)
    assert describe_run("train", cfg, {}) == describe_run("lr-sweep", cfg, {}) == describe(cfg)
