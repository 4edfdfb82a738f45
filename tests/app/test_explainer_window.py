from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog

from app.explainer.data_panel import PRESET_DIR
from app.shared.theme import LECTURER, NORMAL
from engine.numpy_engine.fmt import num

MAZUR = str(PRESET_DIR / "mazur_2_2_2.json")


def press(qtbot, w, key, n=1):
    for _ in range(n):
        qtbot.keyClick(w, key)


def assert_view_follows_trace(w):
    ex = w.explainer
    ev = ex.event
    if w.stack.currentWidget() is w.conv_view:  # image layers: the maps drawing
        want = (ev.nodes[0], *sorted(set(ev.nodes[1:] + ev.edges))) if ev.nodes else ()
        assert w.conv_view.highlighted == want
    else:
        assert w.view.highlighted == tuple(ev.nodes) + tuple(ev.edges)
    text = w.formula.plain_text()
    assert ev.substituted.replace(";  ", "\n") in text and ev.phase.upper() in text


def test_load_a_preset_and_step_forward_and_back_with_keys(qtbot, window):
    w, ex = window, window.explainer
    assert w.open_network(MAZUR)
    assert ex.event_index == 0 and ex.current.t == 1
    assert_view_follows_trace(w)
    press(qtbot, w, Qt.Key.Key_Space, 3)
    assert ex.event_index == 3
    assert_view_follows_trace(w)
    press(qtbot, w, Qt.Key.Key_Right)
    press(qtbot, w, Qt.Key.Key_Left, 2)
    assert ex.event_index == 2
    assert_view_follows_trace(w)
    press(qtbot, w, Qt.Key.Key_3)
    assert ex.event.phase == "backward"
    assert_view_follows_trace(w)
    press(qtbot, w, Qt.Key.Key_4)
    assert ex.event.phase == "update"
    press(qtbot, w, Qt.Key.Key_End)
    assert ex.event_index == len(ex.current.events) - 1
    press(qtbot, w, Qt.Key.Key_PageDown)  # a presenter remote's "next"
    assert ex.current.t == 2 and ex.event_index == 0
    press(qtbot, w, Qt.Key.Key_PageUp)
    assert ex.current.t == 1 and ex.event_index == len(ex.current.events) - 1
    press(qtbot, w, Qt.Key.Key_Home)
    assert ex.event_index == 0
    press(qtbot, w, Qt.Key.Key_N)
    assert ex.current.t == 2


def test_node_values_follow_the_forward_pass(window):
    ex = window.explainer
    window.open_network(MAZUR)
    ex.goto(0, 1)  # z[1][1] computed
    assert window.view.node_text["n1_0"].text() == "z=0.378"
    ex.goto(0, 2)  # a[1][0] = σ(0.3775)
    assert window.view.node_text["n1_0"].text() == "a=0.593"
    ex.jump_phase("backward")
    ex.goto(0, ex.event_index + 1)  # δ of output 0
    assert window.view.node_text["n2_0"].text().startswith("δ=")


def test_clicking_an_edge_edits_the_weight_and_recomputes_the_trace(qtbot, window, monkeypatch):
    w, ex = window, window.explainer
    w.open_network(MAZUR)
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *a, **k: (3.0, True))
    edge = w.view.edges["w1_0_0"]
    mid = (edge.line().p1() + edge.line().p2()) / 2
    pos = w.view.mapFromScene(QPointF(mid.x() + 20, mid.y()))
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert ex.current.before.params[0][0][0, 0] == 3.0
    first = ex.current.events[0]
    assert first.substituted.startswith("3·0.05")
    assert_view_follows_trace(w)
    assert ex.loss_t == [1]


def test_a_malformed_csv_shows_a_message_and_changes_nothing(window, tmp_path, monkeypatch):
    w, ex = window, window.explainer
    w.open_network(MAZUR)
    net, step = ex.net, ex.current
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,y1,y2\n0.1,0.2,0,1\n0.3,oops,1,0\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    w.import_csv_dialog()
    assert "line 3" in w.last_error and "not a number" in w.last_error
    assert ex.net is net and ex.current is step


def test_a_good_csv_becomes_the_data(window, tmp_path, monkeypatch):
    w, ex = window, window.explainer
    w.open_network(MAZUR)
    good = tmp_path / "good.csv"
    good.write_text("a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(good), ""))
    w.import_csv_dialog()
    assert ex.net.data.inputs.shape == (4, 2) and ex.net.model.sizes[-1] == 1
    assert ex.net.model.activations[-1] == "sigmoid"


def test_editor_changes_and_validation(window):
    w, ex = window, window.explainer
    w.open_network(MAZUR)
    net = ex.net
    w.editor.table.cellWidget(1, 1).setCurrentText("softmax")
    w.editor.apply()
    assert "softmax is only allowed on the output layer" in w.editor.message.text()
    assert ex.net is net
    w.editor.table.cellWidget(1, 1).setCurrentText("relu")
    w.editor.add_layer()
    w.editor.optimizer.setCurrentText("adam")
    w.editor.apply()
    assert ex.net.model.sizes == (2, 2, 3, 2)
    assert ex.net.model.activations[0] == "relu" and ex.spec.optimizer.name == "adam"
    assert w.editor.message.text() == ""


def test_editor_keeps_weights_when_only_the_optimizer_changes(window):
    w, ex = window, window.explainer
    w.open_network(MAZUR)
    ex.next_training_step()
    before = ex.current.before.params[0][0].copy()
    w.editor.optimizer.setCurrentText("momentum")
    w.editor.apply()
    np.testing.assert_array_equal(ex.current.before.params[0][0], before)


def test_choosing_a_dataset_fits_the_network_to_it(window):
    w, ex = window, window.explainer
    w.open_network(MAZUR)
    ex.use_dataset("blobs3")
    assert ex.net.model.sizes[-1] == 3 and ex.net.model.activations[-1] == "softmax"
    assert ex.spec.loss == "cce"
    ex.use_dataset("sine")
    assert ex.net.model.sizes[0] == 1 and ex.net.model.activations[-1] == "linear"


def test_continuous_training_runs_off_thread_and_resumes_stepping(qtbot, window):
    w, ex = window, window.explainer
    w.open_network(str(PRESET_DIR / "xor_2_2_1.json"))
    qtbot.keyClick(w, Qt.Key.Key_T)
    assert ex.training
    qtbot.waitUntil(lambda: len(ex.loss_t) > 8, timeout=10000)
    press(qtbot, w, Qt.Key.Key_Space)  # stepping is ignored while training
    qtbot.keyClick(w, Qt.Key.Key_T)
    assert not ex.training
    last = ex.loss_t[-1]
    assert ex.current.t == last and ex.event_index == 0  # the next step, traced, from the start
    assert ex.loss_v[-1] < ex.loss_v[0]
    w._redraw_plots()
    x, _ = w.plots.loss_curve.getData()
    assert len(x) == len(ex.loss_t)


def test_a_diverging_learning_rate_says_diverged_and_keeps_the_last_good_state(qtbot, window):
    w, ex = window, window.explainer
    w.open_network(str(PRESET_DIR / "sine_regression.json"))
    w.editor.optimizer.setCurrentText("sgd")
    w.editor.hyper["lr"].setValue(100.0)
    w.editor.apply()
    ex.start_training()
    qtbot.waitUntil(lambda: not ex.training, timeout=10000)
    assert "diverged at step" in w.last_error
    assert all(np.isfinite(W).all() for W, _ in ex.current.before.params)


def test_gradient_check_dialog(qtbot, window):
    window.open_network(MAZUR)
    window.show_gradient_check()
    dlg = window.dialogs[-1]
    qtbot.waitUntil(lambda: not dlg.running, timeout=10000)  # it runs in a worker thread
    assert dlg.table.rowCount() == 12
    assert "agree" in dlg.summary.text()
    # issue 23, defect 13: its button closes it once the check has ended (a greyed Cancel did not)
    qtbot.waitUntil(lambda: dlg.cancel_button.text() == "Close", timeout=5000)
    assert dlg.cancel_button.isEnabled() and dlg.isVisible()
    qtbot.mouseClick(dlg.cancel_button, Qt.MouseButton.LeftButton)
    assert not dlg.isVisible()


def test_lecturer_mode_is_large_dark_and_hides_controls_until_the_mouse_moves(qtbot, window):
    w = window
    w.open_network(MAZUR)
    w.autohide.timer.setInterval(50)
    qtbot.keyClick(w, Qt.Key.Key_F11)
    assert w.theme is LECTURER and w.isFullScreen()
    qtbot.waitUntil(lambda: not w.toolbar.isVisible(), timeout=3000)
    qtbot.mouseMove(w.view.viewport())
    qtbot.mouseMove(w.view.viewport(), w.view.viewport().rect().center())
    qtbot.waitUntil(lambda: w.toolbar.isVisible(), timeout=3000)
    press(qtbot, w, Qt.Key.Key_Space, 2)
    assert w.explainer.event_index == 2
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert w.theme is NORMAL and w.toolbar.isVisible()


def test_exports(window, tmp_path):
    from PIL import Image

    from app.explainer.export_actions import write_export

    w = window
    w.open_network(str(PRESET_DIR / "neuron_sigmoid.json"))
    for kind, name in (
        ("png", "n.png"),
        ("svg", "n.svg"),
        ("tex", "n.tex"),
        ("csv", "n.csv"),
        ("gif", "n.gif"),
    ):
        write_export(w, kind, str(tmp_path / name))
        assert (tmp_path / name).stat().st_size > 100, kind
    assert "\\begin{gather*}" in (tmp_path / "n.tex").read_text()
    assert (tmp_path / "n.csv").read_text().count("\n") == len(w.explainer.current.events) + 1
    with Image.open(tmp_path / "n.gif") as gif:
        assert gif.n_frames == len(w.explainer.current.events)
    write_export(w, "frames", str(tmp_path / "frames"))
    assert len(list((tmp_path / "frames").glob("*.png"))) == len(w.explainer.current.events)
    assert "<svg" in (tmp_path / "n.svg").read_text()


def test_session_round_trip_and_restore_on_start(qtbot, tmp_path):
    from app.explainer.window import ExplainerWindow as MainWindow

    w = MainWindow(tmp_path / "s", restore=False)
    qtbot.addWidget(w)
    w.open_network(str(PRESET_DIR / "circle_relu.json"))
    ex = w.explainer
    for _ in range(3):
        ex.next_training_step()
    ex.goto(ex.step_index, 7)
    sym, val, t = ex.event.symbol, ex.event.value, ex.current.t
    w.close()
    assert (tmp_path / "s" / "last_session.json").exists()
    w2 = MainWindow(tmp_path / "s", restore=True)
    qtbot.addWidget(w2)
    ex2 = w2.explainer
    assert (ex2.current.t, ex2.event_index) == (t, 7)
    assert (ex2.event.symbol, ex2.event.value) == (sym, val)
    assert ex2.loss_t == ex.loss_t
    (tmp_path / "broken.json").write_text("{}")
    assert not w2.open_session(tmp_path / "broken.json")
    assert "not a Backprop Studio session" in w2.last_error
    assert ex2.current.t == t
    w2.close()


def test_plot_widgets_survive_churn(qtbot):
    from app.explainer.plots_panel import PlotsPanel

    for _ in range(60):
        p = PlotsPanel()
        qtbot.addWidget(p)
        p.set_losses([1, 2, 3], [0.5, 0.4, 0.3])
        p.show()
        p.close()
        p.deleteLater()
    qtbot.wait(10)


@pytest.mark.parametrize("preset", sorted(p.name for p in Path(PRESET_DIR).glob("*.json")))
def test_every_preset_opens_and_steps_through_every_phase(window, preset):
    ex = window.explainer
    assert window.open_network(str(PRESET_DIR / preset))
    for phase in ("forward", "loss", "backward", "update"):
        ex.jump_phase(phase)
        assert ex.event.phase == phase
        assert_view_follows_trace(window)
    window._redraw_plots()


def test_biases_are_drawn_and_show_their_new_value_in_the_update_phase(window):
    ex = window.explainer
    window.open_network(str(PRESET_DIR / "xor_2_2_1.json"))
    b_old = ex.current.before.params[1][1][0]
    assert window.view.bias_text["n2_0"].text() == f"b={num(b_old, 3)}"
    ex.end()  # the last update event is the output bias
    b_new = ex.current.after.params[1][1][0]
    assert ex.event.symbol == "b[2][0]" and b_new != b_old
    assert window.view.bias_text["n2_0"].text() == f"b={num(b_new, 3)}"


def test_continuous_training_has_a_speed_with_a_watchable_default(qtbot, window):
    """Issue 23: T trained at about 36,000 steps/s; a speed control paces the child process."""
    from engine.numpy_engine.stream import DEFAULT_SPEED, SPEEDS

    w, ex = window, window.explainer
    box = w.controls.train_pace
    assert box.currentData() == DEFAULT_SPEED == ex.speed.value and 10 <= DEFAULT_SPEED <= 300
    box.setCurrentIndex(SPEEDS.index(0))
    assert ex.speed.value == 0.0 and box.currentText() == "full speed"
    box.setCurrentIndex(SPEEDS.index(30))
    assert ex.speed.value == 30.0
    for bad in (-1.0, float("nan"), float("inf"), "fast", None, True):
        assert not ex.set_train_speed(bad)
    assert ex.speed.value == 30.0
    w.open_network(MAZUR)
    ex.start_training()
    ex.set_train_speed(1000)  # while it runs
    qtbot.waitUntil(lambda: len(ex.loss_t) > 3, timeout=10_000)
    ex.stop_training()
    assert not ex.training
