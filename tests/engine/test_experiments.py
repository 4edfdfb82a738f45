"""Issue 20's experiments on tiny data: the training-set subset, the train-set figures, early
stopping's kept weights, sweeps of any one setting with repeats, the presets' readings and the
`sweep --json` contract."""

import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from engine.torch_engine.checkpoint import load_checkpoint
from engine.torch_engine.device_data import DeviceData, prepare
from engine.torch_engine.experiments import repeated, sweep
from engine.torch_engine.jobs import Job, run_job, variants
from engine.torch_engine.mnist import load_mnist
from engine.torch_engine.models import ModelConfig, build_model, layers_for
from engine.torch_engine.presets import (
    PRESETS,
    ROW_KEYS,
    accuracy_reading,
    gap_reading,
    preset_job,
    reading,
    run_row,
)
from engine.torch_engine.records import Done, Eval
from engine.torch_engine.subset import balanced_indices, eval_indices
from engine.torch_engine.sweepable import SWEEPABLE, apply, parse_values, value_text
from engine.torch_engine.training import TrainConfig, _begin, evaluate, train

from .mnist_fixtures import write_mnist

CFG = TrainConfig(ModelConfig("mlp", dropout=0.0, hidden=(16,)), epochs=2, batch_size=32,
                  lr=1e-2, device="cpu", max_records_per_s=0)  # fmt: skip


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_mnist(tmp_path_factory.mktemp("exp") / "mnist", n_train=400, n_test=100)


@pytest.fixture(scope="module")
def data(data_dir):
    return load_mnist(data_dir)


def test_the_subset_is_balanced_the_same_for_the_same_seed_and_apart_from_the_hold_out(data):
    labels = np.repeat(np.arange(10), 30)
    a, b = balanced_indices(labels, 105, 7), balanced_indices(labels, 105, 7)
    assert np.array_equal(a, b) and len(set(a.tolist())) == 105
    counts = np.bincount(labels[a], minlength=10)
    assert counts.min() == 10 and counts.max() == 11 and counts.sum() == 105
    assert not np.array_equal(a, balanced_indices(labels, 105, 8))  # another seed, other digits
    short = np.array([0] * 3 + [1] * 200)  # a class short of its share: the others fill in
    got = np.bincount(short[balanced_indices(short, 100, 0)], minlength=2)
    assert got.tolist() == [3, 97]
    with pytest.raises(ValueError, match="more than the 203 training digits"):
        balanced_indices(short, 204, 0)
    d = prepare(data, "cpu", val_size=100)
    cfg = dataclasses.replace(CFG, train_size=120, val_size=100)
    run, start = _begin(cfg, d, None)
    assert start.train_size == 120 and len(run.data.val_x) == 100
    assert np.bincount(run.data.train_y.numpy(), minlength=10).tolist() == [12] * 10
    held = {t.numpy().tobytes() for t in d.val_x}  # the hold-out's digits never train
    assert not any(t.numpy().tobytes() in held for t in run.data.train_x)


def test_repeats_differ_only_in_their_seed_and_are_named():
    runs = sweep(CFG, "dropout", (0.0, 0.5), repeats=3)
    assert [v.seed for v in runs] == [0, 1, 2] * 2 and [v.value for v in runs] == [0.0] * 3 + [
        0.5
    ] * 3
    assert runs[4].label == "dropout=0.5, seed=1"
    for v in runs:
        base = runs[0 if v.value == 0.0 else 3].config
        assert dataclasses.replace(v.config, seed=base.seed) == base
    job = Job("sweep", CFG, None, values=(0.0, 0.5), param="dropout", repeats=3)
    assert job.runs == 6 and [job.value_and_seed(i) for i in (0, 2, 4)] == [
        (0.0, 0),
        (0.0, 2),
        (0.5, 1),
    ]
    assert [v.label for v in variants(job)] == [v.label for v in runs]
    with pytest.raises(ValueError, match="repeats"):
        repeated(runs, 0)


VALUES = {"lr": (0.1,), "batch_size": (7,), "dropout": (0.5,), "weight_decay": (0.01,),
          "augment": (True,), "train_size": (150,), "optimizer": ("sgd",),
          "hidden": ((8, 8),), "width": (2.0,)}  # fmt: skip
FIELD = {"dropout": "model", "hidden": "model", "width": "model"}


@pytest.mark.parametrize("param", list(SWEEPABLE))
def test_a_swept_setting_changes_only_that_setting(param):
    base = dataclasses.replace(CFG, model=ModelConfig("lenet" if param == "width" else "mlp"))
    (v,) = sweep(base, param, VALUES[param])
    a, b = dataclasses.asdict(base), dataclasses.asdict(v.config)
    changed = {k for k in a if a[k] != b[k]}
    assert changed == {FIELD.get(param, param)}
    if param in FIELD:
        attr = {"dropout": "dropout", "hidden": "hidden", "width": "width"}[param]
        ma, mb = a["model"], b["model"]
        assert {k for k in ma if ma[k] != mb[k]} == {attr}


def test_same_initial_weights_where_the_shapes_allow_and_the_same_data_order(data):
    d = prepare(data, "cpu", 50)
    runs = sweep(CFG, "augment", (False, True)) + sweep(CFG, "dropout", (0.3,))
    runs += sweep(CFG, "weight_decay", (0.1,)) + sweep(CFG, "optimizer", ("sgd",))
    begun = [_begin(v.config, d, None)[0] for v in runs]
    w0 = list(begun[0].model.parameters())  # (a dropout layer shifts the names, not the values)
    for r in begun[1:]:
        w = list(r.model.parameters())
        assert len(w) == len(w0) and all(torch.equal(a, b) for a, b in zip(w0, w, strict=True))
    for v in runs[:2]:  # augmentation on draws from its own generator: the order is unchanged
        run, _ = _begin(v.config, d, None)
        list(_epoch_twice(run))
        g = torch.Generator().manual_seed(v.config.seed)
        [torch.randperm(len(d.train_x), generator=g) for _ in range(2)]  # two epochs' orders
        assert torch.equal(run.gen.get_state(), g.get_state())


def _epoch_twice(run):
    from engine.torch_engine.training import _epoch

    for e in range(2):
        yield from _epoch(run, e, None)


def test_the_train_set_figures_are_the_subsets_in_eval_mode(data):
    d = prepare(data, "cpu", 50)
    cfg = dataclasses.replace(CFG, model=ModelConfig("mlp", dropout=0.5, hidden=(16,)),
                              train_size=100, val_size=50)  # fmt: skip
    recs = list(train(cfg, d))
    ends = [r for r in recs if isinstance(r, Eval)]
    assert len(ends) == 2 and all(e.train_loss is not None for e in ends)
    done = recs[-1]
    idx = torch.from_numpy(balanced_indices(d.train_y.numpy(), 100, 0))
    x, y = d.train_x[idx], d.train_y[idx]
    model = done.model.eval()
    with torch.no_grad():  # an independent computation, in float64
        out = model(x).double()
        loss = torch.nn.functional.cross_entropy(out, y).item()
        acc = (out.argmax(1) == y).double().mean().item()
    assert math.isclose(ends[-1].train_loss, loss, rel_tol=1e-5)
    assert ends[-1].train_accuracy == acc and done.best_epoch == 2
    assert eval_indices(9_999, 0) is None and len(eval_indices(60_000, 0)) == 10_000


def noisy_val(d: DeviceData) -> DeviceData:
    """The hold-out with shuffled labels: its loss rises as the model grows sure of the digits."""
    g = torch.Generator().manual_seed(3)
    return dataclasses.replace(d, val_y=d.val_y[torch.randperm(len(d.val_y), generator=g)])


def test_early_stopping_keeps_the_best_epochs_weights_and_the_checkpoint_holds_them(data, tmp_path):
    from engine.torch_engine.recording import record_run
    from engine.torch_engine.runstore import RunStore

    d = noisy_val(prepare(data, "cpu", 100))
    cfg = dataclasses.replace(CFG, epochs=30, patience=2, val_size=100, lr=3e-2)
    store = RunStore(tmp_path / "runs.sqlite")
    rec = record_run(store, "es", "train", cfg, train(cfg, d))
    recs = list(rec)
    evals = [r for r in recs if isinstance(r, Eval)]
    done = recs[-1]
    assert isinstance(done, Done) and done.status == "early stopped"
    best = min(evals, key=lambda e: e.val_loss)
    assert done.best_epoch == round(best.epoch) and len(evals) == done.best_epoch + 2
    assert done.epochs == len(evals) and done.test_accuracy == best.test_accuracy
    for model in (done.model, load_checkpoint(store.run(rec.run_id).checkpoint).model):
        assert evaluate(model, d.val_x, d.val_y)[0] == pytest.approx(best.val_loss, rel=1e-9)
        assert evaluate(model, d.test_x, d.test_y)[1] == best.test_accuracy
    row = run_row(0.0, 0, done, evals)
    assert row["val_loss"] == best.val_loss and row["best_epoch"] == done.best_epoch


def test_patience_that_never_runs_out_still_ends_with_the_best_weights(data):
    d = noisy_val(prepare(data, "cpu", 100))
    cfg = dataclasses.replace(CFG, epochs=4, patience=10, val_size=100, lr=3e-2)
    recs = list(train(cfg, d))
    evals, done = [r for r in recs if isinstance(r, Eval)], recs[-1]
    best = min(evals, key=lambda e: e.val_loss)
    assert done.status == "finished" and done.best_epoch == round(best.epoch)
    assert evaluate(done.model, d.val_x, d.val_y)[0] == pytest.approx(best.val_loss, rel=1e-9)


def test_the_cnn_width_multiplier_scales_filters_and_hidden_units_only():
    wide = layers_for(ModelConfig("lenet", width=2.0))
    assert [x.get("out") or x.get("units") for x in wide if x["type"] in ("conv", "dense")] == [
        12, 32, 240, 168, 10]  # fmt: skip
    assert layers_for(ModelConfig("fast-cnn", width=0.25))[0]["out"] == 4
    build_model(ModelConfig("fast-cnn", width=0.25))


def test_values_are_read_for_every_setting_and_shown_back():
    assert parse_values("hidden", "256; 256, 128 64,64,64,64") == (
        ((256,), (256, 128), (64, 64, 64, 64)), "")  # fmt: skip
    assert parse_values("augment", "off,on") == ((False, True), "")
    assert parse_values("optimizer", "adam sgd")[0] == ("adam", "sgd")
    assert parse_values("train_size", "100,1000")[0] == (100, 1000)
    assert value_text("hidden", (256, 128)) == "256,128" and value_text("width", 2.0) == "2x"
    assert value_text("augment", True) == "on" and value_text("lr", 0.001) == "0.001"
    assert apply(CFG, "train_size", 500).train_size == 500


def row(value, seed, train, val, test):
    return dict(
        zip(
            ROW_KEYS,
            (value, seed, "finished", train, 0.1, val, 0.2, test, 0.3, 2, 1.0),
            strict=True,
        )
    )


def test_the_readings_are_drawn_from_the_numbers():
    rows = [row("none", 0, 1.0, 0.909, 0.9), row("dropout 0.5", 0, 0.95, 0.927, 0.92),
            row("augmentation", 0, 0.96, 0.93, 0.93)]  # fmt: skip
    assert gap_reading(rows) == (
        "dropout 0.5 closed the train–validation gap from 9.1 to 2.3 points, the most of the "
        "cures (dropout 0.5: 2.3, augmentation: 3.0)."
    )
    worse = [row("none", 0, 1.0, 0.95, 0.9), row("L2 0.001", 0, 1.0, 0.9, 0.9)]
    assert "no cure closed it (L2 0.001: 10.0)" in gap_reading(worse)
    three = [row((256,), s, 1, 1, a) for s, a in enumerate((0.97, 0.972, 0.974))]
    three += [row((64, 64), s, 1, 1, a) for s, a in enumerate((0.95, 0.96, 0.962))]
    text = accuracy_reading("hidden", three)
    assert text.startswith("hidden 256 scored best, 97.20% on test (97.00–97.40% over 3 seeds)")
    assert "ahead of hidden 64,64 at 95.73% (95.00–96.20%); their ranges do not overlap" in text
    three[3]["test_accuracy"] = 0.971
    assert "their ranges overlap" in accuracy_reading("hidden", three)
    assert "seed noise" in reading("batch", [row(32, 0, 1, 1, 0.9), row(128, 0, 1, 1, 0.8)])
    assert reading("topology", []).startswith("No run finished")


def test_the_presets_run_what_they_say(data):
    job = preset_job("overfitting", dataclasses.replace(CFG, seed=5), None)
    runs = variants(job)
    assert [v.value for v in runs] == list(PRESETS["overfitting"].values)
    assert all(v.config.train_size == 1000 and v.config.seed == 5 for v in runs)
    cures = {v.value: v.config for v in runs}
    assert cures["dropout 0.5"].model.dropout == 0.5 and cures["early stopping"].patience == 3
    assert cures["augmentation"].augment and cures["none"].model.dropout == 0
    smoothed = dataclasses.replace(CFG, label_smoothing=0.05)  # the form's fast-CNN recipe
    for name in ("overfitting", "topology", "batch"):  # a preset sets its own loss: plain
        assert all(
            v.config.label_smoothing == 0.0 for v in variants(preset_job(name, smoothed, None))
        )
    topo = preset_job("topology", CFG, None)
    assert topo.runs == 9 and [v.seed for v in variants(topo)][:3] == [0, 1, 2]
    small = dataclasses.replace(preset_job("batch", CFG, None).config, epochs=1,
                                val_size=50, train_size=100)  # fmt: skip
    job = dataclasses.replace(
        preset_job("batch", CFG, None), config=small, values=(32, 64), repeats=2
    )
    done = [t for t in run_job(job, data=data) if isinstance(t.record, Done)]
    assert [t.run_index for t in done] == [0, 1, 2, 3] and done[3].label == "batch=64, seed=1"


def test_sweep_json_keeps_the_contract(data_dir, capsys):
    from app.cli import main

    argv = ["sweep", "hidden", "8", "8,8", "--repeats", "2", "--data", str(data_dir),
            "--no-download", "--device", "cpu", "--json", "--epochs", "2", "--train-size", "100",
            "--val-size", "50", "--patience", "1", "--seed", "4"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["param"] == "hidden" and len(out["runs"]) == 4 and out["reading"]
    assert all(tuple(r) == ROW_KEYS for r in out["runs"])
    assert [(r["value"], r["seed"]) for r in out["runs"]] == [
        ([8], 4),
        ([8], 5),
        ([8, 8], 4),
        ([8, 8], 5),
    ]
    for r in out["runs"]:
        assert r["status"] in ("finished", "early stopped") and r["best_epoch"] in (1, 2)
        assert all(0 <= r[k] <= 1 for k in ("train_accuracy", "val_accuracy", "test_accuracy"))
    assert (
        main(argv[:4] + ["--data", str(data_dir), "--no-download", "--json", "--repeats", "11"])
        == 2
    )
    assert "--repeats: must be between 1 and 10" in capsys.readouterr().err


def test_lr_find_and_the_run_list_know_the_training_set_size(data):
    from engine.torch_engine.experiments import lr_range_test
    from engine.torch_engine.settings import describe

    cfg = dataclasses.replace(CFG, train_size=100)
    start = next(iter(lr_range_test(cfg, data, 1e-4, 1e-1, 5)))
    assert start.train_size == 100
    assert describe(dataclasses.replace(cfg, patience=3)).endswith(", 100 digits, patience 3")


@pytest.mark.parametrize("command", ["train", "sweep", "lr-find"])
def test_a_training_set_larger_than_the_data_is_refused_before_any_run_is_recorded(
    command, data_dir, capsys, private_run_store
):
    from app.cli import main

    extra = ["dropout", "0,0.2"] if command == "sweep" else []
    argv = [command, *extra, "--data", str(data_dir), "--no-download", "--device", "cpu"]
    assert main([*argv, "--train-size", "401", "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "more than the 400 training digits" in err[0]
    assert not private_run_store.exists()


def test_a_preset_runs_from_the_command_line_and_reads_its_result(data_dir, capsys):
    from app.cli import main

    argv = ["experiment", "batch", "--data", str(data_dir), "--no-download", "--device", "cpu"]
    assert main([*argv, "--json", "--limit-train", "200", "--seed", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["param"] == "batch" and len(out["runs"]) == 9
    assert [(r["value"], r["seed"]) for r in out["runs"][:4]] == [
        (32, 3),
        (32, 4),
        (32, 5),
        (128, 3),
    ]
    assert out["reading"] == reading("batch", out["runs"]) and "% on test" in out["reading"]
    with pytest.raises(SystemExit) as e:  # argparse's usage error: one line, exit 2
        main([*argv[:1], "sizes", *argv[2:]])
    assert e.value.code == 2 and "invalid choice: 'sizes'" in capsys.readouterr().err


def test_the_readings_survive_runs_that_measured_nothing():
    bad = [row("none", 0, float("nan"), None, float("inf")), row("dropout 0.5", 0, None, 0.9, None)]
    assert gap_reading(bad).startswith("No run measured both")
    assert accuracy_reading("dropout", bad).startswith("No run finished with a test accuracy")
    one = [row(0.5, 0, 1.0, 0.9, 0.91)]
    assert accuracy_reading("dropout", one) == "dropout 0.5 scored best, 91.00% on test."
    assert reading("dropout", []) == "No run finished, so there is nothing to read yet."
    empty = run_row((8, 8), 1, None, [])
    assert tuple(empty) == ROW_KEYS and empty["value"] == [8, 8] and empty["status"] is None
    nan_done = Done("diverged", 3, 0.5, float("nan"), 0.1, 1.0, None, "cpu")
    assert run_row(1.0, 0, nan_done, [])["test_loss"] is None  # JSON has no NaN


def test_a_stopped_run_is_left_out_of_the_reading():
    rows = [row(0.1, 0, 0.99, 0.97, 0.97), row(0.01, 0, 0.95, 0.94, 0.94)]
    stopped = dict(row(0.5, 0, 0.5, 0.99, 0.99), status="cancelled")  # half-trained, no result
    text = reading("lr", [*rows, stopped])
    assert text.startswith("lr 0.1 scored best") and "1 cancelled or diverged run left out" in text
    assert reading("lr", [stopped]) == "No run finished, so there is nothing to read yet."


@pytest.mark.parametrize("flags", [["--epochs", "1"], ["--model", "lenet"], ["--augment"]])
def test_an_experiment_refuses_the_settings_it_sets_itself(flags, data_dir, capsys):
    from app.cli import main

    argv = ["experiment", "batch", "--data", str(data_dir), "--no-download", *flags]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "uses its own settings" in err[0] and flags[0] in err[0]


def test_scale_lr_goes_with_the_batch_size_sweep_only(data_dir, capsys):
    from app.cli import main

    argv = ["sweep", "lr", "0.1,0.01", "--scale-lr", "--data", str(data_dir), "--no-download"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--scale-lr" in err[0] and "batch-size" in err[0]


def test_a_run_list_line_tells_the_presets_runs_apart():
    """The overfitting preset's runs without dropout and with 0.5 read alike in the run list, as
    did the topology preset's MLPs (a newcomer's walk)."""
    from engine.torch_engine.models import ModelConfig
    from engine.torch_engine.settings import describe

    lines = [
        describe(TrainConfig(model=mc))
        for mc in (
            ModelConfig(),
            ModelConfig(dropout=0.0),
            ModelConfig(dropout=0.5),
            ModelConfig(hidden=(256,)),
            ModelConfig(hidden=(64, 64, 64, 64)),
            ModelConfig("lenet", width=0.5),
        )  # fmt: skip
    ]
    assert len(set(lines)) == len(lines)
    assert "no dropout" in lines[1] and "dropout 0.5" in lines[2] and "mlp 64-64-64-64" in lines[4]
    assert lines[0].startswith("mlp, ") and "dropout" not in lines[0]  # the usual: unsaid
