import gzip
import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.torch_engine import mnist, mnist_csv, mnist_download
from engine.torch_engine.checkpoint import (
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)
from engine.torch_engine.experiments import batch_sweep, lr_range_test, lr_sweep
from engine.torch_engine.insides import predict_all
from engine.torch_engine.models import ModelConfig, ModelSpecError, build_model, count_parameters
from engine.torch_engine.records import Diverged, Done, Eval, LrSuggestion, Start, Step
from engine.torch_engine.training import FIRST_STEPS_RECORDED, TrainConfig, train

from .mnist_fixtures import idx_bytes, synthetic_digits, write_mnist


@pytest.fixture
def data_dir(tmp_path):
    return write_mnist(tmp_path / "mnist")


def run(cfg, data, **kw):
    return list(train(cfg, data, **kw))


def test_loads_gzipped_and_plain_idx(tmp_path, data_dir):
    d = mnist.load_mnist(data_dir)
    assert d.train_x.shape == (600, 28, 28) and d.test_y.shape == (200,)
    plain = mnist.load_mnist(write_mnist(tmp_path / "plain", gz=False))
    np.testing.assert_array_equal(plain.train_x, d.train_x)


def test_missing_folder_names_the_folder_and_the_four_files(tmp_path):
    with pytest.raises(mnist.MnistError) as e:
        mnist.load_mnist(tmp_path / "nothing")
    msg = str(e.value)
    assert str(tmp_path / "nothing") in msg
    assert all(base in msg for base, _, _ in mnist.FILES.values())


def test_one_missing_file_is_named(data_dir):
    (data_dir / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(mnist.MnistError, match="missing t10k-labels-idx1-ubyte"):
        mnist.load_mnist(data_dir)


def test_bad_magic_truncated_and_corrupt_files(data_dir):
    p = data_dir / "train-images-idx3-ubyte.gz"
    raw = gzip.decompress(p.read_bytes())
    p.write_bytes(gzip.compress(b"\x00\x00\x09\x99" + raw[4:]))
    with pytest.raises(mnist.MnistError, match="magic number 0x00000999"):
        mnist.load_mnist(data_dir)
    p.write_bytes(gzip.compress(raw[:-100]))
    with pytest.raises(mnist.MnistError, match="truncated"):
        mnist.load_mnist(data_dir)
    p.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(mnist.MnistError, match="not a valid gzip"):
        mnist.load_mnist(data_dir)


def test_count_mismatch_between_images_and_labels(data_dir):
    _, y = synthetic_digits(10)
    (data_dir / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(y)))
    with pytest.raises(mnist.MnistError, match="600 images but 10 labels"):
        mnist.load_mnist(data_dir)


def test_csv_import_and_its_errors(tmp_path):
    x, y = synthetic_digits(5)
    rows = ["label," + ",".join(f"p{i}" for i in range(784))]
    rows += [",".join(map(str, [int(y[i]), *x[i].ravel()])) for i in range(5)]
    p = tmp_path / "m.csv"
    p.write_text("\n".join(rows))
    cx, cy = mnist_csv.load_mnist_csv(p)
    np.testing.assert_array_equal(cx, x)
    np.testing.assert_array_equal(cy, y)
    p.write_text("\n".join(rows[:3] + ["1,2,3"]))
    with pytest.raises(mnist.MnistError, match="line 4: expected 785"):
        mnist_csv.load_mnist_csv(p)


def test_download_tries_mirrors_in_turn_and_verifies(tmp_path, monkeypatch):
    src = write_mnist(tmp_path / "mirror")
    sums = {
        role: (
            base,
            __import__("hashlib")
            .sha256(gzip.decompress((src / (base + ".gz")).read_bytes()))
            .hexdigest(),
            n,
        )
        for role, (base, _, n) in mnist.FILES.items()
    }
    monkeypatch.setattr(mnist, "FILES", sums)
    seen = []
    dest = mnist_download.download_mnist(
        tmp_path / "dest",
        mirrors=((tmp_path / "dead").as_uri() + "/", src.as_uri() + "/"),
        progress=lambda name, got, total: seen.append(name),
    )
    assert mnist.load_mnist(dest).train_x.shape == (600, 28, 28)
    assert seen
    bad = dict(sums)
    bad["test_labels"] = (sums["test_labels"][0], "0" * 64, 200)
    monkeypatch.setattr(mnist, "FILES", bad)
    with pytest.raises(mnist.MnistError, match="could not download t10k-labels"):
        mnist_download.download_mnist(tmp_path / "dest2", mirrors=(src.as_uri() + "/",))
    assert not list((tmp_path / "dest2").glob("*.part"))
    monkeypatch.setattr(mnist, "FILES", sums)  # a download resumed: the valid files kept
    part = tmp_path / "dest3"
    part.mkdir()
    kept = part / "train-images-idx3-ubyte.gz"
    kept.write_bytes((src / kept.name).read_bytes())
    before = kept.stat().st_mtime_ns
    mnist_download.download_mnist(part, mirrors=(src.as_uri() + "/",))
    assert kept.stat().st_mtime_ns == before and mnist.status(part).present
    damaged = tmp_path / "dest4"  # the user's damaged file is never replaced
    damaged.mkdir()
    (damaged / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b truncated")
    with pytest.raises(mnist.MnistError, match="t10k-labels-idx1-ubyte.gz in .* is damaged"):
        mnist_download.download_mnist(damaged, mirrors=(src.as_uri() + "/",))
    assert (damaged / "t10k-labels-idx1-ubyte.gz").read_bytes() == b"\x1f\x8b truncated"


def test_a_failed_download_gives_a_clear_message(tmp_path, monkeypatch):
    with pytest.raises(mnist_download.DownloadFailed) as e:  # a mirror reached, without the file
        mnist_download.download_mnist(tmp_path / "none", mirrors=((tmp_path / "x").as_uri() + "/",))
    assert str(e.value).startswith("could not download train-images-idx3-ubyte.gz from the")
    assert len(e.value.details) == 1 and not (tmp_path / "none").exists()
    import socket
    import urllib.error
    import urllib.request

    def offline(*a, **k):
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(mnist_download.DownloadFailed) as e:
        mnist_download.download_mnist(tmp_path / "none")
    assert str(e.value) == "No internet connection: none of the 3 MNIST mirrors could be reached"
    assert [d.split(": ", 1)[0] for d in e.value.details] == [
        m + "train-images-idx3-ubyte.gz" for m in mnist_download.MIRRORS
    ]


def test_models_and_parameter_counts():
    assert count_parameters(build_model(ModelConfig("mlp"))) == 235_146
    for name in ("lenet", "fast-cnn"):
        m = build_model(ModelConfig(name))
        assert m(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    custom = ModelConfig(
        "custom",
        layers=(
            {"type": "conv", "out": 4, "kernel": 3, "activation": "relu"},
            {"type": "pool"},
            {"type": "flatten"},
            {"type": "dropout", "p": 0.1},
            {"type": "dense", "units": 10},
        ),
    )
    assert build_model(custom)(torch.zeros(1, 1, 28, 28)).shape == (1, 10)
    with pytest.raises(ModelSpecError, match="layer 0 \\(blob\\)"):
        build_model(ModelConfig("custom", layers=({"type": "blob"},)))
    with pytest.raises(ModelSpecError, match="end with 10 outputs"):
        build_model(ModelConfig("custom", layers=({"type": "dense", "units": 7},)))


FAST = dict(batch_size=32, device="cpu", max_records_per_s=0)


def test_short_training_lowers_the_loss_and_reports_records(data_dir):
    d = mnist.load_mnist(data_dir)
    recs = run(TrainConfig(model=ModelConfig("mlp", hidden=(32,)), epochs=2, lr=3e-3, **FAST), d)
    steps = [r for r in recs if isinstance(r, Step)]
    assert isinstance(recs[0], Start) and isinstance(recs[-1], Done)
    assert steps[-1].loss < steps[0].loss * 0.5
    assert recs[0].layer_names == ("dense 1", "dense 2")
    assert all(len(s.layer_grad_norms) == 2 and s.grad_norm > 0 for s in steps)
    assert recs[-1].test_accuracy > 0.9


def test_records_are_throttled(data_dir):
    d = mnist.load_mnist(data_dir)
    recs = run(
        TrainConfig(
            model=ModelConfig("mlp", hidden=(16,)),
            epochs=3,
            batch_size=8,
            device="cpu",
            max_records_per_s=1e-3,
        ),
        d,
    )
    steps = [r for r in recs if isinstance(r, Step)]
    # the first 20 steps (a short run's plots are not empty until its first epoch ends), then
    # only the epoch ends, not 75 x 3 steps
    assert [r.step for r in steps] == [*range(1, FIRST_STEPS_RECORDED + 1), 75, 150, 225]


def test_cancellation_between_steps_keeps_the_weights(data_dir):
    d = mnist.load_mnist(data_dir)
    calls = {"n": 0}

    def stop():
        calls["n"] += 1
        return calls["n"] > 5

    recs = run(
        TrainConfig(model=ModelConfig("mlp", hidden=(16,)), epochs=2, **FAST), d, should_stop=stop
    )
    kinds = [r.kind for r in recs]
    assert "cancelled" in kinds and recs[-1].status == "cancelled"
    assert recs[-1].steps == 5
    assert all(torch.isfinite(p).all() for p in recs[-1].model.parameters())


def test_divergence_stops_names_the_step_and_keeps_good_weights(data_dir):
    d = mnist.load_mnist(data_dir)
    recs = run(
        TrainConfig(
            model=ModelConfig("mlp", hidden=(32,)), optimizer="sgd", lr=1e6, epochs=2, **FAST
        ),
        d,
    )
    div = [r for r in recs if isinstance(r, Diverged)]
    assert div and "diverged at step" in div[0].message and div[0].good_step < div[0].step
    assert recs[-1].status == "diverged"
    assert all(torch.isfinite(p).all() for p in recs[-1].model.parameters())


def test_training_is_seeded_and_reproducible(data_dir):
    d = mnist.load_mnist(data_dir)
    cfg = TrainConfig(model=ModelConfig("fast-cnn"), epochs=1, augment=True, **FAST)
    a, b = run(cfg, d)[-1], run(cfg, d)[-1]
    assert a.test_loss == b.test_loss


def test_early_stopping_and_target_accuracy(data_dir):
    d = mnist.load_mnist(data_dir)
    recs = run(
        TrainConfig(
            model=ModelConfig("mlp", hidden=(32,)), epochs=30, lr=3e-3, target_accuracy=0.5, **FAST
        ),
        d,
    )
    assert recs[-1].status == "target reached" and recs[-1].seconds_to_target > 0
    recs = run(
        TrainConfig(
            model=ModelConfig("mlp", hidden=(32,)),
            epochs=40,
            lr=0.05,
            optimizer="adam",
            val_size=100,
            patience=1,
            **FAST,
        ),
        d,
    )
    assert recs[-1].status == "early stopped"
    assert recs[-1].steps < 40 * 16
    assert all(r.val_loss is not None for r in recs if isinstance(r, Eval))


@pytest.mark.parametrize(
    "opt",
    ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam", "adadelta"],
)
@pytest.mark.parametrize("schedule", ["constant", "onecycle"])
def test_every_optimizer_and_schedule_runs(data_dir, opt, schedule):
    d = mnist.load_mnist(data_dir)
    lr = 1.0 if opt == "adadelta" else 0.01
    rec = run(
        TrainConfig(
            model=ModelConfig("mlp", hidden=(8,)),
            epochs=1,
            lr=lr,
            optimizer=opt,
            schedule=schedule,
            limit_train=64,
            **FAST,
        ),
        d,
    )[-1]
    assert rec.status == "finished"


def test_sweeps_differ_only_in_the_swept_value(data_dir):
    base = TrainConfig(model=ModelConfig("mlp", hidden=(8,)), epochs=1, limit_train=128, **FAST)
    runs = lr_sweep(base, [1e-3, 1e-2])
    assert [v.label for v in runs] == ["lr=0.001", "lr=0.01"]
    cfgs = [v.config for v in runs]
    assert replace(cfgs[0], lr=0) == replace(cfgs[1], lr=0)
    c0, c1 = (v.config for v in batch_sweep(base, [16, 64], scale_lr=True))
    assert (c0.batch_size, c1.batch_size) == (16, 64) and c1.lr == pytest.approx(4 * c0.lr)
    assert replace(c0, lr=0, batch_size=0) == replace(c1, lr=0, batch_size=0)


def test_lr_range_test_suggests_an_lr_inside_the_range(data_dir):
    d = mnist.load_mnist(data_dir)
    base = TrainConfig(model=ModelConfig("mlp", hidden=(32,)), **FAST)
    recs = list(lr_range_test(base, d, 1e-5, 10.0, 60))
    sug = recs[-1]
    assert isinstance(recs[0], Start) and isinstance(sug, LrSuggestion)
    assert 1e-5 <= sug.lr <= 10.0 and sug.rule
    assert len(sug.lrs) == len(sug.smoothed) == len(recs) - 2 > 10


def test_checkpoint_round_trip_is_atomic_and_predicts(tmp_path, data_dir):
    d = mnist.load_mnist(data_dir)
    cfg = TrainConfig(model=ModelConfig("mlp", hidden=(32,)), epochs=1, lr=3e-3, **FAST)
    done = run(cfg, d)[-1]
    path = save_checkpoint(
        tmp_path / "ck" / "m.pt", done.model, cfg, done.to_dict(), make_folder=True
    )
    assert [p.name for p in path.parent.iterdir()] == ["m.pt"]
    ck = load_checkpoint(path)
    assert ck.config == cfg and ck.metrics["test_accuracy"] == done.test_accuracy
    x, y = d.test_x[:20], d.test_y[:20]
    p1, p2 = predict_all(ck.model, x, y).probs, predict_all(done.model, x, y).probs
    np.testing.assert_allclose(p1, p2, atol=1e-6)
    assert (p1.argmax(1) == d.test_y[:20]).mean() > 0.8
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "bad.pt")


def cli(*args) -> int:
    from app.cli import main

    return main([str(a) for a in args])


QUICK = ("--epochs", 1, "--batch-size", 32, "--device", "cpu", "--json", "--no-download")


def test_cli_train_json(data_dir, capsys):
    rc = cli("train", "--model", "mlp", "--data", data_dir, *QUICK)
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    for key in ("test_accuracy", "epochs", "steps", "wall_seconds", "seconds_to_target", "device"):
        assert key in out


def test_cli_train_offline_missing_data_is_one_clear_line(tmp_path, capsys):
    from app.cli import main

    rc = main(["train", "--data", str(tmp_path / "no"), "--no-download", "--json"])
    err = capsys.readouterr().err
    assert rc == 2 and "MNIST was not found" in err and "Traceback" not in err


def test_cli_lr_find_and_sweeps(data_dir, capsys):
    from app.cli import main

    common = [
        "--data",
        str(data_dir),
        "--device",
        "cpu",
        "--json",
        "--no-download",
        "--limit-train",
        "128",
        "--batch-size",
        "32",
    ]
    assert main(["lr-find", *common, "--steps", "20"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert 1e-6 <= out["suggested_lr"] <= 1.0 and len(out["lrs"]) == len(out["smoothed_loss"])
    assert main(["sweep", "lr", "0.001,0.01", *common, "--epochs", "1"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [r["value"] for r in runs] == [0.001, 0.01]
    assert main(["sweep", "batch-size", "16,32", *common, "--epochs", "1", "--scale-lr"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [r["value"] for r in runs] == [16, 32]


def test_mnist_csv_files_in_a_folder_are_read(tmp_path):
    x, y = synthetic_digits(12)
    for name in mnist.CSV_FILES:
        rows = [",".join(map(str, [int(y[i]), *x[i].ravel()])) for i in range(12)]
        (tmp_path / name).write_text("\n".join(rows))
    d = mnist.load_mnist(tmp_path)
    assert d.train_x.shape == (12, 28, 28) and d.test_y.tolist() == y.tolist()


def test_cli_train_save_then_evaluate(data_dir, tmp_path, capsys):
    ck = tmp_path / "m.pt"
    assert cli("train", "--data", data_dir, *QUICK, "--save", ck) == 0
    trained = json.loads(capsys.readouterr().out)
    assert (
        cli("evaluate", ck, "--data", data_dir, "--device", "cpu", "--json", "--no-download") == 0
    )
    ev = json.loads(capsys.readouterr().out)
    assert ev["test_accuracy"] == pytest.approx(trained["test_accuracy"])
    (tmp_path / "junk.pt").write_bytes(b"junk")
    assert cli("evaluate", tmp_path / "junk.pt", "--data", data_dir) == 2
    assert "not a readable checkpoint" in capsys.readouterr().err


def test_threads_beside_a_gui_leave_a_core_free():
    import os

    from engine.torch_engine.device import pick_device, threads_beside_gui

    before = torch.get_num_threads()
    try:
        n = threads_beside_gui()
        assert n == max(1, (os.cpu_count() or 2) - 1) == torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
    if not torch.cuda.is_available():  # CI: asking for CUDA falls back and says why
        choice = pick_device("cuda")
        assert choice.device.type == "cpu"
        assert "CUDA was asked for but is not available" in choice.reason
