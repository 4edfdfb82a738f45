"""Typed records, the atomic writer, MNIST helpers and the SQLite run store."""

import csv
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.atomic import atomic_path, atomic_write_bytes, clean_stale_parts
from engine.torch_engine import mnist, mnist_download
from engine.torch_engine.checkpoint import load_checkpoint, save_checkpoint
from engine.torch_engine.models import ModelConfig, build_model
from engine.torch_engine.recording import record_run
from engine.torch_engine.records import (
    Cancelled,
    Diverged,
    Done,
    Eval,
    LrPoint,
    LrSuggestion,
    Start,
    Step,
    from_dict,
)
from engine.torch_engine.runstore import RunStore, RunStoreError, read_csv
from engine.torch_engine.training import TrainConfig, train

from .mnist_fixtures import write_mnist

ROOT = Path(__file__).parents[2]
CFG = TrainConfig(
    model=ModelConfig("mlp", hidden=(8,)), epochs=1, batch_size=64, device="cpu", limit_train=128
)
SAMPLES = [
    Start("cpu", "asked", "CPU (2 threads)", 100, 2, 4, 128, ("dense 1", "dense 2")),
    Step(3, 0.5, 1.25, 0.5, 1e-3, 900.0, 2.5, (1.5, 2.0), 0.2),
    Eval(4, 1.0, 0.5, 0.875, None, None, 0.3),
    Eval(4, 1.0, 0.5, 0.875, 0.25, 0.9, 0.3),
    Diverged(7, 1.5, 5, "diverged at step 7"),
    Cancelled(2, 0.25, "cancelled at step 2"),
    Done("finished", 4, 1.0, 0.5, 0.875, 1.5, None, "cpu"),
    LrPoint(0, 1e-6, 2.3, 2.3),
    LrSuggestion(1e-3, "steepest fall", (1e-6, 1e-3), (2.3, 1.9)),
]


def test_records_round_trip_through_json():
    for rec in SAMPLES:
        d = json.loads(json.dumps(rec.to_dict()))
        assert d["kind"] == rec.kind and from_dict(d) == rec
    nan_step = Step(1, 0.1, float("nan"), 0.0, 0.1, 1.0, 1.0, (1.0,), 0.0)
    back = from_dict(json.loads(json.dumps(nan_step.to_dict())))
    assert math.isnan(back.loss) and back.layer_grad_norms == (1.0,)
    done = Done("finished", 1, 1.0, 0.1, 0.9, 1.0, None, "cpu", model=torch.nn.Linear(1, 1))
    assert "model" not in done.to_dict() and from_dict(done.to_dict()).model is None


def test_train_yields_typed_records_with_per_layer_gradient_norms(tmp_path):
    data = mnist.load_mnist(write_mnist(tmp_path / "m"))
    cfg = TrainConfig(
        model=ModelConfig("fast-cnn"),
        epochs=1,
        batch_size=64,
        device="cpu",
        max_records_per_s=0,
        eval_every=4,
    )
    recs = list(train(cfg, data))
    start, steps = recs[0], [r for r in recs if isinstance(r, Step)]
    assert isinstance(start, Start) and start.layer_names == ("conv 1", "conv 2", "dense 1")
    assert len(steps) == start.total_steps == 10  # throttle off: a record every step
    for s in steps:
        assert len(s.layer_grad_norms) == 3 and all(g > 0 for g in s.layer_grad_norms)
        assert s.grad_norm == pytest.approx(math.hypot(*s.layer_grad_norms), rel=1e-5)
    evals = [r for r in recs if isinstance(r, Eval)]
    assert [e.step for e in evals] == [4, 8, 10] and isinstance(recs[-1], Done)
    assert recs[-1].test_accuracy == evals[-1].test_accuracy


def test_atomic_writes_leave_no_part_files(tmp_path):
    target = tmp_path / "f.bin"
    atomic_write_bytes(target, b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk on fire")
    assert target.read_bytes() == b"old" and sorted(tmp_path.iterdir()) == [target]
    stale, fresh = tmp_path / ".x.1.part", tmp_path / ".x.2.part"
    stale.write_bytes(b"")
    fresh.write_bytes(b"")
    os.utime(stale, (time.time() - 120, time.time() - 120))
    assert clean_stale_parts(tmp_path) == 1 and fresh.exists() and not stale.exists()


def test_one_normalisation_of_pixels():
    x = np.zeros((2, 28, 28), np.uint8)
    x[1] = 255
    t = mnist.normalise(x)
    assert t.shape == (2, 1, 28, 28) and t.dtype == torch.float32
    assert float(t[0, 0, 0, 0]) == pytest.approx(-mnist.MEAN / mnist.STD)
    assert float(t[1, 0, 0, 0]) == pytest.approx((1 - mnist.MEAN) / mnist.STD)
    assert mnist.normalise(x[1]).shape == (1, 1, 28, 28)
    src = torch.full((28, 28), 255.0)
    mnist.normalise(src)
    assert float(src[0, 0]) == 255.0  # the caller's tensor is left alone


def test_mnist_status_says_what_is_there(tmp_path):
    folder = write_mnist(tmp_path / "m")
    assert mnist.status(folder)[:2] == (True, f"MNIST is present in {folder} (IDX files)")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    present, text, damaged = mnist.status(folder)
    assert not present and "missing t10k-labels-idx1-ubyte" in text and not damaged
    present, text, damaged = mnist.status(tmp_path / "none")
    assert not present and str(tmp_path / "none") in text and "train-images-idx3-ubyte" in text
    assert not damaged


def test_a_cancelled_download_leaves_no_files(tmp_path):
    src = write_mnist(tmp_path / "mirror")
    calls = {"n": 0}

    def stop_on_second_chunk():
        calls["n"] += 1
        return calls["n"] > 1

    with pytest.raises(mnist.MnistError, match="download cancelled"):
        mnist_download.download_mnist(
            tmp_path / "dest", mirrors=(src.as_uri() + "/",), should_stop=stop_on_second_chunk
        )
    assert calls["n"] == 2 and not (tmp_path / "dest").exists()  # nothing made, not even it


def test_store_create_add_finish_list_rename_delete(tmp_path):
    store = RunStore(tmp_path / "s" / "runs.sqlite")
    a = store.create_run("first", "train", CFG)
    b = store.create_run("second", "lr-sweep", CFG, group_id="g", group_label="lr=0.1")
    store.add_records(a, SAMPLES[:3])
    store.add_records(a, SAMPLES[3:])
    assert [r["seq"] for r in store.records(a)] == list(range(len(SAMPLES)))
    assert [r["kind"] for r in store.records(a, ["eval"])] == ["eval", "eval"]
    ck = store.checkpoint_dir / "run-1.pt"
    atomic_write_bytes(ck, b"weights", make_folder=True)
    store.finish(a, "finished", {"test_accuracy": 0.9}, str(ck))
    rows = store.runs()
    assert [r.id for r in rows] == [b, a]  # newest first
    assert rows[0].status == "running" and rows[0].group_label == "lr=0.1"
    assert rows[1].status == "finished" and rows[1].final["test_accuracy"] == 0.9
    assert store.config(a) == CFG and rows[1].finished >= rows[1].created
    store.rename(a, "renamed")
    assert store.run(a).name == "renamed"
    store.delete(a)
    assert [r.id for r in store.runs()] == [b] and store.records(a) == [] and not ck.exists()
    with pytest.raises(KeyError):
        store.run(a)
    with pytest.raises(ValueError, match="unknown status"):
        store.finish(b, "done", {})
    (tmp_path / "junk.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(RunStoreError, match="not a usable run store"):
        RunStore(tmp_path / "junk.sqlite")


WRITER = """
import sys, time
from engine.torch_engine.records import Step
from engine.torch_engine.runstore import RunStore
from engine.torch_engine.training import TrainConfig
store = RunStore(sys.argv[1])
run = store.create_run("killed", "train", TrainConfig())
for i in range(100000):
    store.add_records(run, [Step(i, i / 10, 1.0, 0.5, 0.1, 1.0, 1.0, (1.0,), i / 10)] * 5)
    time.sleep(0.002)
"""


def test_a_killed_writer_leaves_a_readable_store_and_an_interrupted_run(tmp_path):
    path = tmp_path / "runs.sqlite"
    store = RunStore(path)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            rows = store.runs()
            if rows and len(store.records(rows[0].id)) >= 50:
                break
            time.sleep(0.05)
        assert rows and rows[0].status == "running"  # its writer is alive
    finally:
        proc.kill()  # SIGKILL: no chance to clean up
        proc.wait()
    (run,) = store.runs()
    assert run.status == "interrupted" and run.finished is None
    recs = store.records(run.id)
    assert len(recs) >= 50 and len(recs) % 5 == 0  # whole batches only
    assert [r["seq"] for r in recs] == list(range(len(recs)))


def test_csv_export_round_trips_the_records(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    a = store.create_run("a, with comma", "train", CFG)
    store.add_records(a, SAMPLES)
    b = store.create_run("b", "lr-find", CFG)
    store.add_records(b, [Step(1, 0.1, float("nan"), 0.0, 0.1, 1.0, 1.0, (1.0,), 0.0)])
    assert store.export_csv(tmp_path / "out.csv") == len(SAMPLES) + 1
    with open(tmp_path / "out.csv", newline="") as f:
        header = next(csv.reader(f))
    assert header[:7] == ["run_id", "run_name", "seq", "kind", "step", "epoch", "elapsed"]
    rows = read_csv(tmp_path / "out.csv")
    stored = [{"run_id": a, "run_name": "a, with comma", **d} for d in store.records(a)]
    stored += [{"run_id": b, "run_name": "b", **d} for d in store.records(b)]
    assert len(rows) == len(stored)
    for row, want in zip(rows, stored, strict=True):
        for k, v in want.items():
            if isinstance(v, float) and math.isnan(v):
                assert math.isnan(row[k])
            else:
                assert row[k] == v, k
        assert all(row[k] is None for k in row.keys() - want.keys())
    assert not list(tmp_path.glob(".*.part"))


def test_record_run_finishes_cancels_and_interrupts(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    data = mnist.load_mnist(write_mnist(tmp_path / "m"))
    cfg = TrainConfig(
        model=ModelConfig("mlp", hidden=(8,)),
        epochs=3,
        batch_size=32,
        device="cpu",
        max_records_per_s=0,  # a record every step: two runs give the same count
    )
    rec = record_run(store, "whole", "train", cfg, train(cfg, data))
    done = list(rec)[-1]
    row = store.run(rec.run_id)
    assert row.status == "finished" and row.final["steps"] == done.steps
    assert row.final["samples_per_s"] > 0
    assert load_checkpoint(row.checkpoint).metrics["test_accuracy"] == done.test_accuracy
    assert len(store.records(rec.run_id)) == len(list(train(cfg, data)))

    rec = record_run(store, "closed", "train", cfg, train(cfg, data))
    it = iter(rec)
    kinds = [next(it).kind for _ in range(3)]
    rec.close()
    assert store.run(rec.run_id).status == "cancelled"
    assert [r["kind"] for r in store.records(rec.run_id)] == kinds

    def broken():
        yield from SAMPLES[:2]
        raise RuntimeError("boom")

    rec = record_run(store, "broken", "train", cfg, broken(), save_checkpoint=False)
    with pytest.raises(RuntimeError, match="boom"):
        list(rec)
    assert store.run(rec.run_id).status == "interrupted"
    assert len(store.records(rec.run_id)) == 2


# ---- a kill during the write never loses the model ----
def _spawn(data: Path, save: Path, db: Path, epochs: int) -> subprocess.Popen:
    quick = ("--no-download", "--device", "cpu", "--json", "--limit-train", "64")
    argv = ["train", "--data", data, "--save", save, "--runs-db", db, "--epochs", epochs, *quick]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "app", *map(str, argv)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill_when_writing(proc: subprocess.Popen, folder: Path, limit_s: float) -> None:
    """SIGKILL as soon as a new .part shows in `folder` (or after `limit_s`)."""
    end, before = time.monotonic() + limit_s, set(os.listdir(folder))
    while time.monotonic() < end and proc.poll() is None:
        if any(n.endswith(".part") for n in set(os.listdir(folder)) - before):
            break
        time.sleep(0.0005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_a_killed_save_leaves_the_old_or_the_new_model_never_half(tmp_path):
    """`train --save` killed (SIGKILL) as its checkpoint is being written, then at a random
    moment: the old file or the new one is there, whole; the next start sweeps stale .part files."""
    good = write_mnist(tmp_path / "mnist", n_train=120, n_test=40)
    out = tmp_path / "out"
    out.mkdir()
    save = out / "m.pt"
    model = ModelConfig("mlp", hidden=(16,))
    save_checkpoint(save, build_model(model), TrainConfig(model=model), {"status": "old"})
    old = save.read_bytes()
    rng = np.random.default_rng(0)
    for limit in (30.0, float(rng.uniform(1.5, 4.0))):
        _kill_when_writing(_spawn(good, save, tmp_path / "r.sqlite", 2), out, limit)
        assert load_checkpoint(save).model is not None  # old or new, whole either way
    (out / ".m.pt.leftover.part").write_bytes(old[:100])
    for stale in out.glob(".*.part"):  # what the kills left, and one more, as if from long ago
        os.utime(stale, (time.time() - 3600, time.time() - 3600))
    assert _spawn(good, save, tmp_path / "r.sqlite", 1).wait(120) == 0
    assert sorted(p.name for p in out.iterdir()) == ["m.pt"]  # the stale .part was swept
    assert load_checkpoint(save).metrics["status"] == "finished"


def test_each_epoch_end_saves_the_model_so_far(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    data = mnist.load_mnist(write_mnist(tmp_path / "m"))
    cfg = TrainConfig(model=ModelConfig("mlp", hidden=(8,)), epochs=2, batch_size=64)
    rec = record_run(store, "live", "train", cfg, train(cfg, data))
    seen = []
    for r in rec:
        if isinstance(r, Eval):
            row = store.run(rec.run_id)
            assert row.status == "running" and row.checkpoint  # saved before the run ends
            ck = load_checkpoint(row.checkpoint)
            seen.append(ck.metrics["epoch"])
            assert ck.metrics["test_accuracy"] == r.test_accuracy
    assert seen == [1.0, 2.0]
    assert store.run(rec.run_id).status == "finished"
