"""While a question asks a number, the places beyond the drawing, the formula and the Code panel
keep it hidden too: the Landscape dock's losses and gradient norms, the loss plot's range, and
the exports that write every number of the step (refused until it is answered)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from engine.lessons.progress import ENV_VAR, FREE
from engine.numpy_engine.fmt import num

PRESETS = Path(__file__).parents[2] / "assets" / "presets"


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "lessons.json"))


def _ask_until(qtbot, w, want, most: int = 400) -> None:
    """Prediction mode on; Space (revealing what is asked on the way) until a question whose
    event satisfies `want` is pending."""
    L = w.lessons
    if not L.free:
        qtbot.keyClick(w, Qt.Key.Key_Q)
    for _ in range(most):
        qtbot.keyClick(w, Qt.Key.Key_Space)
        if L.pending() and want(w.explainer.event):
            return
    raise AssertionError("no such question")


def _close_boxes(qtbot, w) -> None:
    """The refusal's box closed, as the user does; the window active again."""
    from PySide6.QtWidgets import QApplication

    for top in QApplication.topLevelWidgets():
        if top.isVisible() and top is not w:
            top.close()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)


def _race(qtbot, w, optimizers: str = "sgd,adam", lrs: str = "0.1,0.05") -> None:
    """8 steps of a race on the plane of the first layer's two weights."""
    p = w.landscape.panel
    p.optimizers.setText(optimizers)
    p.lrs.setText(lrs)
    p.steps.setValue(8)
    p.plane.setCurrentText("weights:1.0.0,1.0.1")
    w.landscape.open()
    p.run.click()
    qtbot.waitUntil(lambda: w.landscape.worker is None and p.run.isEnabled(), timeout=20_000)


def test_the_landscape_dock_hides_the_asked_loss_and_the_gradient_norms(qtbot, window):
    w, ex = window, window.explainer
    assert w.open_network(str(PRESETS / "ravine_unnormalised.json")) is not False
    _race(qtbot, w)
    p = w.landscape.panel
    _ask_until(qtbot, w, lambda ev: ev.phase == "loss")
    true = num(ex.net.loss(ex.current.before), 4)
    qtbot.waitUntil(lambda: "true loss ?" in p.here.text(), timeout=3000)
    assert "plane ?" in p.here.text() and f"{float(true):.4g}" not in p.here.text()
    t, tip = ex.current.t, p.race_view.dots[0].opts["tip"]  # a race path's hovers: before this step
    assert tip(x=0.5, y=0.25, data=t - 1).endswith(
        "true loss ?; loss at its projection (0.5, 0.25) ?"
    )
    assert tip(x=0.5, y=0.25, data=t).endswith("projection ? ?")  # after it: the update's
    qtbot.keyClick(w, Qt.Key.Key_Space)  # revealed: the numbers come back
    qtbot.waitUntil(lambda: "true loss ?" not in p.here.text(), timeout=3000)
    assert "true loss " in p.here.text() and "plane ?" not in p.here.text()
    assert "?" not in tip(x=0.5, y=0.25, data=t - 1) + tip(x=0.5, y=0.25, data=t)
    # a gradient asked: the strip's ‖∂L/∂W‖ (|∂L/∂w| for a layer of one weight) waits too
    _ask_until(qtbot, w, lambda ev: ev.kind == "grad_w")
    qtbot.waitUntil(lambda: "?" in p.strip.label.text, timeout=3000)
    assert tip(x=0.5, y=0.25, data=ex.current.t).endswith("projection ? ?")  # the new weights
    assert p.strip.grad_line.getData()[0] is None or len(p.strip.grad_line.getData()[0]) == 0
    qtbot.keyClick(w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "?" not in p.strip.label.text, timeout=3000)
    assert len(p.strip.grad_line.getData()[0]) > 0


def test_the_loss_plot_is_not_left_at_the_range_of_the_hidden_point(qtbot, window):
    """lr_too_large triples its loss each step: the range the step's point had set (top about
    105 at step 3) would tell its loss while the point is hidden."""
    w, ex = window, window.explainer
    assert w.open_network(str(PRESETS / "lr_too_large.json")) is not False
    for _ in range(2):
        ex.next_training_step()
    w._redraw_plots()  # step 3's point drawn: the range jumps to it
    assert ex.current.t == 3 and w.plots.loss_plot.viewRange()[1][1] > 99
    _ask_until(qtbot, w, lambda ev: ev.phase == "loss")
    assert ex.current.t == 3
    w._redraw_plots()
    steps, losses = w.plots.loss_curve.getData()
    assert 3 not in list(steps)
    assert w.plots.loss_plot.viewRange()[1][1] <= max(losses) * 1.05 + 1e-9
    qtbot.keyClick(w, Qt.Key.Key_Space)  # revealed: the point and its range are back
    w._redraw_plots()
    assert 3 in list(w.plots.loss_curve.getData()[0])
    assert w.plots.loss_plot.viewRange()[1][1] >= ex.current.loss


@pytest.mark.parametrize("kind", ["csv", "tex", "gif", "frames"])
def test_an_export_of_the_steps_numbers_waits_for_the_answer(qtbot, window, tmp_path, kind,
                                                             monkeypatch):  # fmt: skip
    from PySide6.QtWidgets import QFileDialog

    w = window
    assert w.open_network(str(PRESETS / "mazur_2_2_2.json")) is not False
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / f"x.{kind}"
    asked_where = []

    def where(*_a, **_k):
        asked_where.append(kind)
        return (str(out), "") if kind != "frames" else str(out)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", where)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", where)
    _ask_until(qtbot, w, lambda ev: ev.kind == "delta")
    w.export_dialog(kind)
    assert "Not exported" in w.last_error and "answer it or reveal it" in w.last_error
    assert not asked_where and not out.exists()  # nothing asked, nothing written
    _close_boxes(qtbot, w)
    qtbot.keyClick(w, Qt.Key.Key_Space)  # revealed
    w.last_error = ""
    w.export_dialog(kind)
    if kind in ("gif", "frames"):
        qtbot.waitUntil(lambda: w.frame_export.state == "done", timeout=60_000)
    assert asked_where == [kind] and out.exists() and w.last_error == ""


def test_the_drawing_is_still_exported_while_asked(qtbot, window, tmp_path, monkeypatch):
    """PNG and SVG write the drawing as it is shown, the number hidden: not refused."""
    from PySide6.QtWidgets import QFileDialog

    w = window
    assert w.open_network(str(PRESETS / "mazur_2_2_2.json")) is not False
    out = tmp_path / "x.svg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    _ask_until(qtbot, w, lambda ev: ev.kind == "z")
    w.export_dialog("svg")
    assert out.exists() and w.last_error == ""
    assert w.lessons.pending()


def test_a_loss_question_at_step_1_leaves_no_range_of_its_loss(qtbot, window):
    """At step 1 the hidden point is the only one: the plot was left at the range it had set
    (its top 1.05 times the asked loss); nothing drawn now has a range of its own."""
    w, ex = window, window.explainer
    assert w.open_network(str(PRESETS / "mazur_2_2_2.json")) is not False
    w._redraw_plots()
    assert w.plots.loss_plot.viewRange()[1][1] == pytest.approx(ex.current.loss * 1.05)
    _ask_until(qtbot, w, lambda ev: ev.phase == "loss" and ev.kind == "loss")
    w._redraw_plots()
    top = w.plots.loss_plot.viewRange()[1][1]
    assert top != pytest.approx(ex.current.loss * 1.05, rel=0.05) and top == 1.0


def test_the_session_is_not_saved_while_asked(qtbot, window, tmp_path, monkeypatch):
    """A session writes the loss curve, the step's loss in it: refused, nothing asked or
    written; saved once the question is answered."""
    from PySide6.QtWidgets import QFileDialog

    w = window
    assert w.open_network(str(PRESETS / "mazur_2_2_2.json")) is not False
    out, asked_where = tmp_path / "out" / "s.bps.json", []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: asked_where.append(1) or (str(out), ""))  # fmt: skip
    _ask_until(qtbot, w, lambda ev: ev.phase == "loss")
    w.save_session_dialog()
    assert "Session not saved" in w.last_error and not asked_where and not out.exists()
    _close_boxes(qtbot, w)
    qtbot.keyClick(w, Qt.Key.Key_Space)  # revealed
    w.save_session_dialog()
    assert asked_where and out.exists()


def test_stepping_away_withdraws_the_question(qtbot, window):
    """Back from the asked number (the Back button: Left moves in the answer box) goes where
    it is shown (the Events panel, a later formula's input after a jump): the question is
    withdrawn, not counted, and nothing stays hidden."""
    from engine.lessons.progress import FREE

    w, ex, L = window, window.explainer, window.lessons
    assert w.open_network(str(PRESETS / "mazur_2_2_2.json")) is not False
    _ask_until(qtbot, w, lambda ev: ev.kind == "a")
    asked = L.progress.get(FREE).asked
    ex.back()  # what the Back button does
    assert not L.pending() and "withdrawn" in L.player.feedback.text()
    assert L.player.question.text() == ""  # no longer asked
    assert w.events.model.hide_from is None and not w.formula.hide_value
    assert L.progress.get(FREE).asked == asked  # not counted
    ex.next()  # back on it: shown, not asked again
    assert not L.pending() and w.formula._shown[-1][0] != f"{ex.event.symbol} = ?"


def test_prediction_mode_off_shows_the_number_at_once(qtbot, window):
    w, ex, L = window, window.explainer, window.lessons
    assert w.open_network(str(PRESETS / "mazur_2_2_2.json")) is not False
    _ask_until(qtbot, w, lambda ev: ev.kind == "z")
    assert w.formula._shown[-1][0] == f"{ex.event.symbol} = ?"
    qtbot.keyClick(w, Qt.Key.Key_Q)  # off: the question goes, and its "?" with it
    assert not L.pending() and w.formula._shown[-1][0] != f"{ex.event.symbol} = ?"
    assert w.events.model.hide_from is None


def test_the_gradient_check_waits_for_the_answer(qtbot, window):
    """It lists every ∂L/∂θ of the step (w[2][0][0] 0.082167041 while ∂L/∂w[2][0][0] was
    asked): refused in one sentence, then opened once the question is answered."""
    from app.explainer.gradcheck_dialog import GradCheckDialog

    w = window
    assert w.open_network(str(PRESETS / "mazur_2_2_2.json")) is not False
    _ask_until(qtbot, w, lambda ev: ev.kind == "grad_w")
    w.show_gradient_check()
    assert "gradient check" in w.last_error and "answer it or reveal it" in w.last_error
    assert not any(isinstance(d, GradCheckDialog) for d in w.dialogs)
    _close_boxes(qtbot, w)
    qtbot.keyClick(w, Qt.Key.Key_Space)  # revealed
    w.show_gradient_check()
    assert any(isinstance(d, GradCheckDialog) for d in w.dialogs)
    for d in w.dialogs:
        if isinstance(d, GradCheckDialog):
            d.wait()  # its worker done before the window goes


def test_a_forward_question_hides_the_steps_loss(qtbot, window):
    """The loss is worked out from the forward pass: with one output and one sample the
    answer follows from it (blobs2: a = 1 − e^(−L) with BCE). Position, formula header,
    description, loss point and the Landscape dock's true loss wait too; a backward question
    shows it (it comes after the loss)."""
    w, ex = window, window.explainer
    assert w.open_network(str(PRESETS / "blobs2_adadelta.json")) is not False
    _ask_until(qtbot, w, lambda ev: ev.phase == "forward" and ev.kind == "a" and ev.layer == 2)
    loss = num(ex.current.loss)
    assert "loss ?" in w.controls.position.text() and loss not in w.controls.position.text()
    assert "loss ?" in w.formula.header.text()
    w._redraw_plots()
    steps, _ = w.plots.loss_curve.getData()
    assert steps is None or ex.current.t not in list(steps)
    _ask_until(qtbot, w, lambda ev: ev.phase == "backward")
    assert f"loss {loss}" in w.controls.position.text()


def test_a_description_loses_the_steps_loss_for_a_forward_question(window, qtbot):
    w = window
    assert w.open_network(str(PRESETS / "mazur_2_2_2.json")) is not False
    assert "E = 0.2984" in w.data_panel.description.text()
    _ask_until(qtbot, w, lambda ev: ev.phase == "forward" and ev.layer == 2)
    assert "E = ?" in w.data_panel.description.text() and "0.2984" not in w.formula.header.text()


@pytest.mark.parametrize("preset", ["sine_regression.json", "blobs2_adadelta.json"])
def test_the_model_plot_waits_for_a_forward_question(qtbot, window, preset):
    """The fitted curve (one input) or the map (two) shows the network's output at every input,
    the sample's too: it waits while a forward question asks the output (or what leads to it)."""
    from app.explainer.plots_panel import MODEL_WAITS

    w, p = window, window.plots
    assert w.open_network(str(PRESETS / preset)) is not False
    w._redraw_plots()
    title = p.data_plot.plotItem.titleLabel.text

    def drawn() -> bool:
        x = p.fit_curve.getData()[0]
        return (x is not None and len(x) > 0) or p.image.image is not None

    assert drawn() and MODEL_WAITS not in title
    _ask_until(qtbot, w, lambda ev: ev.phase == "forward" and ev.kind == "a")
    w._redraw_plots()
    assert not drawn() and MODEL_WAITS in p.data_plot.plotItem.titleLabel.text
    assert len(p.scatter.data) == len(w.explainer.net.data.inputs)  # the data stay
    qtbot.keyClick(w, Qt.Key.Key_Space)  # revealed: the model is drawn again, under its title
    w._redraw_plots()
    assert drawn() and p.data_plot.plotItem.titleLabel.text == title
    ex = w.explainer  # the backward phase: the forward numbers are on the screen there
    ex.goto(ex.step_index, ex.current.events.phase_start("backward") - 1)
    _ask_until(qtbot, w, lambda ev: ev.phase == "backward")
    w._redraw_plots()
    assert drawn()


def test_the_race_stops_before_the_asked_loss(qtbot, window):
    """A racer of the window's own optimizer and η runs through the window's weights: its loss
    curve and the race table would tell the asked loss, its path the weights after the asked
    update."""
    w, ex = window, window.explainer
    assert w.open_network(str(PRESETS / "ravine_unnormalised.json")) is not False
    _race(qtbot, w)
    p = w.landscape.panel

    def lengths() -> list[int]:
        return [0 if c.getData()[0] is None else len(c.getData()[0]) for c in p.race_view.curves]

    full = lengths()
    assert full and min(full) == 9  # the start and 8 steps
    assert "target 4.7 (half the start loss)" in p.status.text()
    _ask_until(qtbot, w, lambda ev: ev.phase == "loss")  # step 1: the start loss is asked
    qtbot.waitUntil(lambda: "target ? (half" in p.status.text())
    assert lengths() == [0, 0]
    qtbot.keyClick(w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "target 4.7 (half" in p.status.text())
    for _ in range(2):
        ex.next_training_step()
    _ask_until(qtbot, w, lambda ev: ev.phase == "loss")
    t = ex.current.t
    assert t == 3 and "target 4.7 (half" in p.status.text()
    qtbot.waitUntil(lambda: lengths() == [t - 1] * len(full))
    v = p.race_view  # the paths: up to the weights before step t (the drawing shows them)
    assert [len(x.getData()[0]) for x in v.paths] == [len(d.data) for d in v.dots] == [t] * 2
    cells = [p.table.item(r, c).text() for r in range(p.table.rowCount()) for c in (2, 3)]
    assert set(cells) == {"?"}
    qtbot.keyClick(w, Qt.Key.Key_Space)  # revealed
    qtbot.waitUntil(lambda: lengths() == full)
    assert "?" not in [p.table.item(r, 3).text() for r in range(p.table.rowCount())]
    _ask_until(qtbot, w, lambda ev: ev.kind == "grad_w")  # the losses after its update wait
    t = ex.current.t
    qtbot.waitUntil(lambda: lengths() == [t] * len(full))


def test_nesterovs_look_ahead_points_stop_before_the_asked_update(qtbot, window):
    """Look-ahead point k is worked out from the weights after k steps: the ones from the asked
    step on would move with its gradient."""
    w, ex = window, window.explainer
    assert w.open_network(str(PRESETS / "ravine_unnormalised.json")) is not False
    _race(qtbot, w, "nesterov", "0.01")
    p = w.landscape.panel
    assert len(p.ahead.data) == 9
    for _ in range(2):
        ex.next_training_step()
    _ask_until(qtbot, w, lambda ev: ev.kind == "grad_w")
    qtbot.waitUntil(lambda: len(p.ahead.data) == ex.current.t == 3)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: len(p.ahead.data) == 9)


def test_training_withdraws_the_question(qtbot, window):
    """T trains past the asked step, and the live loss curve draws every step's loss (the
    asked step's too): the question is withdrawn, not counted, as when stepping away."""
    w, L = window, window.lessons
    assert w.open_network(str(PRESETS / "blobs2_adadelta.json")) is not False
    _ask_until(qtbot, w, lambda ev: ev.phase == "forward" and ev.kind == "a")
    asked = L.progress.get(FREE).asked
    qtbot.keyClick(w, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: w.explainer.training)
    assert not L.pending() and L.asked_event() is None
    assert "Training moved past the question" in L.player.feedback.text()
    assert L.player.question.text() == ""
    qtbot.keyClick(w, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: not w.explainer.training, timeout=5000)
    assert L.progress.get(FREE).asked == asked  # not counted (answering counts)


def test_prediction_mode_asks_the_number_a_step_or_phase_key_lands_on(qtbot, window):
    """N and the phase keys land on a number: it was shown, so the first number of every step
    and phase was never asked."""
    w, L, ex = window, window.lessons, window.explainer
    assert w.open_network(str(PRESETS / "mazur_2_2_2.json")) is not False
    qtbot.keyClick(w, Qt.Key.Key_Q)
    qtbot.keyClick(w, Qt.Key.Key_N)
    assert ex.current.t == 2 and ex.event_index == 0 and L.asked_event() is ex.event
    assert w.formula.hide_value
    qtbot.keyClick(w, Qt.Key.Key_Space)  # revealed
    assert not L.pending()
    qtbot.keyClick(w, Qt.Key.Key_3)
    assert ex.event.phase == "backward" and L.asked_event() is ex.event
    qtbot.keyClick(w, Qt.Key.Key_Q)  # prediction mode off: N shows the number, as before
    qtbot.keyClick(w, Qt.Key.Key_N)
    assert ex.current.t == 3 and not L.pending()


def test_a_forward_question_hides_the_strips_gradient_norms(qtbot, window):
    """The strip's ‖∂L/∂W‖ come in the step's backward phase; one weight's is |δ·x|, and δ
    tells the output a forward question asks."""
    w = window
    assert w.open_network(str(PRESETS / "ravine_unnormalised.json")) is not False
    _race(qtbot, w)
    p = w.landscape.panel
    assert "?" not in p.strip.label.text
    _ask_until(qtbot, w, lambda ev: ev.phase == "forward")
    qtbot.waitUntil(lambda: "?" in p.strip.label.text, timeout=3000)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "?" not in p.strip.label.text, timeout=3000)


def test_a_phase_key_that_does_not_move_asks_nothing_again(window, qtbot):
    w, L, ex = window, window.lessons, window.explainer
    assert w.open_network(str(PRESETS / "mazur_2_2_2.json"))
    qtbot.keyClick(w, Qt.Key.Key_Q)
    qtbot.keyClick(w, Qt.Key.Key_3)
    assert L.pending()
    qtbot.keyClick(w, Qt.Key.Key_Space)  # revealed
    qtbot.keyClick(w, Qt.Key.Key_3)  # already there: not asked again
    assert not L.pending()
    w.controls.phase.emit("update")  # the toolbar's button asks as the key does
    assert L.pending() and ex.event.phase == "update"
