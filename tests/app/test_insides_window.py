"""The trainer's "Inside the model" tab on a tiny model trained on tiny synthetic digits."""

import numpy as np
import pytest
import torch
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from engine.torch_engine.mnist import load_mnist, normalise
from engine.torch_engine.models import ModelConfig
from engine.torch_engine.recording import record_run
from engine.torch_engine.runstore import RunStore
from engine.torch_engine.training import TrainConfig, train
from tests.children import job_children
from tests.engine.mnist_fixtures import write_mnist

TINY_CNN = (
    {"type": "conv", "out": 4, "kernel": 3, "batchnorm": True, "activation": "relu"},
    {"type": "pool", "size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 10},
)


@pytest.fixture
def trained(tmp_path):
    """(data folder, store path) with one finished run of a tiny CNN."""
    data_dir = write_mnist(tmp_path / "mnist", n_train=300, n_test=120)
    store = RunStore(tmp_path / "runs.sqlite")
    cfg = TrainConfig(
        model=ModelConfig("custom", layers=TINY_CNN), epochs=1, batch_size=32, lr=3e-3
    )
    rec = record_run(store, "tiny cnn", "train", cfg, train(cfg, load_mnist(data_dir)))
    assert list(rec)[-1].kind == "done"
    return data_dir, store.path


@pytest.fixture
def window(qtbot, tmp_path, trained):
    from app.trainer.window import TrainerWindow

    data_dir, store = trained
    w = TrainerWindow(tmp_path / "settings", data_dir=data_dir, store=store)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.tabs.setCurrentWidget(w.insides)
    with qtbot.waitSignal(w.insides.loaded, timeout=30_000):
        w.run_list.setCurrentItem(w.run_list.topLevelItem(0))
    yield w
    w.close()
    assert w.insides.tasks.running == 0
    assert job_children() == []


def view_point(scene, item, x: float, y: float):
    """Where the item's point (x, y) lies in the scene widget's viewport."""
    return scene.mapFromScene(item.mapToScene(QPointF(x, y)))


def send_mouse(widget, kind, pos, buttons):
    ev = QMouseEvent(
        kind,
        QPointF(pos),
        widget.mapToGlobal(QPointF(pos)),
        Qt.MouseButton.LeftButton,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, ev)


def test_clicking_a_confusion_cell_lists_its_digits(qtbot, window):
    conf = window.insides.confusion
    data = window.insides.data
    model = window.insides.model
    with torch.no_grad():
        pred = model(normalise(data.test_x)).argmax(1).numpy()
    assert conf.counts.sum() == len(data.test_y)
    t, p = 3, int(np.bincount(pred[data.test_y == 3], minlength=10).argmax())
    qtbot.wait(50)
    pos = view_point(conf.scene, conf.image, p + 0.5, t + 0.5)
    qtbot.mouseClick(conf.scene.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: conf.cell == (t, p), timeout=3000)
    expect = np.flatnonzero((data.test_y == t) & (pred == p))
    assert sorted(conf.cell_digits.tolist()) == expect.tolist() and len(expect) > 0
    assert f"{len(expect)} digits" in conf.digits_plot.titleLabel.text


def test_a_stroke_on_the_pad_reaches_the_model(qtbot, window):
    ins = window.insides
    ins.tabs.setCurrentWidget(ins.draw)
    draw = ins.draw
    qtbot.wait(50)
    assert "draw a digit" in draw.answer.text() and draw.probs.sum() == 0
    vp = draw.scene.viewport()
    path = [view_point(draw.scene, draw.pad, 60 + 4 * k, 40 + 6 * k) for k in range(20)]
    send_mouse(vp, QEvent.Type.MouseButtonPress, path[0], Qt.MouseButton.LeftButton)
    for pt in path[1:]:
        send_mouse(vp, QEvent.Type.MouseMove, pt, Qt.MouseButton.LeftButton)
    send_mouse(vp, QEvent.Type.MouseButtonRelease, path[-1], Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: "the model says" in draw.answer.text(), timeout=3000)
    assert draw.canvas().sum() > 0
    assert draw.probs.sum() == pytest.approx(1.0, abs=1e-4)
    assert draw.input.image.max() > 0 and draw.latencies_ms
    draw.clear_button.click()
    assert draw.canvas().sum() == 0


def test_every_insides_view_fills_and_exports(qtbot, window, tmp_path):
    ins = window.insides
    assert ins.mistakes.mistakes == sorted(ins.mistakes.mistakes, key=lambda m: -m.loss)
    assert ins.filters.image.image is not None
    assert len(ins.weights.records) == 2 and ins.weights.layer.count() == 2  # epochs 0 and 1
    assert ins.weights.images["weight"].image.shape == (64, 2)
    qtbot.waitUntil(lambda: len(ins.features.scene.ci.items) > 2, timeout=10_000)
    failures = []
    ins.tasks.failed.connect(failures.append)
    ins.noise.measure_button.click()
    qtbot.waitUntil(lambda: len(ins.noise.points) >= 5, timeout=30_000)
    errs = [p.rel_error for p in ins.noise.points]
    assert errs[0] > errs[-1] and not failures
    for k, view in enumerate(ins.views.values()):
        ins.tabs.setCurrentIndex(k)
        out = tmp_path / f"view{k}.png"
        window.export_plots("png", str(out))
        assert out.stat().st_size > 1000, view
    ins.tabs.setCurrentWidget(ins.confusion)
    svg = tmp_path / "confusion.svg"
    window.export_plots("svg", str(svg))
    assert svg.read_text().lstrip().startswith("<?xml") and "<svg" in svg.read_text()
    window.set_lecturer(True)
    window.set_lecturer(False)
    assert not window.last_error


def test_the_insides_follow_a_live_run_at_each_epoch_end(qtbot, tmp_path, trained):
    """While a run trains, each epoch's end saves its model and the insides look at it."""
    from app.trainer.window import TrainerWindow

    data_dir, store = trained
    w = TrainerWindow(tmp_path / "settings2", data_dir=data_dir, store=tmp_path / "live.sqlite")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.tabs.setCurrentWidget(w.insides)
    f = w.form
    f.model.setCurrentText("mlp")
    f.fields["epochs"].setText("3")
    f.fields["batch_size"].setText("64")
    f.fields["val_size"].setText("0")
    w.start_run()  # starting shows the live plots: look inside while it trains
    w.tabs.setCurrentWidget(w.insides)
    with qtbot.waitSignal(w.insides.loaded, timeout=90_000):
        pass
    assert w.insides_link.run is not None
    assert RunStore(tmp_path / "live.sqlite").run(w.insides_link.run).checkpoint
    qtbot.waitUntil(lambda: not w.runner.running, timeout=90_000)
    w.close()
    assert job_children() == []


def test_step_through_a_digit_opens_the_explainer_on_it(qtbot, tmp_path, trained, monkeypatch):
    """'Step through this digit' writes the digit through the run's model as a network file and
    the app opens it in the explainer."""
    from app.main_window import Studio
    from app.trainer.insides import step_through

    monkeypatch.setattr(step_through, "digit_folder", lambda: tmp_path / "digits")
    data_dir, store = trained
    s = Studio(tmp_path / "settings", restore=False, data_dir=data_dir, store=store)
    w = s.show("trainer")
    qtbot.addWidget(w)
    qtbot.waitExposed(w)
    w.tabs.setCurrentWidget(w.insides)
    with qtbot.waitSignal(w.insides.loaded, timeout=30_000):
        w.run_list.setCurrentItem(w.run_list.topLevelItem(0))
    w.insides.tabs.setCurrentWidget(w.insides.features)  # the tiny model makes no mistakes
    w.insides.features.index.setValue(3)
    k = 3
    with qtbot.waitSignal(w.insides.open_network, timeout=30_000) as got:
        w.insides.step_button.click()
    assert got.args[0].endswith(f"test{k}.json")
    ex = s.views["explainer"]
    qtbot.addWidget(ex)
    qtbot.waitUntil(lambda: ex.isVisible() and ex.explainer.net is not None, timeout=10_000)
    assert not ex.last_error
    assert ex.explainer.spec.layers[0].shape == (1, 28, 28)  # the digit, drawn as the image
    assert ex.explainer.net.data.targets[0].argmax() == w.insides.data.test_y[k]
    w.insides.tabs.setCurrentWidget(w.insides.filters)  # no digit on this view: a sentence
    w.insides.step_through()
    assert "Step through this digit" in w.last_error
    s.close_all()


def test_the_title_says_which_of_two_runs_named_alike_it_shows(qtbot, window, trained):
    """The run list numbers runs named alike ("tiny cnn (2)"); the title dropped the number, so
    it did not say which of them it showed."""
    data_dir, store_path = trained
    cfg = TrainConfig(
        model=ModelConfig("custom", layers=TINY_CNN), epochs=1, batch_size=32, lr=3e-3
    )
    record_run(RunStore(store_path), "tiny cnn", "train", cfg, train(cfg, load_mnist(data_dir)))
    window.refresh_runs()
    rl = window.run_list
    assert sorted(rl.names.values()) == ["tiny cnn", "tiny cnn (2)"]
    for rid, name in rl.names.items():  # each run as a selection shows it: said at once
        title = window.insides.title
        window.insides_link._inspect(rl.rows[rid])
        assert title.text().startswith(f"{name}: "), (name, title.text())
        qtbot.waitUntil(lambda: window.insides.tasks.running == 0, timeout=30_000)
