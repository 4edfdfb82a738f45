"""The Experiment tab's last experiment comes back after a restart: drawn again from the store's
records with the same reading and tables; deleted runs left out; a damaged saved entry leaves
an empty tab and a working window."""

import json

import numpy as np
import pytest

from app.trainer import last_experiment
from engine.torch_engine.jobs import Job
from engine.torch_engine.models import ModelConfig
from engine.torch_engine.training import TrainConfig
from tests.app.test_trainer_window import make_trainer, small_run, wait_done
from tests.engine.mnist_fixtures import write_mnist

__all__ = ["make_trainer"]


@pytest.fixture
def data_dir(tmp_path):
    return write_mnist(tmp_path / "mnist", n_train=900, n_test=200)


def curves(sweep):
    """Every value's drawn curves' data, for comparing two windows."""
    out = {}
    for v, item in sorted(sweep.items.items()):
        for key, drawn in item.items():
            for k, curve in enumerate(drawn):
                if hasattr(curve, "getData"):
                    x, y = curve.getData()
                    out[(v, key, k)] = (None if x is None else np.asarray(x).tolist(),
                                        None if y is None else np.asarray(y).tolist())  # fmt: skip
    return out


def cells(table):
    return [
        [table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_a_finished_sweep_is_drawn_again_after_a_restart(qtbot, make_trainer, data_dir):
    w = make_trainer(data_dir)
    small_run(w, epochs="2")
    w.form.fields["train_size"].setText("300")
    w.experiments.set_param("dropout")
    w.experiments.values.setText("0, 0.5")
    w.experiments.repeats.setText("2")
    w.experiments.sweep_button.click()
    wait_done(qtbot, w)
    w.sweep.redraw()
    tab = w.tabs.exp_tab
    before = (tab.reading.text(), cells(tab.finals_table), cells(tab.table), curves(w.sweep))
    assert before[0] and before[1] and before[3]
    w.close()
    again = make_trainer(data_dir)
    tab = again.tabs.exp_tab
    assert tab.current_scene() is again.sweep and again.sweep.title == w.sweep.title
    assert again.job is None  # drawn, not in hand: the lecturer's line names no "run 1 of 4"
    again.sweep.redraw()
    assert (tab.reading.text(), cells(tab.finals_table), cells(tab.table), curves(again.sweep)) == (
        before
    )
    rid = sorted(again.sweep.runs)[0]  # a run deleted since: the others are drawn
    again.store.delete(rid)
    again.close()
    third = make_trainer(data_dir)
    assert sorted(third.sweep.runs) == sorted(r for r in w.sweep.runs if r != rid)
    third.tabs.exp_tab.update_table()
    for r in list(third.sweep.runs):
        third.store.delete(r)
    third.close()
    fourth = make_trainer(data_dir)  # every run gone: an empty tab, nothing said
    assert fourth.sweep.runs == {} and not fourth.last_error
    fourth.close()


def test_an_lr_sweep_is_drawn_again_after_a_restart(qtbot, make_trainer, data_dir):
    w = make_trainer(data_dir)
    small_run(w, epochs="1")
    w.experiments.lrs.setText("0.001, 0.01")
    w.experiments.lr_button.click()
    wait_done(qtbot, w)
    finals = {k: (r["label"], r["done"]) for k, r in w.experiment.runs.items()}
    w.close()
    again = make_trainer(data_dir)
    assert again.tabs.exp_tab.current_scene() is again.experiment
    assert again.experiment.kind == "lr-sweep"
    assert {k: (r["label"], r["done"]) for k, r in again.experiment.runs.items()} == finals
    again.close()


@pytest.mark.parametrize(
    "saved",
    [
        "not json",
        "",
        json.dumps([1, 2]),
        json.dumps({"job": {"kind": "train"}, "runs": []}),  # not an experiment
        json.dumps({"job": {"kind": "sweep"}, "runs": [[1, 0]]}),  # no config
        json.dumps({"job": {"kind": "sweep", "config": {"model": {}}}, "runs": "x"}),
        json.dumps({"job": "x" * 100_000, "runs": [[1, 0]]}),
        '{"job": {"kind": "sweep", "config": {"model": {"name": "mlp"}}, "values": [1e999]}, '
        '"runs": [[1e999, 0]]}',
    ],
)
def test_a_damaged_saved_experiment_leaves_an_empty_tab(saved, make_trainer, data_dir, tmp_path):
    from PySide6.QtCore import QSettings

    (tmp_path / "settings").mkdir(exist_ok=True)
    s = QSettings(str(tmp_path / "settings" / "trainer.ini"), QSettings.Format.IniFormat)
    s.setValue(last_experiment.KEY, saved)
    s.sync()
    w = make_trainer(data_dir)
    assert w.sweep.runs == {} and w.experiment.runs == {} and not w.last_error
    assert w.form.check().config is not None  # the window works
    w.close()


def test_a_job_survives_its_json_with_its_value_types():
    cfg = TrainConfig(model=ModelConfig("mlp", hidden=(64, 32)), lr=0.01)
    job = Job("sweep", cfg, None, param="hidden", values=((256, 128), (64,)), repeats=2)
    back = last_experiment.job_from_json(json.loads(json.dumps(last_experiment.job_to_json(job))))
    assert back == job and back.values[0] == (256, 128) and back.config.model.hidden == (64, 32)
    with pytest.raises(ValueError):
        last_experiment.job_from_json({"kind": "train", "config": {}})
