"""While a question asks a number, the places beyond the drawing, the formula and the Code panel
keep it hidden too: the Landscape dock's losses and gradient norms, the loss plot's range, and
the exports that write every number of the step (refused until it is answered)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from engine.lessons.progress import ENV_VAR
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


def _race(qtbot, w) -> None:
    p = w.landscape.panel
    p.optimizers.setText("sgd,adam")
    p.lrs.setText("0.1,0.05")
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
    t = ex.current.t  # a path point's hover before this step: "?" too, the others numbers
    assert "true loss ?" in p.dots[0].opts["tip"](x=0.5, y=0.25, data=t - 1)
    assert "true loss ?" not in p.dots[0].opts["tip"](x=0.5, y=0.25, data=t)
    qtbot.keyClick(w, Qt.Key.Key_Space)  # revealed: the numbers come back
    qtbot.waitUntil(lambda: "true loss ?" not in p.here.text(), timeout=3000)
    assert "true loss " in p.here.text() and "plane ?" not in p.here.text()
    # a gradient asked: the strip's ‖∂L/∂W‖ (|∂L/∂w| for a layer of one weight) waits too
    _ask_until(qtbot, w, lambda ev: ev.kind == "grad_w")
    qtbot.waitUntil(lambda: "?" in p.strip_label.text, timeout=3000)
    assert p.grad_line.getData()[0] is None or len(p.grad_line.getData()[0]) == 0
    qtbot.keyClick(w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "?" not in p.strip_label.text, timeout=3000)
    assert len(p.grad_line.getData()[0]) > 0


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
