"""Jobs in this process and in a child process, every run recorded; the `runs` CLI."""

import json

import pytest

from engine.torch_engine.jobs import Job, JobFailed, Tagged, run_job, run_job_in_process
from engine.torch_engine.models import ModelConfig
from engine.torch_engine.records import Done, LrPoint, LrSuggestion, Start, Step
from engine.torch_engine.runstore import RunStore
from engine.torch_engine.training import TrainConfig
from tests.children import job_children

from .mnist_fixtures import write_mnist

TINY = TrainConfig(
    model=ModelConfig("mlp", hidden=(8,)),
    epochs=1,
    batch_size=64,
    limit_train=128,
    device="cpu",
    max_records_per_s=0,
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(write_mnist(tmp_path_factory.mktemp("mnist")))


def job(kind, data_dir, store, **kw):
    return Job(kind, kw.pop("config", TINY), data_dir, store_path=str(store), **kw)


def test_run_job_records_one_store_run_per_value(data_dir, tmp_path):
    store_path = tmp_path / "runs.sqlite"
    out = list(run_job(job("train", data_dir, store_path)))
    assert all(isinstance(t, Tagged) for t in out) and len({t.run_id for t in out}) == 1
    assert isinstance(out[0].record, Start) and isinstance(out[-1].record, Done)
    out = list(run_job(job("lr-sweep", data_dir, store_path, values=(1e-3, 1e-2, 0.1))))
    assert [t.label for t in out if isinstance(t.record, Done)] == ["lr=0.001", "lr=0.01", "lr=0.1"]
    out = list(run_job(job("batch-sweep", data_dir, store_path, values=(32, 64), scale_lr=True)))
    assert [t.run_index for t in out if isinstance(t.record, Done)] == [0, 1]
    out = list(run_job(job("lr-find", data_dir, store_path, lr_steps=20)))
    assert isinstance(out[-1].record, LrSuggestion)
    assert sum(isinstance(t.record, LrPoint) for t in out) == len(out[-1].record.lrs)

    rows = RunStore(store_path).runs()[::-1]  # oldest first
    assert [r.kind for r in rows] == ["train"] + ["lr-sweep"] * 3 + ["batch-sweep"] * 2 + [
        "lr-find"
    ]
    assert rows[0].group_id is None and all(r.status == "finished" for r in rows)
    assert len({r.group_id for r in rows[1:4]}) == 1 and rows[1].group_id != rows[4].group_id
    assert [r.group_label for r in rows[1:4]] == ["lr=0.001", "lr=0.01", "lr=0.1"]
    assert [r.settings["lr"] for r in rows[1:4]] == [1e-3, 1e-2, 0.1]
    assert {r.settings["seed"] for r in rows[1:4]} == {0}
    assert rows[5].settings["lr"] == pytest.approx(2 * rows[4].settings["lr"])
    assert rows[6].final["suggested_lr"] == out[-1].record.lr
    with pytest.raises(ValueError, match="at least one value"):
        list(run_job(job("lr-sweep", data_dir, store_path)))


def test_a_job_in_a_child_process_runs_and_leaves_no_child(data_dir, tmp_path):
    items = list(run_job_in_process(job("train", data_dir, tmp_path / "runs.sqlite")))
    recs = [i.record for i in items if isinstance(i, Tagged)]
    assert isinstance(recs[0], Start) and isinstance(recs[-1], Done)
    assert recs[-1].model is None and any(isinstance(r, Step) for r in recs)
    assert not job_children()
    (row,) = RunStore(tmp_path / "runs.sqlite").runs()
    assert row.status == "finished" and row.checkpoint and row.pid != 0


def test_closing_a_child_job_cancels_its_run_and_keeps_its_records(data_dir, tmp_path):
    long = TrainConfig(
        model=ModelConfig("mlp", hidden=(8,)),
        epochs=500,
        batch_size=16,
        device="cpu",
        max_records_per_s=0,
    )
    stream = run_job_in_process(job("train", data_dir, tmp_path / "runs.sqlite", config=long))
    seen = []
    for item in stream:
        if isinstance(item, Tagged):
            seen.append(item.record)
            if isinstance(item.record, Step):
                break
    stream.close()
    assert not job_children()
    store = RunStore(tmp_path / "runs.sqlite")
    (row,) = store.runs()
    assert row.status == "cancelled"
    kinds = [r["kind"] for r in store.records(row.id)]
    assert kinds[:3] == ["start", "histograms", "step"]  # histograms: the initial weights
    assert kinds[-2:] == ["cancelled", "done"]


def test_a_failing_child_job_says_why_in_one_sentence(tmp_path):
    items = list(run_job_in_process(job("train", str(tmp_path / "no"), tmp_path / "r.sqlite")))
    assert isinstance(items[-1], JobFailed) and "MNIST was not found" in items[-1].message
    assert not job_children()


def test_cli_records_runs_and_lists_and_exports_them(data_dir, tmp_path, capsys):
    from app.cli import main

    db = str(tmp_path / "cli.sqlite")
    common = ["--data", data_dir, "--device", "cpu", "--no-download", "--runs-db", db]
    assert main(["train", *common, "--epochs", "1", "--limit-train", "64", "--json"]) == 0
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    assert main(["runs", "--json", "--runs-db", db]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    assert run["id"] == run_id and run["status"] == "finished" and run["kind"] == "train"
    assert run["test_accuracy"] is not None and run["created"]
    assert main(["runs", "--runs-db", db]) == 0
    assert "mlp" in capsys.readouterr().out
    assert main(["runs", "--runs-db", db, "export", str(tmp_path / "all.csv")]) == 0
    assert "records written" in capsys.readouterr().out
    assert (tmp_path / "all.csv").read_text().startswith("run_id,run_name,seq,kind")
