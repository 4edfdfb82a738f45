"""A hostile pass over the trainer window's inputs: each kind of input it accepts (the settings
fields, the custom layer list, the data folder, the run store file, a model to load, the paths
it writes to) given empty, huge, malformed, non-finite and wrong-typed values. Each is refused
in one plain sentence, nothing starts, nothing is written, and the window keeps working."""

from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest

from tests.app.test_trainer_window import data_dir, make_trainer
from tests.children import job_children

__all__ = ["data_dir", "make_trainer"]  # fixtures shared with test_trainer_window

HUGE = "9" * 5000


@pytest.mark.parametrize(
    "field", ["epochs", "batch_size", "lr", "weight_decay", "label_smoothing", "seed"]
)
def test_every_number_field_refuses_nonsense_in_one_sentence(field, make_trainer, data_dir):
    w = make_trainer(data_dir)
    for text in ("", " ", HUGE, "1e999", "-inf", "nan", "0x10", "1,5", "1 2", "\x00"):
        w.form.fields[field].setText(text)
        w.run_button.click()
        err = w.form.errors[field].text()
        assert err and "\n" not in err and len(err) < 200, (text, err)
        assert not w.runner.running and job_children() == []
    assert w.store.runs() == [] and not w.store.path.exists()  # a refused run made no store


@pytest.mark.parametrize(
    "text, why",
    [
        ("", "empty"),
        ("flatten\ndense 64 rleu\ndense 10", "line 2"),
        ("flatten\n" + "dense 16 relu\n" * 500 + "dense 10", "502 layers; the limit is 100"),
        ("flatten\ndense 99999\ndense 99999\ndense 10", "over the limit"),
        ("conv 8 29\nflatten\ndense 10", "line 1"),
        ("\x00\x01\x02", "line 1"),
        ("conv 4 3 relu relu\nflatten\ndense 10", "a second activation"),
    ],
)
def test_hostile_layer_lists_are_said_beside_the_field(text, why, qtbot, make_trainer, data_dir):
    w = make_trainer(data_dir)
    w.form.model.setCurrentText("custom")
    w.form.layers.setPlainText(text)  # the live check is throttled: it runs once, later
    qtbot.waitUntil(lambda: why in w.form.errors["layers"].text(), timeout=5000)
    w.run_button.click()
    assert not w.runner.running and why in w.last_error and w.store.runs() == []


def test_a_bad_dropout_greyed_out_by_another_model_blocks_nothing(make_trainer, data_dir):
    """Dropout "1" typed for the MLP, then the fast CNN (dropout greyed out: it has none): every
    run was refused over a field that cannot be edited, and a custom list's own error hid."""
    w = make_trainer(data_dir)
    w.form.model.setCurrentText("mlp")
    w.form.fields["dropout"].setText("1")
    assert w.form.check().config is None  # (the live check is throttled: called here)
    assert "between 0 and 0.95" in w.form.errors["dropout"].text()
    w.form.model.setCurrentText("fast-cnn")
    checked = w.form.check()
    assert checked.config is not None and "dropout" not in checked.errors
    assert not w.form.errors["dropout"].isVisibleTo(w.form)
    w.form.model.setCurrentText("custom")
    w.form.layers.setPlainText("flatten\ndense 64 rleu\ndense 10")
    assert "line 2" in w.form.check().errors.get("layers", "")
    w.form.model.setCurrentText("mlp")  # its own field again: judged again
    assert "dropout" in w.form.check().errors


def _garbage_store(p):
    p.write_bytes(os.urandom(4096))
    return p


def _foreign_store(p):
    db = sqlite3.connect(p)
    db.execute("CREATE TABLE runs (athlete TEXT, km REAL, day TEXT)")
    db.commit()
    db.close()
    return p


@pytest.mark.parametrize(
    "make, why",
    [
        (_garbage_store, "not an SQLite database"),
        (_foreign_store, "another program's SQLite database"),
        (lambda p: p.parent, "is a folder"),
    ],
)
def test_the_trainer_on_a_store_that_is_not_one_says_so_and_changes_nothing(
    make, why, qtbot, tmp_path
):
    from app.main_window import Studio

    path = make(tmp_path / "runs.sqlite")
    before = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    studio = Studio(tmp_path / "settings", restore=False, store=path)
    e = studio.show("explainer")
    qtbot.addWidget(e)
    studio.show("trainer")
    assert why in e.last_error and "trainer cannot open" in e.last_error
    if before is not None:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def _fifo(p):
    os.mkfifo(p)
    return p


@pytest.mark.parametrize(
    "make, why",
    [
        (lambda p: p.parent, "folder"),
        (lambda p: p.with_name("missing.pt"), "no such file"),
        (_fifo, "pipe"),
        (lambda p: (p.write_bytes(b"\x00" * 100), p)[1], "not a readable checkpoint"),
        (lambda p: (p.write_bytes(b""), p)[1], "not a readable checkpoint"),
    ],
)
def test_loading_a_model_that_is_not_one_is_one_sentence(make, why, make_trainer, tmp_path):
    w = make_trainer()
    w.load_model(str(make(tmp_path / "m.pt")))
    assert why in w.last_error and "\n" not in w.last_error and w.store.runs() == []


@pytest.mark.parametrize(
    "path, why",
    [
        ("", None),  # the dialog cancelled: nothing happens
        ("/proc/runs.csv", "not writable"),
        ("/dev/null", "device"),
        ("no-such-folder/runs.csv", "does not exist"),
        ("x" * 300 + ".csv", "not a valid file name"),
    ],
)
def test_export_paths_are_checked_before_anything_is_written(
    path, why, make_trainer, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    w = make_trainer()
    w.export_runs(path)
    assert (why or "") in w.last_error and "\n" not in w.last_error
    assert ".part" not in w.last_error
    assert not (tmp_path / "no-such-folder").exists()


def test_a_run_with_unreadable_settings_is_listed_and_one_sentence_where_needed(
    make_trainer, tmp_path
):
    from engine.torch_engine.runstore import RunStore
    from engine.torch_engine.training import TrainConfig

    path = tmp_path / "runs.sqlite"
    RunStore(path).create_run("broken", "train", TrainConfig())
    db = sqlite3.connect(path)
    db.execute("UPDATE runs SET settings = '{\"model\": '")
    db.commit()
    db.close()
    RunStore(path).create_run("fine", "train", TrainConfig())
    w = make_trainer(store=path)  # both listed (the broken one had hidden every run)
    assert w.last_error == "" and sorted(w.run_list.rows) == [1, 2]
    assert "cannot be read" in w.run_list.rows[1].summary
    w._reuse(1)  # where its settings are needed: one sentence
    assert "run 1 in" in w.last_error and "cannot be read" in w.last_error
    assert "Expecting" not in w.last_error and "\n" not in w.last_error
    w._delete([1])  # and it can be deleted
    assert sorted(w.run_list.rows) == [2]


def test_the_form_finds_the_device_once_per_choice_not_per_keystroke(make_trainer, monkeypatch):
    from engine.torch_engine import device

    calls = []
    real = device.pick_device
    monkeypatch.setattr(device, "pick_device", lambda d=None, *a: calls.append(d) or real(d, *a))
    w = make_trainer()
    w.form._device_names.clear()
    calls.clear()
    for text in ("1", "12", "128", "1280"):
        w.form.fields["batch_size"].setText(text)
        w.form.check()
    assert calls == [None]  # "auto", looked up once
    w.form.device.setCurrentText("cpu")
    w.form.check()
    w.form.check()
    assert calls == [None, "cpu"]


def _loop(p):
    p.symlink_to(p)
    return p


@pytest.mark.parametrize(
    "make, why",
    [
        (lambda p: (p.write_bytes(b"x"), p)[1], "is a file, not a folder"),
        (_fifo, "is a pipe (FIFO), not a folder"),
        (_loop, "cannot open the MNIST folder"),
        (lambda p: p, "MNIST was not found in"),
        (lambda p: p.with_name("données 数字"), "MNIST was not found in"),
    ],
)
def test_a_chosen_data_folder_that_is_not_one_says_what_it_is(make, why, make_trainer, tmp_path):
    w = make_trainer()
    folder = make(tmp_path / "mnist")
    w.data.set_folder(folder)
    assert not w.data.present and why in w.data.status.text(), w.data.status.text()
    w.run_button.click()
    assert not w.runner.running and why in w.last_error
    assert not w.store.path.exists()


def test_the_refusal_names_each_field_as_the_form_does(make_trainer, data_dir):
    """ "lr", "val size", "train size": the engine's names; the sentence uses the form's words."""
    w = make_trainer(data_dir)
    for name, text in (("lr", "abc"), ("val_size", "x"), ("train_size", "5"), ("patience", "-")):
        w.form.fields[name].setText(text)
    w.run_button.click()
    for word in ("Learning rate ", "Validation ", "Training digits ", "Early stopping "):
        assert word in w.last_error, w.last_error
    assert "lr " not in w.last_error and "val size" not in w.last_error


def test_a_failing_background_task_is_one_sentence_not_a_traceback(qtbot):
    """superqt re-raised a worker's error on the GUI thread unless told not to, beside the
    sentence the panel said (selecting a run with MNIST missing printed a traceback)."""
    from app.trainer.insides.common import Tasks

    def fails():
        raise ValueError("MNIST was not found in /nowhere")

    tasks = Tasks()
    with qtbot.waitSignal(tasks.failed, timeout=10_000) as said:
        tasks.run("insides", fails)
    assert said.args == ["insides: MNIST was not found in /nowhere"]
    qtbot.waitUntil(lambda: tasks.running == 0)
    qtbot.wait(100)  # a re-raised error would reach pytest-qt's event-loop check here


def test_loading_a_symlink_loop_is_one_sentence(make_trainer, tmp_path):
    loop = tmp_path / "loop.pt"
    loop.symlink_to(tmp_path / "loop.pt")
    w = make_trainer()
    w.load_model(str(loop))
    assert w.last_error and "\n" not in w.last_error and w.store.runs() == []


def test_a_ticked_run_whose_records_cannot_be_read_is_said_once_not_at_each_poll(
    make_trainer, tmp_path
):
    """The run list is polled every 3 s while a run reads "running": each poll opened a new box
    for the ticked run whose records another program had changed."""
    from PySide6.QtCore import Qt

    from engine.torch_engine.runstore import RunStore
    from engine.torch_engine.training import TrainConfig

    path = tmp_path / "runs.sqlite"
    store = RunStore(path)
    rid = store.create_run("changed", "train", TrainConfig())
    db = sqlite3.connect(path)
    db.execute("INSERT INTO records VALUES (?, 0, 'step', 1, 0.1, 0.1, '{{{')", (rid,))
    db.commit()
    db.close()
    w = make_trainer(store=path)
    boxes = len(w.dialogs)
    w.run_list.set_ticked([rid])  # ticking it draws it: said once
    assert "records that cannot be read" in w.last_error and len(w.dialogs) == boxes + 1
    for _ in range(3):
        w.refresh_runs(quiet=True)  # as a poll does
    assert len(w.dialogs) == boxes + 1
    assert w.insides.title.textFormat() == Qt.TextFormat.PlainText  # a run's name is in it


def test_a_sweeps_status_message_leaves_its_progress_words_room(make_trainer, monkeypatch):
    """While a sweep ran, a message ran into its progress words ("…with 1 thread; c run 2/9"):
    the room kept for them lacked the "run 2/9 · " in front."""
    from app.trainer import runner as runner_module
    from engine.torch_engine.jobs import Job
    from engine.torch_engine.training import TrainConfig

    w = make_trainer()
    w.resize(1366, 768)
    w.job = Job("sweep", TrainConfig(), None, values=(0.1, 0.2, 0.3), param="lr", repeats=3)
    monkeypatch.setattr(runner_module.JobRunner, "running", property(lambda self: True))
    w.progress_label.setText("run 1/9 · epoch 2.00/2 · ETA 5 s · 9,000 samples/s")  # its end
    w.say("a long sentence about where the training runs and on how many threads " * 3)
    w.progress_label.setText("run 10/10 · epoch 0.01/10 · ETA 1000 s · 100,000 samples/s")
    bar, metrics = w.statusBar(), w.statusBar().fontMetrics()
    said = metrics.horizontalAdvance(bar.currentMessage())
    words = metrics.horizontalAdvance(w.progress_label.text())
    assert said + words + w.progress.width() <= bar.width()
