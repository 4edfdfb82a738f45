"""Issue 20 in the trainer window, on tiny IDX data written by the tests (never the real MNIST):
a sweep of any setting with repeats drawn as bands with its reading and overlap table, a preset
experiment in one click, the new fields and the sweep's fields given hostile values."""

import pytest
from PySide6.QtCore import Qt

from app.trainer.live_plots import run_pen
from engine.torch_engine.runstore import RunStore
from tests.app.test_trainer_window import RUN_TIMEOUT_MS, make_trainer, small_run, wait_done
from tests.children import job_children
from tests.engine.mnist_fixtures import write_mnist

__all__ = ["make_trainer"]  # a fixture shared with test_trainer_window
HUGE = "9" * 5000


@pytest.fixture
def data_dir(tmp_path):
    return write_mnist(tmp_path / "mnist", n_train=1400, n_test=200)


def start_dropout_sweep(w, epochs="2", repeats="2") -> None:
    """Dropout 0 and 0.5 on 300 digits, `repeats` seeds each, started from the sweep box."""
    small_run(w, epochs=epochs)
    w.form.fields["train_size"].setText("300")
    w.experiments.set_param("dropout")
    w.experiments.values.setText("0, 0.5")
    w.experiments.repeats.setText(repeats)
    w.experiments.sweep_button.click()


def test_a_dropout_sweep_with_two_seeds_draws_bands_a_reading_and_the_table(
    qtbot, make_trainer, data_dir
):
    w = make_trainer(data_dir)
    start_dropout_sweep(w)
    assert w.runner.running and w.tabs.currentIndex() == 2
    assert w.tabs.exp_tab.current_scene() is w.sweep
    wait_done(qtbot, w)
    assert not w.last_error, w.last_error
    assert sorted(w.sweep.items) == [0, 1] and len(w.sweep.runs) == 4
    w.set_lecturer(True)  # the large readout names the run its numbers are from
    assert w.lecture.readout.text().startswith("dropout=0.5, seed=1 · run 4 of 4\nepoch 2.00 / 2")
    w.set_lecturer(False)
    w.refresh_runs()
    for k in range(w.run_list.topLevelItemCount()):  # each run's swatch: its value's colour
        item = w.run_list.topLevelItem(k)
        rid = item.data(0, Qt.ItemDataRole.UserRole)
        shown = item.icon(0).pixmap(14, 14).toImage().pixelColor(7, 7)
        assert shown == run_pen(w.sweep.runs[rid]["value"]).color(), item.text(0)
    assert [len(w.sweep.value_runs(v)) for v in (0, 1)] == [2, 2]
    w.sweep.redraw()
    _, rows = w.sweep.final_points.getData()
    assert list(rows) == [0, -1]  # one row per value
    _, gap = w.sweep.items[0]["gap"][0].getData()  # the training set was measured each epoch
    assert gap is not None and len(gap) == 2
    assert w.tabs.exp_tab.table.rowCount() == 1
    assert w.tabs.exp_tab.reading.text() and w.tabs.exp_tab.reading.isVisible()
    rows = RunStore(w.store.path).runs()
    assert len(rows) == 4 and len({r.group_id for r in rows}) == 1
    seeds = sorted(RunStore(w.store.path).config(r.id).seed for r in rows)
    assert seeds == [0, 0, 1, 1]  # repeats differ only in their seed
    assert sorted(RunStore(w.store.path).config(r.id).model.dropout for r in rows) == [
        0,
        0,
        0.5,
        0.5,
    ]


def test_a_preset_runs_in_one_click_and_ends_with_its_reading(qtbot, make_trainer, data_dir):
    w = make_trainer(data_dir)
    small_run(w, epochs="2")
    key = "batch"  # 9 short runs; the overfitting preset wants 6,000 digits and 40 epochs
    w.experiments.preset_buttons[key].click()
    assert w.runner.running
    wait_done(qtbot, w)
    assert not w.last_error, w.last_error
    assert w.sweep.items and w.tabs.exp_tab.reading.text()
    assert len(RunStore(w.store.path).runs()) == w.job.runs


def test_the_one_click_sweeps_still_draw_their_own_plots(qtbot, make_trainer, data_dir):
    """After a band sweep, the LR sweep's button shows the LR sweep's plots, no reading."""
    w = make_trainer(data_dir)
    w.tabs.exp_tab.show_sweep(True)
    w.tabs.exp_tab.set_reading("an old reading")
    small_run(w, epochs="1")
    w.experiments.lrs.setText("0.001, 0.01")
    w.experiments.lr_button.click()
    assert w.tabs.exp_tab.current_scene() is w.experiment
    assert not w.tabs.exp_tab.reading.isVisible()
    wait_done(qtbot, w)
    assert sorted(w.experiment.runs) == [0, 1]


@pytest.mark.parametrize("field", ["train_size", "patience"])
def test_the_new_fields_refuse_nonsense_beside_the_field(field, make_trainer, data_dir):
    w = make_trainer(data_dir)
    for text in (HUGE, "1e999", "-inf", "nan", "0x10", "1,5", "1 2", "\x00", "-3", "2.5"):
        w.form.fields[field].setText(text)
        w.run_button.click()
        err = w.form.errors[field].text()
        assert err and "\n" not in err and len(err) < 200, (text, err)
        assert not w.runner.running and job_children() == []
    w.form.fields["train_size"].setText("99")  # below the least subset
    w.form.check()
    assert w.form.errors["train_size"].text()
    assert w.store.runs() == [] and not w.store.path.exists()


def test_patience_without_a_validation_hold_out_is_refused(make_trainer, data_dir):
    w = make_trainer(data_dir)
    w.form.fields["val_size"].setText("0")
    w.form.fields["patience"].setText("3")
    w.run_button.click()
    assert not w.runner.running and w.form.check().config is None


@pytest.mark.parametrize(
    "param, values",
    [
        ("dropout", ""),
        ("dropout", "abc"),
        ("dropout", "0.5, 2"),
        ("lr", "nan"),
        ("lr", "1e999"),
        ("batch_size", "0"),
        ("hidden", "256; 0"),
        ("optimizer", "adam, sgdd"),
        ("augment", "maybe"),
        ("train_size", "50"),
        ("width", "-1"),
        ("lr", HUGE),
        ("lr", ", ".join(["0.1"] * 40)),
    ],
)
def test_hostile_sweep_values_are_one_sentence_in_the_box(param, values, make_trainer, data_dir):
    w = make_trainer(data_dir)
    w.form.model.setCurrentText("mlp")
    w.experiments.set_param(param)
    w.experiments.values.setText(values)
    w.experiments.sweep_button.click()
    err = w.experiments.error.text()
    assert err.startswith("Values: ") and "\n" not in err and len(err) < 400, err
    assert w.experiments.error.isVisible()
    assert w.last_error == f"the sweep was not started: {err}"  # also where it is seen
    assert not w.runner.running and job_children() == [] and not w.store.path.exists()


@pytest.mark.parametrize("repeats", ["", "0", "11", "-1", "1.5", "²", "abc", HUGE, "\x00"])
def test_hostile_repeats_are_one_sentence_in_the_box(repeats, make_trainer, data_dir):
    w = make_trainer(data_dir)
    w.form.model.setCurrentText("mlp")  # dropout is the MLP's
    w.experiments.set_param("dropout")
    w.experiments.values.setText("0, 0.5")
    w.experiments.repeats.setText(repeats)
    w.experiments.sweep_button.click()
    assert w.experiments.error.text().startswith("Repeats: ")
    assert not w.runner.running and not w.store.path.exists()


def test_a_sweep_setting_proposes_values_that_pass(make_trainer, data_dir):
    """Every setting in the combo comes with proposed values the engine accepts."""
    w = make_trainer(data_dir)
    e = w.experiments
    for i in range(e.setting.count()):
        e.setting.setCurrentIndex(i)
        values, err = e.sweep_values("mlp" if e.param() != "width" else "fast-cnn")
        assert values and not err, (e.param(), err)


def test_stopping_a_sweep_keeps_what_finished_and_leaves_no_child(qtbot, make_trainer, data_dir):
    w = make_trainer(data_dir)
    small_run(w, epochs="200")
    w.experiments.set_param("dropout")
    w.experiments.values.setText("0, 0.5")
    w.experiments.sweep_button.click()
    qtbot.waitUntil(lambda: len(w.sweep.runs) > 0, timeout=RUN_TIMEOUT_MS)
    w.stop_button.click()
    wait_done(qtbot, w)
    assert job_children() == []
    assert [r.status for r in RunStore(w.store.path).runs()] == ["cancelled"]


def test_the_experiments_have_keys_for_lecturer_mode(qtbot, make_trainer, data_dir):
    """In lecturer mode the docks are hidden: the sweep and the presets are keys too."""
    from PySide6.QtCore import Qt

    w = make_trainer(data_dir)
    keys = {n: a.shortcut().toString() for n, a in w.qactions.items()}
    assert keys["sweep"] == "Ctrl+Shift+S"
    assert [keys[f"preset_{k}"] for k in w.experiments.preset_buttons] == [
        "Ctrl+Shift+1",
        "Ctrl+Shift+2",
        "Ctrl+Shift+3",
    ]
    w.set_lecturer(True)
    w.experiments.values.setText("nonsense")
    qtbot.keyClick(
        w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert w.experiments.error.text().startswith("Values: ") and not w.runner.running
    w.set_lecturer(False)


def test_more_runs_than_the_cap_are_refused_in_the_box_as_on_the_command_line(
    make_trainer, data_dir
):
    from engine.torch_engine.sweepable import MAX_RUNS

    w = make_trainer(data_dir)
    w.experiments.set_param("lr")
    w.experiments.values.setText(",".join(f"0.00{k}" for k in range(1, 10)))  # 9 values
    w.experiments.repeats.setText("10")  # 90 runs
    w.experiments.sweep_button.click()
    err = w.experiments.error.text()
    assert err.startswith("Repeats: ") and f"over {MAX_RUNS} runs" in err
    assert not w.runner.running and not w.store.path.exists()


def test_the_log_axis_key_reaches_the_sweep_plots(make_trainer, data_dir):
    w = make_trainer(data_dir)
    w.log_box.setChecked(True)
    assert w.sweep.log_y and w.sweep.loss.getAxis("left").logMode
    w.log_box.setChecked(False)
    assert not w.sweep.log_y


def test_a_new_sweep_starts_without_the_last_ones_reading_and_rows(
    make_trainer,
    data_dir,
    monkeypatch,  # noqa: F811
):
    """After the overfitting preset, a learning-rate sweep showed the cures' reading above its
    plots and their rows under its "Learning rate" header while it ran."""
    from app.trainer import sweep_runs
    from tests.app.test_sweep_plots import feed

    w = make_trainer(data_dir=data_dir)
    tab = w.tabs.exp_tab
    feed(w.sweep)
    tab.update_table()
    tab.set_reading("augmentation closed the train–validation gap from 8.0 to 4.4 points")
    assert tab.finals_table.rowCount() == 3
    monkeypatch.setattr(w, "start_job", lambda job, tab=None: None)  # no run: only the start
    job = w.checked_job("sweep", param="lr", values=(0.1, 0.01), repeats=1)
    sweep_runs._begin(w, job, "Learning rate sweep")
    assert tab.reading.text() == "" and not tab.reading.isVisible()
    rows = [tab.finals_table.item(r, 0).text() for r in range(tab.finals_table.rowCount())]
    assert rows == ["0.1", "0.01"]
    assert all(tab.finals_table.item(r, 1).text() == "—" for r in range(2))


def test_the_experiment_tab_says_where_to_begin_before_a_first_experiment(make_trainer):
    """A newcomer found the tab blank, with nothing saying that its controls are in the Setup
    panel, below the run settings."""
    w = make_trainer()
    w.tabs.setCurrentIndex(2)
    tab = w.tabs.exp_tab
    assert tab.reading.isVisibleTo(w) and "Experiments box" in tab.reading.text()
    keys = {a.name: a.keys for a in w.table}
    assert keys["sweep"] == ("Ctrl+Shift+S",) and "Ctrl+Shift+S" in tab.reading.text()
