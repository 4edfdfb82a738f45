"""The trainer starts where the last session left it: the form's settings and the MNIST folder
chosen (a student re-picked the folder and retyped the form at every start). A damaged or edited
settings file gives the defaults, never a traceback."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QSettings

from tests.app.test_trainer_window import data_dir, make_trainer  # noqa: F401 (fixtures)


def _reopen(make_trainer, first):  # noqa: F811
    first.close()
    return make_trainer()


def test_the_form_and_the_folder_come_back_after_quit(qtbot, make_trainer, data_dir):  # noqa: F811
    w = make_trainer()
    assert w.data.folder != data_dir
    w.data.set_folder(data_dir)
    f = w.form
    f.model.setCurrentText("lenet")
    f.optimizer.setCurrentText("momentum")
    f.fields["epochs"].setText("3")
    f.fields["train_size"].setText("1000")
    f.fields["lr"].clear()
    qtbot.keyClicks(f.fields["lr"], "0.02")  # typed: a new model keeps it
    f.augment.setChecked(True)
    want = f.values()
    w2 = _reopen(make_trainer, w)
    assert w2.data.folder == data_dir and w2.data.present
    assert w2.form.values() == want
    w2.form.model.setCurrentText("mlp")  # the typed learning rate is still the user's
    assert w2.form.fields["lr"].text() == "0.02"


def test_a_custom_layer_list_comes_back(make_trainer):  # noqa: F811
    w = make_trainer()
    w.form.model.setCurrentText("custom")
    w.form.layers.setPlainText("flatten\ndense 32 relu\ndense 10")
    want = w.form.values()
    assert _reopen(make_trainer, w).form.values() == want


@pytest.mark.parametrize(
    "form",
    [
        "{not json",
        "[]",
        json.dumps({"values": "x"}),
        json.dumps({"values": {"model": "resnet-900", "optimizer": 3, "epochs": ["1"],
                               "augment": "yes", "lr": None, "precision": "float8"}}),
        json.dumps({"values": {"epochs": "9" * 100_000}}),
    ],
)  # fmt: skip
def test_a_damaged_settings_file_gives_the_defaults(make_trainer, tmp_path, form):  # noqa: F811
    w = make_trainer()
    defaults = w.form.values()
    w.close()
    ini = QSettings(str(tmp_path / "settings" / "trainer.ini"), QSettings.Format.IniFormat)
    ini.setValue("form", form)
    ini.setValue("mnist_folder", str(tmp_path / "gone"))  # a folder since removed
    ini.sync()
    w2 = make_trainer()
    got = w2.form.values()
    assert len(got["epochs"]) <= 200
    got["epochs"] = defaults["epochs"]
    assert got == defaults
    assert w2.data.folder != tmp_path / "gone"


def test_a_window_saved_larger_than_the_screen_opens_on_it(qtbot):
    """Closed 1500 × 950 on a projector, opened on a smaller screen (the offscreen one stands in
    for the laptop's): it fits the screen's available part, wholly on it; both windows restore
    their geometry through this (restore_geometry)."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QWidget

    from app.shared.screen import restore_geometry

    room = QGuiApplication.primaryScreen().availableGeometry()
    big = QWidget()
    qtbot.addWidget(big)
    big.setGeometry(room.left() + 300, room.top() + 200, room.width() + 700, room.height() + 150)
    saved = big.saveGeometry()
    w = QWidget()
    qtbot.addWidget(w)
    restore_geometry(w, saved)
    assert w.width() <= room.width() and w.height() <= room.height()
    assert room.contains(w.geometry())
    w.resize(1500, 950)  # the trainer's first size, none saved yet: on the screen too
    w.move(room.topLeft())
    restore_geometry(w, None)
    assert room.contains(w.geometry())


def test_a_folder_with_a_damaged_mnist_file_offers_no_download(qtbot, tmp_path):
    """The box says what is wrong with the user's file and offers no download over it (the
    README's rule, kept on the command line; the window's button replaced the file)."""
    from app.trainer.data_box import DataBox
    from tests.engine.mnist_fixtures import write_mnist

    folder = write_mnist(tmp_path / "mnist", n_train=100, n_test=50)
    box = DataBox(folder)
    qtbot.addWidget(box)
    assert box.present and box.download.isHidden()
    f = next(folder.glob("train-images*"))
    f.write_bytes(f.read_bytes()[:300])  # truncated
    box.refresh()
    assert not box.present and "cannot be used" in box.status.text()
    assert box.download.isHidden()
    f.unlink()  # missing, not damaged: the download fetches what is missing
    box.refresh()
    assert not box.present and not box.download.isHidden()
