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
from tests.app.test_trainer_experiments import start_dropout_sweep
from tests.app.test_trainer_window import make_trainer, small_run, wait_done
from tests.engine.mnist_fixtures import write_mnist

__all__ = ["make_trainer"]


@pytest.fixture
def data_dir(tmp_path):
    return write_mnist(tmp_path / "mnist", n_train=900, n_test=200)


def opened(qtbot, make_trainer, data_dir):
    """A trainer window once its last experiment is drawn (it is read in a thread)."""
    w = make_trainer(data_dir)
    qtbot.waitUntil(lambda: w.last.done, timeout=10_000)
    return w


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
    start_dropout_sweep(w)
    wait_done(qtbot, w)
    w.sweep.redraw()
    tab = w.tabs.exp_tab
    before = (tab.reading.text(), cells(tab.finals_table), cells(tab.table), curves(w.sweep))
    assert before[0] and before[1] and before[3]
    w.close()
    again = opened(qtbot, make_trainer, data_dir)
    tab = again.tabs.exp_tab
    assert tab.current_scene() is again.sweep and again.sweep.title == w.sweep.title
    assert again.job is None  # drawn, not in hand: the lecturer's line names no "run 1 of 4"
    box = again.experiments  # the Experiments box says what the tab shows
    assert (box.param(), box.values.text(), box.repeats.text()) == ("dropout", "0; 0.5", "2")
    again.sweep.redraw()
    assert (tab.reading.text(), cells(tab.finals_table), cells(tab.table), curves(again.sweep)) == (
        before
    )
    rid = sorted(again.sweep.runs)[0]  # a run deleted since: the others are drawn
    again.store.delete(rid)
    again.close()
    third = opened(qtbot, make_trainer, data_dir)
    assert sorted(third.sweep.runs) == sorted(r for r in w.sweep.runs if r != rid)
    third.tabs.exp_tab.update_table()
    for r in list(third.sweep.runs):
        third.store.delete(r)
    third.close()
    fourth = opened(qtbot, make_trainer, data_dir)  # every run gone: an empty tab, nothing said
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
    again = opened(qtbot, make_trainer, data_dir)
    assert again.tabs.exp_tab.current_scene() is again.experiment
    assert again.experiment.kind == "lr-sweep"
    assert {k: (r["label"], r["done"]) for k, r in again.experiment.runs.items()} == finals
    again.close()


def good_entry(store_path, run_id, kind="sweep"):
    """A saved entry as the window writes it, of a dropout sweep (or an LR sweep)."""
    cfg = TrainConfig(model=ModelConfig("mlp", hidden=(8,)), epochs=1)
    if kind == "sweep":
        job = Job("sweep", cfg, None, param="dropout", values=(0.0, 0.5), repeats=1)
    else:
        job = Job("lr-sweep", cfg, None, values=(0.001, 0.01))
    return {"job": last_experiment.job_to_json(job), "store": str(store_path),
            "runs": [[run_id, 0, "g1"]]}  # fmt: skip


def spoilt(entry, where, value):
    """`entry` with one field, at a path of keys, set to `value`."""
    import copy

    out = copy.deepcopy(entry)
    *up, last = where
    node = out
    for k in up:
        node = node[k]
    node[last] = value
    return out


CORRUPT = [  # each passes json but not the engine's checks, or points at no run of this job
    (("job", "values"), 5),
    (("job", "values"), ["a", None]),
    (("job", "values"), [0.0, 7.5]),  # a dropout of 7.5
    (("job", "values"), [[1e999]]),
    (("job", "param"), "no such setting"),
    (("job", "kind"), "preset"),  # a preset without a preset
    (("job", "repeats"), "2"),
    (("job", "repeats"), 2.5),
    (("job", "repeats"), 10**9),
    (("job", "config", "seed"), "x"),
    (("job", "config", "model"), None),
    (("store",), "/elsewhere/runs.sqlite"),
    (("runs",), [[1e999, 0, "g1"]]),
    (("runs",), [[2**70, 0, "g1"]]),
    (("runs",), [[1, 99, "g1"]]),  # no such place in a 2-run job
    (("runs",), [[1, 0, 5]]),
    (("runs",), [[1, 0, "another group"]]),  # the id is another experiment's run now
    (("runs",), "x"),
]


def write_entry(tmp_path, value):
    from PySide6.QtCore import QSettings

    (tmp_path / "settings").mkdir(exist_ok=True)
    s = QSettings(str(tmp_path / "settings" / "trainer.ini"), QSettings.Format.IniFormat)
    s.setValue(last_experiment.KEY, value)
    s.sync()


def a_finished_run(store_path):
    """Run 1 of the store, of group g1, with a Start, an Eval and a Done."""
    from engine.torch_engine.records import Done, Eval, Start
    from engine.torch_engine.runstore import RunStore

    store = RunStore(store_path)
    rid = store.create_run("r", "sweep", TrainConfig(), "g1", "dropout=0")
    store.add_records(rid, [Start("cpu", "", "CPU", 10, 1, 1, 10, ("dense 1",)),
                            Eval(1, 1.0, 0.5, 0.9, 0.5, 0.9, 1.0, 0.4, 0.95),
                            Done("finished", 1, 1.0, 0.5, 0.9, 1.0, None, "cpu", 1)])  # fmt: skip
    store.finish(rid, "finished", {"test_accuracy": 0.9})
    return rid


@pytest.mark.parametrize("where, value", CORRUPT, ids=lambda x: str(x)[:30])
def test_a_spoilt_entry_leaves_an_empty_tab_and_a_working_window(
    where, value, qtbot, make_trainer, data_dir, tmp_path
):
    store_path = tmp_path / "runs.sqlite"
    rid = a_finished_run(store_path)
    good = good_entry(store_path, rid)
    write_entry(tmp_path, json.dumps(spoilt(good, where, value)))
    w = opened(qtbot, make_trainer, data_dir)
    assert w.sweep.runs == {} and w.experiment.runs == {} and not w.last_error
    assert w.form.check().config is not None  # the window works
    w.close()


def test_the_good_entry_of_those_is_drawn(qtbot, make_trainer, data_dir, tmp_path):
    """The entry the spoilt ones are made from is believed (so each spoilt one fails on its
    own fault)."""
    store_path = tmp_path / "runs.sqlite"
    rid = a_finished_run(store_path)
    write_entry(tmp_path, json.dumps(good_entry(store_path, rid)))
    w = opened(qtbot, make_trainer, data_dir)
    assert list(w.sweep.runs) == [rid] and w.tabs.exp_tab.current_scene() is w.sweep
    w.close()


@pytest.mark.parametrize(
    "saved", ["not json", "", json.dumps([1, 2]), "[" * 100_000, json.dumps({"job": "x" * 10**5})]
)
def test_an_unreadable_entry_leaves_an_empty_tab(saved, qtbot, make_trainer, data_dir, tmp_path):
    write_entry(tmp_path, saved)
    w = opened(qtbot, make_trainer, data_dir)
    assert w.sweep.runs == {} and w.experiment.runs == {} and not w.last_error
    w.close()


def test_a_single_run_after_a_sweep_keeps_the_sweep_for_the_next_session(
    qtbot, make_trainer, data_dir
):
    w = make_trainer(data_dir)
    start_dropout_sweep(w, epochs="1", repeats="1")
    wait_done(qtbot, w)
    swept = sorted(w.sweep.runs)
    w.run_button.click()  # a single run after it: the tab still shows the sweep
    wait_done(qtbot, w)
    assert w.tabs.exp_tab.current_scene() is w.sweep and sorted(w.sweep.runs) == swept
    w.close()
    again = opened(qtbot, make_trainer, data_dir)
    assert sorted(again.sweep.runs) == swept
    again.close()


def test_a_job_survives_its_json_with_its_value_types():
    cfg = TrainConfig(model=ModelConfig("mlp", hidden=(64, 32)), lr=0.01)
    job = Job("sweep", cfg, None, param="hidden", values=((256, 128), (64,)), repeats=2)
    back = last_experiment.job_from_json(json.loads(json.dumps(last_experiment.job_to_json(job))))
    assert back == job and back.values[0] == (256, 128) and back.config.model.hidden == (64, 32)
    with pytest.raises(ValueError):
        last_experiment.job_from_json({"kind": "train", "config": {}})
