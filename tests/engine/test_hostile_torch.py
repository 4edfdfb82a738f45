"""Hostile input to the torch engine and its command line: every case is refused with exit code 2
(1 where a run really diverged), exactly one line on stderr and no traceback; the library refuses
it with a clear exception naming the file. Most cases fail before any training step."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.safe_io import UnwritablePath, check_output_path
from engine.torch_engine import mnist, mnist_csv, mnist_download
from engine.torch_engine.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from engine.torch_engine.models import ModelConfig, build_model
from engine.torch_engine.runstore import RunStore, RunStoreError
from engine.torch_engine.training import TrainConfig

from .mnist_fixtures import idx_bytes, synthetic_digits, write_mnist

ROOT = Path(__file__).resolve().parents[2]
TINY = ("--no-download", "--device", "cpu", "--json")
QUICK = (*TINY, "--limit-train", "64", "--batch-size", "16", "--epochs", "1")


def cli(capsys, *args) -> tuple[int, str, str]:
    from app.cli import main

    try:
        rc = main([str(a) for a in args])
    except SystemExit as e:  # argparse's own errors
        rc = e.code
    out, err = capsys.readouterr()
    return rc, out, err


def refused(result, match: str = "", code: int = 2) -> str:
    rc, out, err = result
    lines = err.strip().splitlines()
    assert rc == code, (rc, out, err)
    assert len(lines) == 1, err
    assert "Traceback" not in out + err
    assert re.search(match, lines[0]), lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return write_mnist(tmp_path_factory.mktemp("good") / "mnist", n_train=120, n_test=40)


# ---- CLI flags ----
FLAGS = [
    (("train", "--batch-size", "0"), "--batch-size: must be between 1"),
    (("train", "--batch-size", "-5"), "--batch-size"),
    (("train", "--batch-size", "1.5"), "--batch-size: must be a whole number"),
    (("train", "--batch-size", "1e999"), "--batch-size: must be a number"),
    (
        ("train", "--batch-size", "3e3"),
        "--batch-size: must be a whole number written with digits, like 3000",
    ),
    (("train", "--epochs", "2.0"), "--epochs: must be a whole number written with digits, like 2"),
    (("train", "--seed", "٣"), "--seed: must be a whole number written with digits, like 3"),
    (
        ("sweep", "batch-size", "64 1e2"),
        "value 2 ('1e2') must be a whole number written with digits",
    ),
    (("train", "--epochs", "0"), "--epochs: must be between 1"),
    (("train", "--epochs", "-1"), "--epochs"),
    (("train", "--epochs", "x"), "--epochs: must be a number"),
    (("train", "--epochs", "10000000000000000000000"), "--epochs"),
    (("train", "--lr", "nan"), "--lr: must be a number"),
    (("train", "--lr", "0"), "--lr: must be above 0"),
    (("train", "--lr", "-inf"), "--lr"),
    (("train", "--dropout", "1"), "--dropout"),
    (("train", "--seed", "-1"), "--seed"),
    (("train", "--weight-decay", "inf"), "--weight-decay"),
    (("train", "--label-smoothing", "0.6"), "--label-smoothing: must be between 0 and 0.5"),
    (("train", "--label-smoothing", "-0.01"), "--label-smoothing"),
    (("train", "--label-smoothing", "nan"), "--label-smoothing: must be a number"),
    (("train", "--label-smoothing", ""), "--label-smoothing: must be a number"),
    (("train", "--label-smoothing", "1e999"), "--label-smoothing: must be a number"),
    (("sweep", "lr", "0.1", "--label-smoothing", "x"), "--label-smoothing: must be a number"),
    (("experiment", "overfitting", "--label-smoothing", "0.1"), "--label-smoothing"),
    (("train", "--optimizer", "adamm"), "--optimizer: choose one of"),
    (("train", "--schedule", "linear"), "--schedule: choose one of"),
    (("train", "--device", "bogus"), "--device: choose one of"),
    (("train", "--device", "gpu\u00e9"), "--device"),
    (("train", "--target-accuracy", "1.5"), "--target-accuracy"),
    (("train", "--target-accuracy", "nan"), "--target-accuracy"),
    (("train", "--eval-every", "-1"), "--eval-every"),
    (("train", "--eval-every", "2.5"), "--eval-every"),
    (("train", "--limit-train", "0"), "--limit-train"),
    (("train", "--model", "resnet"), "invalid choice"),
    (("train", "--bogus-flag"), "unrecognized arguments"),
    (("train", "--epochs"), "expected one argument"),
    (("bogus",), "invalid choice"),
    (("sweep", "batch-size", "0"), "sweep values: value 1"),
    (("sweep", "batch-size", "1.5"), "must be a whole number"),
    (("sweep", "batch-size", "16,,32"), "value 2"),
    (("sweep", "lr", "0.1,inf"), "value 2"),
    (("sweep", "lr", "0"), "must be above 0"),
    (("sweep", "lr", ",".join(["0.1"] * 50)), "over the limit"),
    (("sweep", "momentum", "1"), "sweep setting: choose one of: lr (above 0 up to 10)"),
    (("train", "--train-size", "99"), "--train-size: must be between 100 and 60,000"),
    (("train", "--train-size", "nan"), "--train-size: must be a number"),
    (("train", "--train-size", "1e12"), "--train-size: must be between"),
    (("train", "--train-size", "-100"), "--train-size"),
    (("train", "--train-size", "150.5"), "--train-size: must be a whole number"),
    (("train", "--train-size", "60000", "--val-size", "100"), "--train-size: with 100 held out"),
    (("train", "--patience", "2"), "--patience: early stopping watches the validation loss"),
    (("train", "--patience", "-1", "--val-size", "50"), "--patience: must be between 0"),
    (("train", "--patience", "inf", "--val-size", "50"), "--patience: must be a number"),
    (("train", "--val-size", "x"), "--val-size: must be a number"),
    (("lr-find", "--train-size", "abc"), "--train-size: must be a number"),
    (("sweep", "hidden", "0"), "value 1 ('0') each layer size must be between 1 and 4,096"),
    (("sweep", "hidden", "256,,128"), "each layer size must be a number"),
    (("sweep", "hidden", "1,2,3,4,5,6,7,8,9"), "must be 1 to 8 layer sizes"),
    (("sweep", "hidden", "256\x00"), "each layer size must be a number"),
    (("sweep", "augment", "maybe"), "value 1 ('maybe') must be on or off"),
    (("sweep", "augment", "on", "yes"), "each value once"),
    (("sweep", "optimizer", "adam,sgdd"), "value 2 ('sgdd') choose one of sgd"),
    (("sweep", "width", "2"), "sweep setting: width applies to lenet and fast-cnn only"),
    (("sweep", "width", "0.1", "--model", "lenet"), "width takes 0.25 to 4"),
    (("sweep", "dropout", "0.5", "--model", "fast-cnn"), "dropout applies to mlp only"),
    (("sweep", "train-size", "50"), "value 1 ('50') must be between 100 and 60,000"),
    (("sweep", "l2", "-1"), "l2 takes 0 to 1"),
    (("sweep", "lr", ""), "value 1 ('') must be a number"),
    (("sweep", "", "1"), "sweep setting: choose one of"),
    (("sweep", "dropout", "0.5", "--repeats", "0"), "--repeats: must be between 1 and 10"),
    (("sweep", "dropout", "0.5", "--repeats", "nan"), "--repeats: must be a number"),
    (("sweep", "l2", "0;0.1;0.2;0.3;0.4;0.5;0.6", "--repeats", "9"), "over 60 runs"),
    (("lr-find", "--start", "0"), "--start: must be above 0"),
    (("lr-find", "--steps", "0"), "--steps: must be between"),
    (("lr-find", "--steps", "1e9"), "--steps"),
    (("lr-find", "--start", "1", "--end", "0.1"), "--end: must be above the first LR"),
    (("lr-find", "--end", "nan"), "--end"),
    (("evaluate", "x.pt", "--device", "tpu"), "--device: choose one of"),
    (("train", "--save", ""), "--save: the file name is empty"),
]


@pytest.mark.parametrize(("argv", "match"), FLAGS, ids=[" ".join(a)[:40] for a, _ in FLAGS])
def test_cli_flags_are_refused_before_any_work(argv, match, good, capsys, tmp_path):
    db = tmp_path / "runs.sqlite"
    store = ("--runs-db", db) if argv[0] != "evaluate" else ()
    common = ("--data", good, *store, *TINY)
    refused(cli(capsys, argv[0], *common, *argv[1:]), re.escape(match))
    assert not db.exists()  # refused before the run store (or anything) was touched


def test_the_window_and_the_cli_say_the_same_words(good, capsys):
    from engine.torch_engine.settings import check

    form = {"model": "mlp", "optimizer": "adam", "schedule": "constant", "epochs": "0"}
    form |= {"batch_size": "1.5", "lr": "1e-3", "dropout": "0", "weight_decay": "0"}
    words = check(form | {"seed": "0", "val_size": "0"}).errors
    line = refused(cli(capsys, "train", "--epochs", "0", "--batch-size", "1.5", "--data", good))
    assert f"--epochs: {words['epochs']}" in line and f"--batch-size: {words['batch_size']}" in line


def test_a_run_that_diverges_exits_1_with_one_line(good, capsys):
    argv = ("train", "--data", good, *QUICK, "--epochs", "4", "--optimizer", "sgd", "--lr", "10")
    refused(cli(capsys, *argv, "--schedule", "constant"), "diverged at step", code=1)


def test_usage_errors_are_one_line_in_a_real_process():
    for argv in (["bogus"], ["train", "--epochs"]):
        p = subprocess.run(
            [sys.executable, "-m", "app", *argv], cwd=ROOT, capture_output=True, text=True
        )
        refused((p.returncode, p.stdout, p.stderr), "backprop-studio: error: ")


# ---- MNIST folders and IDX files ----
IMAGES = "train-images-idx3-ubyte.gz"


def _corrupt_stream(d: Path) -> None:
    raw = bytearray((d / IMAGES).read_bytes())
    raw[40:60] = b"\xff" * 20  # inside the deflate stream: zlib.error
    (d / IMAGES).write_bytes(bytes(raw))


def _replace(d: Path, how) -> None:
    (d / IMAGES).unlink()
    how(d / IMAGES)


def _no_test_images(d: Path) -> None:
    empty = np.zeros((0, 28, 28), np.uint8)
    (d / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(empty)))
    (d / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(np.zeros(0))))


def _forged_header(d: Path) -> None:
    forged = b"\x00\x00\x08\x03" + b"\xff\xff\xff\xff" * 3  # 2^96 bytes promised
    (d / IMAGES).write_bytes(gzip.compress(forged))


def _bad_label(d: Path) -> None:
    _, y = synthetic_digits(40)
    y[7] = 12
    (d / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(y)))


IDX_CASES = {
    "corrupt gzip stream": (_corrupt_stream, "not a valid gzip file"),
    "truncated gzip": (lambda d: _trim(d / IMAGES, 200), "truncated gzip"),
    "empty file": (lambda d: (d / IMAGES).write_bytes(b""), "too short"),
    "gzip bomb": (
        lambda d: (d / IMAGES).write_bytes(gzip.compress(b"\0" * (mnist.MAX_IDX_BYTES + 2))),
        "unpacks to more than",
    ),
    "forged header": (_forged_header, "truncated: its header promises"),
    "a folder": (lambda d: _replace(d, Path.mkdir), "is a folder"),
    "a FIFO": (lambda d: _replace(d, os.mkfifo), "pipe"),
    "/dev/zero": (lambda d: _replace(d, lambda p: p.symlink_to("/dev/zero")), "device"),
    "a symlink loop": (lambda d: _replace(d, lambda p: p.symlink_to(p)), "cannot open"),
    "no test images": (_no_test_images, "has no test images"),
    "a label over 9": (_bad_label, "label 12"),
}


def _trim(p: Path, n: int) -> None:
    p.write_bytes(p.read_bytes()[:-n])


@pytest.mark.parametrize("case", list(IDX_CASES))
def test_bad_idx_files_are_named_and_refused(case, tmp_path, capsys):
    d = write_mnist(tmp_path / "m", n_train=40, n_test=40)
    spoil, match = IDX_CASES[case]
    spoil(d)
    with pytest.raises(mnist.MnistError, match=match) as e:
        mnist.load_mnist(d)
    assert "ubyte" in str(e.value)  # the file is named
    refused(cli(capsys, "train", "--data", d, *QUICK), re.escape(match))


FOLDERS = {
    "a file": (lambda t: _touch(t / "f.bin"), "is a file, not a folder"),
    "/dev/zero": (lambda t: Path("/dev/zero"), "not a folder"),
    "a FIFO": (lambda t: _fifo(t / "pipe"), "not a folder"),
    "missing": (lambda t: t / "nope", "MNIST was not found"),
    "unicode, missing": (lambda t: t / "donn\u00e9es \u6570\u5b57", "MNIST was not found"),
    "a symlink loop": (lambda t: _loop(t / "loop"), "cannot open the MNIST folder"),
}


def _touch(p: Path) -> Path:
    p.write_bytes(b"x")
    return p


def _fifo(p: Path) -> Path:
    os.mkfifo(p)
    return p


def _loop(p: Path) -> Path:
    p.symlink_to(p)
    return p


@pytest.mark.parametrize("case", list(FOLDERS))
def test_bad_data_folders_are_refused_and_nothing_is_created(case, tmp_path, capsys):
    make, match = FOLDERS[case]
    folder = make(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(mnist.MnistError, match=match):
        mnist.load_mnist(folder)
    refused(cli(capsys, "train", "--data", folder, *QUICK, "--save", tmp_path / "m.pt"), match)
    assert sorted(tmp_path.rglob("*")) == before  # no folder, no checkpoint, no store


def test_a_failed_download_creates_no_folder(tmp_path):
    with pytest.raises(mnist.MnistError, match="could not download"):
        mnist_download.ensure_mnist(
            tmp_path / "new", download=True
        ) if False else mnist_download.download_mnist(
            tmp_path / "new", mirrors=((tmp_path / "dead").as_uri() + "/",)
        )
    assert not (tmp_path / "new").exists()


# ---- MNIST CSV ----
def _csv_rows(n: int) -> list[str]:
    x, y = synthetic_digits(n)
    return [",".join(map(str, [int(y[i]), *x[i].ravel()])) for i in range(n)]


def _with_cell(k: int, value: str):
    def edit(rows):
        cells = rows[2].split(",")
        cells[k] = value
        rows[2] = ",".join(cells)

    return edit


CSV_CASES = {
    "inf": (_with_cell(5, "inf"), "line 3: pixel 5 ('inf') is not a finite number"),
    "nan": (_with_cell(5, "nan"), "line 3: pixel 5 ('nan') is not a finite number"),
    "1e999": (_with_cell(5, "1e999"), "line 3: pixel 5 ('1e999') is not a finite number"),
    "text": (_with_cell(5, "abc"), "line 3: pixel 5 ('abc') is not a number"),
    "a fraction": (_with_cell(5, "2.5"), "is not a plain whole number"),
    "an exponent": (_with_cell(5, "1e2"), "is not a plain whole number"),
    "underscores": (_with_cell(5, "1_0"), "is not a"),
    "unicode digit": (_with_cell(5, "\u0663"), "is not a plain whole number"),
    "label 10": (_with_cell(0, "10"), "line 3: the label is 10"),
    "label -1": (_with_cell(0, "-1"), "line 3: the label is -1"),
    "pixel 256": (_with_cell(9, "256"), "line 3: pixel 9 is 256"),
    "pixel -1": (_with_cell(9, "-1"), "line 3: pixel 9 is -1"),
    "too few columns": (lambda r: r.__setitem__(2, "1,2,3"), "line 3: expected 785 values"),
    "too many": (
        lambda r: r.__setitem__(2, r[2] + ",0"),
        "line 3: expected 785 values (label + 784 pixels), got 786",
    ),
    "over-long line": (_with_cell(5, "0" * 20_000), "line 3 has 2"),
    "only a header": (lambda r: r.__delitem__(slice(1, None)), "has no data rows"),
    "too many rows": (
        lambda r: r.extend([r[1]] * (mnist_csv.MAX_CSV_ROWS + 1)),
        "the limit is 100,000 rows",
    ),
}


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_bad_csv_rows_are_named_by_file_and_line(case, tmp_path, capsys):
    edit, match = CSV_CASES[case]
    rows = ["label," + ",".join(f"p{i}" for i in range(784)), *_csv_rows(6)]
    edit(rows)
    (tmp_path / "mnist_train.csv").write_text("\n".join(rows))
    (tmp_path / "mnist_test.csv").write_text("\n".join(_csv_rows(4)))
    with pytest.raises(mnist.MnistError, match=re.escape(match)) as e:
        mnist.load_mnist(tmp_path)
    assert "mnist_train.csv" in str(e.value)
    argv = ("train", "--data", tmp_path, "--device", "cpu", "--json", "--epochs", "1")
    line = refused(cli(capsys, *argv), re.escape(match))  # downloading allowed: not tried
    assert "download" not in line


CSV_FILES = {
    "not UTF-8": (lambda p: p.write_bytes(b"\xff\xfe\x00bad"), "not UTF-8"),
    "a FIFO": (os.mkfifo, "pipe"),
    "a folder": (Path.mkdir, "is a folder"),
    "/dev/zero": (lambda p: p.symlink_to("/dev/zero"), "device"),
    "empty": (lambda p: p.write_bytes(b""), "has no data rows"),
}


@pytest.mark.parametrize("case", list(CSV_FILES))
def test_unreadable_csv_files_are_refused(case, tmp_path, capsys):
    make, match = CSV_FILES[case]
    (tmp_path / "mnist_train.csv").write_text("\n".join(_csv_rows(6)))
    make(tmp_path / "mnist_test.csv")
    with pytest.raises(mnist.MnistError, match=match) as e:
        mnist.load_mnist(tmp_path)
    assert "mnist_test.csv" in str(e.value)
    refused(cli(capsys, "train", "--data", tmp_path, *QUICK), match)


def test_a_csv_without_a_header_keeps_its_first_row(tmp_path):
    rows = _csv_rows(5)
    for name in mnist.CSV_FILES:
        (tmp_path / name).write_text("\n".join(rows) + "\n")
    x, y = mnist_csv.load_mnist_csv(tmp_path / "mnist_train.csv")
    assert len(y) == 5 and y.tolist() == synthetic_digits(5)[1].tolist()
    assert mnist.load_mnist(tmp_path).test_x.shape == (5, 28, 28)


# ---- checkpoints ----
def _checkpoint(path: Path, nan: bool = False) -> Path:
    cfg = TrainConfig(model=ModelConfig("mlp", hidden=(16,)), epochs=1)
    model = build_model(cfg.model)
    if nan:
        with torch.no_grad():
            next(model.parameters())[0, 0] = float("nan")
    return save_checkpoint(path, model, cfg, {"epochs": 1.0})


def _flip(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    mid = len(raw) // 2
    raw[mid : mid + 64] = bytes(255 - b for b in raw[mid : mid + 64])
    path.write_bytes(bytes(raw))


CHECKPOINTS = {
    "64 corrupted bytes": (lambda p: _flip(_checkpoint(p)), "m.pt is corrupt"),
    "NaN weights": (lambda p: _checkpoint(p, nan=True), "m.pt holds weights that are not finite"),
    "truncated": (lambda p: _trim(_checkpoint(p), 500), "m.pt is not a readable checkpoint"),
    "empty": (lambda p: p.write_bytes(b""), "m.pt is not a readable checkpoint"),
    "another torch file": (lambda p: torch.save({"a": 1}, p), "not a Backprop Studio checkpoint"),
    "a folder": (Path.mkdir, "is a folder"),
    "a FIFO": (os.mkfifo, "pipe"),
    "/dev/zero": (lambda p: p.symlink_to("/dev/zero"), "device"),
    "a symlink loop": (lambda p: p.symlink_to(p), "cannot open checkpoint"),
    "missing": (lambda p: None, "no such file"),
}


@pytest.mark.parametrize("case", list(CHECKPOINTS))
def test_bad_checkpoints_are_refused_with_the_file_named(case, tmp_path, good, capsys):
    make, match = CHECKPOINTS[case]
    path = tmp_path / "m.pt"
    make(path)
    with pytest.raises(CheckpointError, match=re.escape(match)):
        load_checkpoint(path)
    refused(cli(capsys, "evaluate", path, "--data", good, "--no-download"), re.escape(match))


def test_a_good_checkpoint_still_loads_and_old_ones_are_read(tmp_path):
    ck = load_checkpoint(_checkpoint(tmp_path / "m.pt"))
    assert ck.config.model.hidden == (16,)
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    del payload["sha256"]
    torch.save({**payload, "format": "backprop-studio-checkpoint/1"}, tmp_path / "old.pt")
    assert load_checkpoint(tmp_path / "old.pt").config == ck.config  # no checksum to verify


@pytest.mark.parametrize("width", [1.0, 0.5])
def test_a_fast_cnn_saved_before_its_new_layout_loads_as_the_model_it_is(tmp_path, width):
    """A fast CNN saved before 2026-12-06 (conv-bn-relu-pool) still loads, evaluates the same
    and reads as the custom model it is; another model's weights are still refused."""
    from engine.torch_engine.models import FAST_CNN_BEFORE, build_layers, widened

    torch.manual_seed(0)
    old = build_layers(widened(list(FAST_CNN_BEFORE), width)).eval()
    cfg = TrainConfig(model=ModelConfig("fast-cnn", width=width), epochs=1)
    ck = load_checkpoint(save_checkpoint(tmp_path / "old.pt", old, cfg, {"epochs": 1.0}))
    assert ck.config.model.name == "custom" and ck.config.model.layers[0]["batchnorm"]
    x = torch.randn(4, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(ck.model(x), old(x))
    mlp = build_model(ModelConfig("mlp", hidden=(16,)))
    save_checkpoint(tmp_path / "other.pt", mlp, cfg, {"epochs": 1.0})
    with pytest.raises(CheckpointError, match="says it holds a fast-cnn model"):
        load_checkpoint(tmp_path / "other.pt")


# ---- run-store and output paths ----
def _garbage(p: Path) -> Path:
    p.write_bytes(b"this is not sqlite" * 100)
    return p


STORES = {
    "a folder": (lambda t: t, "is a folder"),
    "a FIFO": (lambda t: _fifo(t / "s.sqlite"), "not a regular file"),
    "/dev/zero": (lambda t: Path("/dev/zero"), "not a regular file"),
    "not SQLite": (lambda t: _garbage(t / "s.sqlite"), "not a usable run store"),
    "a symlink loop": (lambda t: _loop(t / "s.sqlite"), "not a usable run store"),
    "under a device": (lambda t: Path("/dev/null/s.sqlite"), "not a usable run store"),
}


@pytest.mark.parametrize("case", list(STORES))
def test_bad_run_store_paths_are_refused(case, tmp_path, capsys):
    make, match = STORES[case]
    path = make(tmp_path)
    with pytest.raises(RunStoreError, match=match):
        RunStore(path)
    refused(cli(capsys, "runs", "--runs-db", path), match)


OUTPUTS = {
    "a folder": (lambda t: t, "is a folder"),
    "no such folder": (lambda t: t / "no" / "x.csv", "does not exist"),
    "a FIFO": (lambda t: _fifo(t / "x.csv"), "pipe"),
    "/dev/null": (lambda t: Path("/dev/null"), "device"),
    "a symlink loop": (lambda t: _loop(t / "x.csv"), "cannot use"),
    "a name too long": (lambda t: t / ("x" * 300), "not a valid file name"),
}


@pytest.mark.parametrize("case", list(OUTPUTS))
def test_bad_output_paths_are_refused_before_the_work(case, tmp_path, good, capsys):
    make, match = OUTPUTS[case]
    path = make(tmp_path)
    with pytest.raises(UnwritablePath, match=match):
        check_output_path(path, "output")
    db = tmp_path / "runs.sqlite"
    refused(cli(capsys, "runs", "--runs-db", db, "export", path), match)
    refused(cli(capsys, "train", "--data", good, *QUICK, "--runs-db", db, "--save", path), match)
    assert not (tmp_path / "runs-checkpoints").exists()  # no run was made: nothing was trained


@pytest.mark.parametrize(
    "param, text, why",
    [
        ("lr", "", "must be a number"),
        ("lr", "abc", "must be a number"),
        ("lr", "20", "between 0 and 10"),
        ("lr", "0.1, 0.1", "each value once"),
        ("lr", "1," * 13, "over the limit of 12"),
        ("lr", "nan", "number"),
        ("batch_size", "16.5", "whole number"),
        ("batch_size", "70000", "between 1 and 60,000"),
    ],
)
def test_a_sweep_typed_in_the_window_is_checked_as_the_cli_checks_it(param, text, why):
    from engine.torch_engine.settings import check, sweep_values

    values, err = sweep_values(param, text)
    assert values == () and why in err
    form_err = check({"sweep_param": param, "sweep_values": text}).errors["sweep_values"]
    assert form_err == err


def test_sweep_values_may_be_separated_by_commas_spaces_or_semicolons():
    from engine.torch_engine.settings import lr_range, sweep_values

    assert sweep_values("lr", "0.1; 0.01 1e-3") == ((0.1, 0.01, 0.001), "")
    assert sweep_values("batch_size", "16, 64") == ((16, 64), "")
    assert lr_range("1e-6", "1", "100") == ((1e-6, 1.0, 100), "")
    assert lr_range("1", "0.1", "100")[1].startswith("LR to: must be above")


@pytest.mark.parametrize("present", ["mnist_train.csv", "mnist_test.csv"])
def test_one_csv_of_the_pair_names_the_other(present, tmp_path, capsys):
    """A folder with mnist_train.csv alone got the generic "MNIST was not found"."""
    (tmp_path / present).write_text("\n".join(_csv_rows(6)))
    other = next(n for n in mnist.CSV_FILES if n != present)
    with pytest.raises(mnist.MnistError, match=f"has {present} but not {other}"):
        mnist.load_mnist(tmp_path)
    refused(cli(capsys, "train", "--data", tmp_path, "--no-download", *QUICK), f"not {other}")


def test_an_unreadable_data_folder_says_so(tmp_path, monkeypatch, capsys):
    """It read "MNIST was not found" (its files could not be seen)."""
    import os

    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if Path(p) == tmp_path else real(p, m))
    with pytest.raises(mnist.MnistError, match="cannot read the MNIST folder .*permission denied"):
        mnist.load_mnist(tmp_path)
