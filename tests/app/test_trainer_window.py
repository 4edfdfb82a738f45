"""The trainer window on tiny IDX data written by the tests (never the real MNIST)."""

import pytest
from PySide6.QtCore import Qt

from engine.torch_engine.runstore import RunStore
from tests.children import job_children
from tests.engine.mnist_fixtures import write_mnist

RUN_TIMEOUT_MS = 90_000  # a spawned child imports torch: seconds on a busy 2-core machine


@pytest.fixture
def data_dir(tmp_path):
    return write_mnist(tmp_path / "mnist", n_train=600, n_test=200)


@pytest.fixture
def make_trainer(qtbot, tmp_path):
    from app.trainer.window import TrainerWindow

    def make(data_dir=None, store=None):
        w = TrainerWindow(
            tmp_path / "settings", data_dir=data_dir, store=store or tmp_path / "runs.sqlite"
        )
        qtbot.addWidget(w)
        w.show()
        w.activateWindow()
        qtbot.waitExposed(w)
        qtbot.waitUntil(w.isActiveWindow, timeout=5000)  # window shortcuts need an active window
        return w

    yield make
    assert job_children() == [], "a training child was left running"


def small_run(w, epochs="2", model="mlp"):
    f = w.form
    f.model.setCurrentText(model)
    f.fields["epochs"].setText(epochs)
    f.fields["batch_size"].setText("64")
    f.fields["val_size"].setText("100")
    f.fields["lr"].setText("0.003")


def wait_done(qtbot, w):
    qtbot.waitUntil(lambda: not w.runner.running, timeout=RUN_TIMEOUT_MS)


def test_a_short_run_feeds_every_plot_and_is_recorded(qtbot, make_trainer, data_dir):
    w = make_trainer(data_dir)
    small_run(w)
    qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert w.runner.running
    wait_done(qtbot, w)
    assert not w.last_error
    assert len(w.live.steps) >= 2 and len(w.live.evals) == 2  # one per epoch
    assert len(w.live.layer_curves) == 3  # three dense layers, one gradient norm each
    assert w.live.curves["smooth"].getData()[0] is not None
    rows = RunStore(w.store.path).runs()
    assert len(rows) == 1 and rows[0].status == "finished"
    assert rows[0].checkpoint and w.run_list.topLevelItemCount() == 1


def test_stop_mid_run_keeps_the_run_as_cancelled(qtbot, make_trainer, data_dir):
    w = make_trainer(data_dir)
    small_run(w, epochs="200")
    w.run_button.click()
    qtbot.waitUntil(lambda: len(w.live.steps) > 0, timeout=RUN_TIMEOUT_MS)
    w.stop_button.click()
    wait_done(qtbot, w)
    (row,) = RunStore(w.store.path).runs()
    assert row.status == "cancelled"
    assert RunStore(w.store.path).records(row.id, ("step",))


def test_closing_mid_run_leaves_no_child_and_keeps_the_records(qtbot, make_trainer, data_dir):
    w = make_trainer(data_dir)
    small_run(w, epochs="200")
    w.run_button.click()
    qtbot.waitUntil(lambda: len(w.live.steps) > 0, timeout=RUN_TIMEOUT_MS)
    w.close()
    assert job_children() == []
    (row,) = RunStore(w.store.path).runs()
    assert row.status == "cancelled"


def test_a_learning_rate_sweep_draws_one_curve_per_value(qtbot, make_trainer, data_dir):
    w = make_trainer(data_dir)
    small_run(w)
    w.experiments.lrs.setText("0.001, 0.01")
    w.experiments.lr_button.click()
    wait_done(qtbot, w)
    assert not w.last_error
    assert sorted(w.experiment.runs) == [0, 1]
    assert all(len(r["series"]) > 0 and r["done"] for r in w.experiment.runs.values())
    xs, _ = w.experiment.final_curve.getData()
    assert len(xs) == 2
    rows = RunStore(w.store.path).runs()
    assert len(rows) == 2 and len({r.group_id for r in rows}) == 1


def test_the_run_list_survives_a_restart_and_overlays_ticked_runs(
    qtbot, make_trainer, data_dir, tmp_path
):
    w = make_trainer(data_dir)
    small_run(w)
    w.run_button.click()
    wait_done(qtbot, w)
    w.close()
    again = make_trainer(data_dir, store=w.store.path)
    assert again.run_list.topLevelItemCount() == 1
    again.run_list.set_ticked([again.run_list.rows and next(iter(again.run_list.rows))])
    assert len(again.compare.items) == 1
    for axis in ("steps", "epochs", "seconds"):
        again.x_axis.setCurrentText(axis)
        xs, _ = next(iter(again.compare.items.values()))[0].getData()
        assert xs is not None and len(xs) > 0


def test_a_missing_data_folder_is_named_and_nothing_starts(qtbot, make_trainer, tmp_path):
    w = make_trainer(tmp_path / "no-mnist-here")
    assert "no-mnist-here" in w.data.status.text()
    assert "train-images-idx3-ubyte" in w.data.status.text()
    w.run_button.click()
    assert not w.runner.running and "no-mnist-here" in w.last_error
    assert not (tmp_path / "no-mnist-here").exists()


@pytest.mark.parametrize(
    "field, text, words",
    [
        ("lr", "abc", "number"),
        ("lr", "nan", "number"),
        ("batch_size", "0", "between"),
        ("batch_size", "1.5", "whole"),
        ("epochs", "-1", "between"),
        ("epochs", "", "number"),
    ],
)
def test_an_invalid_setting_is_refused_beside_its_field(
    qtbot, make_trainer, data_dir, field, text, words
):
    w = make_trainer(data_dir)
    w.form.fields[field].setText(text)
    w.run_button.click()
    assert not w.runner.running
    err = w.form.errors[field]
    assert err.isVisibleTo(w) and words in err.text()
    assert w.last_error and w.store.runs() == []


def test_a_custom_layer_list_shows_its_parameter_count_live(qtbot, make_trainer, data_dir):
    w = make_trainer(data_dir)
    w.form.model.setCurrentText("custom")
    w.form.layers.setPlainText("flatten\ndense 10")
    qtbot.waitUntil(lambda: w.form.params.text() == "7,850", timeout=3000)
    w.form.layers.setPlainText("flatten\ndense 12")
    qtbot.waitUntil(lambda: "10 outputs" in w.form.errors["layers"].text(), timeout=3000)


def test_the_keys_help_lists_the_insides_key_with_the_other_views(make_trainer, data_dir):
    from app.shared.actions import keys_html

    html = keys_html(make_trainer(data_dir).table)
    assert html.index("<b>Alt+3<") < html.index("<b>Alt+4<") < html.index("<b>F1<")


def test_changing_optimizer_proposes_its_learning_rate(make_trainer, data_dir):
    w = make_trainer(data_dir)
    w.form.optimizer.setCurrentText("sgd")
    assert w.form.fields["lr"].text() == "0.1"


def test_each_model_brings_its_recipe_and_a_run_gives_back_its_smoothing(make_trainer, data_dir):
    from dataclasses import replace

    w = make_trainer(data_dir)
    f = w.form.fields
    assert (f["lr"].text(), f["epochs"].text(), f["label_smoothing"].text()) == (
        "0.04",
        "1",
        "0.05",
    )
    cfg = w.form.check().config
    assert cfg.model.name == "fast-cnn" and cfg.label_smoothing == 0.05
    w.form.model.setCurrentText("mlp")
    assert (f["lr"].text(), f["epochs"].text(), f["label_smoothing"].text()) == ("0.003", "8", "0")
    assert w.form.check().config.label_smoothing == 0.0
    w.form.set_config(replace(cfg, label_smoothing=0.2))
    assert f["label_smoothing"].text() == "0.2" and w.form.check().config.label_smoothing == 0.2


def test_the_form_says_the_precision_a_run_will_compute_in(make_trainer, data_dir, monkeypatch):
    from dataclasses import replace

    from engine.torch_engine import device

    monkeypatch.setattr(device, "cpu_bf16_native", lambda: True)
    w = make_trainer(data_dir)
    w.form.device.setCurrentText("cpu")
    assert w.form.precision.currentText() == "auto"
    w.form.check()
    assert "forward pass in bfloat16" in w.form.device_name.text()  # the fast CNN, native bfloat16
    w.form.model.setCurrentText("mlp")
    w.form.check()
    assert w.form.device_name.text().endswith("computing in float32")  # no convolution
    w.form.precision.setCurrentText("bfloat16")
    cfg = w.form.check().config
    assert cfg.precision == "bfloat16" and "forward pass in bfloat16" in w.form.device_name.text()
    w.form.set_config(replace(cfg, precision="float32"))
    assert w.form.precision.currentText() == "float32"
    assert w.form.check().config.precision == "float32"


def test_export_plots_as_png_and_svg(make_trainer, data_dir, tmp_path):
    w = make_trainer(data_dir)
    w.export_plots("png", str(tmp_path / "p.png"))
    w.export_plots("svg", str(tmp_path / "p.svg"))
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (tmp_path / "p.svg").read_bytes()[:400]


def test_lecturer_mode_then_escape_restores_the_window(qtbot, make_trainer, data_dir):
    w = make_trainer(data_dir)
    before = w.geometry()
    qtbot.keyClick(w, Qt.Key.Key_F11)
    assert w.isFullScreen() or w.theme.name == "lecturer"
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert w.theme.name == "normal" and w.geometry() == before


def test_ctrl_2_and_ctrl_1_switch_between_the_two_views(qtbot, tmp_path, data_dir):
    from app.main_window import Studio

    s = Studio(tmp_path / "settings", restore=False, data_dir=data_dir, store=tmp_path / "r.db")
    ex = s.show("explainer")
    qtbot.addWidget(ex)
    qtbot.waitExposed(ex)
    ex.qactions["to_trainer"].trigger()
    tr = s.views["trainer"]
    qtbot.addWidget(tr)
    assert tr.isVisible() and not ex.isVisible()
    tr.qactions["to_explainer"].trigger()
    assert ex.isVisible() and not tr.isVisible()
    s.close_all()


def test_a_lessons_trainer_step_shows_the_trainer_and_does_the_action(
    qtbot, tmp_path, data_dir, monkeypatch
):
    from app.main_window import Studio
    from app.trainer.window import TrainerWindow

    calls = []
    monkeypatch.setattr(TrainerWindow, "start_lr_find", lambda self: calls.append("lr_find"))
    s = Studio(tmp_path / "settings", restore=False, data_dir=data_dir, store=tmp_path / "r.db")
    ex = s.show("explainer")
    qtbot.addWidget(ex)
    ex.trainer_action_requested.emit("lr_find")
    tr = s.views["trainer"]
    qtbot.addWidget(tr)
    assert tr.isVisible() and not ex.isVisible() and calls == ["lr_find"]
    tr.tabs.setCurrentIndex(2)
    s.show("explainer")
    ex.trainer_action_requested.emit("tab_live")
    assert tr.isVisible() and tr.tabs.currentIndex() == 0
    for name in ("open_trainer", "no_such_action", ""):  # only shows the trainer
        s.show("explainer")
        ex.trainer_action_requested.emit(name)
        assert tr.isVisible() and calls == ["lr_find"]
    s.close_all()


def test_a_diverged_run_is_marked_at_its_step(make_trainer, data_dir):
    from engine.torch_engine.jobs import Tagged
    from engine.torch_engine.records import Diverged, Start, Step

    w = make_trainer(data_dir)
    start = Start("cpu", "", "CPU", 10, 10, 100, 600, ("dense 1",))
    w.on_record(Tagged(1, 0, "", start))
    w.on_record(Tagged(1, 0, "", Step(5, 0.5, 2.0, 0.1, 1.0, 100.0, 3.0, (3.0,), 0.5)))
    msg = "diverged at step 7 (loss became nan); kept the weights from step 5"
    w.on_record(Tagged(1, 0, "", Diverged(7, 0.7, 5, msg)))
    assert w.live.diverged_line.value() == 7
    assert "diverged at step 7" in w.live.diverged_text.toPlainText()
    assert "step 7" in w.statusBar().currentMessage()


def test_a_long_device_sentence_ends_before_the_progress_words(make_trainer, data_dir):
    """The status bar's device sentence is cut with "…" where it would run into the progress
    words beside it; the whole sentence is the bar's tooltip."""
    from engine.torch_engine.jobs import Tagged
    from engine.torch_engine.records import Start

    w = make_trainer(data_dir)
    w.resize(900, 700)
    said = "no GPU was found (no CUDA, no MPS); training on the CPU with 1 thread; " * 3
    w.on_record(Tagged(1, 0, "", Start("cpu", said, "CPU", 10, 10, 100, 600, ("dense 1",))))
    shown = w.statusBar().currentMessage()
    assert shown.endswith("…") and len(shown) < len(said)
    assert w.statusBar().toolTip() == f"run: {said}"
    w.resize(3000, 700)
    w.on_record(Tagged(1, 0, "", Start("cpu", "the CPU was asked for", "CPU", 10, 10, 100, 600,
                                       ("dense 1",))))  # fmt: skip
    assert w.statusBar().currentMessage() == "run: the CPU was asked for"


def test_rename_and_delete_a_run(qtbot, make_trainer, data_dir):
    w = make_trainer(data_dir)
    small_run(w)
    w.run_button.click()
    wait_done(qtbot, w)
    (row,) = w.store.runs()
    w.run_list.renamed.emit(row.id, "my first run")
    assert w.run_list.topLevelItem(0).text(0) == "my first run"
    w.run_list.delete_requested.emit([row.id])
    assert w.run_list.topLevelItemCount() == 0 and w.store.runs() == []


def test_download_shows_progress_and_can_be_cancelled(qtbot, make_trainer, tmp_path, monkeypatch):
    import time

    from engine.torch_engine import mnist_download

    seen = []

    def fake_download(folder, progress=None, should_stop=None, **kw):
        for k in range(200):
            progress("train-images-idx3-ubyte", k * 1000, 200_000)
            if should_stop():
                seen.append(k)
                raise mnist_download.DownloadCancelled("download cancelled; nothing was kept")
            time.sleep(0.01)

    monkeypatch.setattr(mnist_download, "download_mnist", fake_download)
    w = make_trainer(tmp_path / "empty")
    w.data.download.click()
    qtbot.waitUntil(lambda: w.data.bar.value() > 0, timeout=5000)
    assert w.data.bar.isVisibleTo(w)
    w.data.cancel.click()
    qtbot.waitUntil(lambda: w.data._worker is None, timeout=5000)
    assert seen and "cancelled" in w.data.status.text()
    assert not w.data.present and w.data.download.isVisibleTo(w)


def test_review_fixes_delete_running_progress_and_a_bad_store(
    qtbot, make_trainer, data_dir, tmp_path
):
    """A run that is training cannot be deleted; an unusable run store is one sentence in the
    window on screen; a typed model too big is refused without being built."""
    from app.main_window import Studio, ViewError

    w = make_trainer(data_dir)
    small_run(w, epochs="200")
    w.run_button.click()
    qtbot.waitUntil(lambda: len(w.live.steps) > 0, timeout=RUN_TIMEOUT_MS)
    w.refresh_runs()
    (row,) = w.store.runs()
    w._delete([row.id])
    assert "cannot be deleted" in w.last_error and len(w.store.runs()) == 1
    w.stop_button.click()
    wait_done(qtbot, w)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    s = Studio(tmp_path / "s", restore=False, data_dir=data_dir, store=folder)
    ex = s.show("explainer")
    qtbot.addWidget(ex)
    assert s.show("trainer") is ex and "trainer cannot open" in ex.last_error
    with pytest.raises(ViewError):
        Studio(tmp_path / "s2", restore=False, store=folder).show("trainer")
    s.close_all()
    w.form.model.setCurrentText("custom")
    w.form.layers.setPlainText("dense 100000 relu\ndense 100000 relu\ndense 10")
    result = w.form.check()  # 10 billion parameters: counted on the meta device, not allocated
    assert result.config is None and "over the limit" in w.form.errors["layers"].text()


def test_run_stays_in_sight_when_the_form_is_taller_than_its_dock(qtbot, make_trainer):
    """At 768 pixels the Setup dock scrolls its form; Run and Stop are pinned under it."""
    w = make_trainer()
    w.resize(1366, 700)
    side = w.side
    qtbot.waitUntil(lambda: side.scroll.verticalScrollBar().maximum() > 0, timeout=5000)
    for bar in (0, side.scroll.verticalScrollBar().maximum()):
        side.scroll.verticalScrollBar().setValue(bar)
        qtbot.wait(10)
        for b in (w.run_button, w.stop_button):
            assert b.isVisible() and not b.visibleRegion().isEmpty()
            top_left = b.mapTo(side, b.rect().topLeft())
            assert side.rect().contains(top_left) and side.rect().contains(
                b.mapTo(side, b.rect().bottomRight())
            )
