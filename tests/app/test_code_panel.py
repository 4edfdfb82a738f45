"""The Code panel follows the current event (NumPy lines, the current line marked, the variables
underneath, the PyTorch side on a toggle) and File → Export as NumPy/PyTorch script writes the
network on screen as export-code does, refusing a bad path with one sentence."""

from __future__ import annotations

import json
import subprocess
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QFileDialog

from app.explainer.code_export import export_code
from app.explainer.data_panel import PRESET_DIR
from app.shared.theme import LECTURER
from engine.numpy_engine.fmt import num

MAZUR = str(PRESET_DIR / "mazur_2_2_2.json")


def _plain(rich: str) -> str:
    doc = QTextDocument()
    doc.setHtml(rich)
    return doc.toPlainText().replace("\u00a0", " ")


def _to(ex, symbol: str) -> None:
    ex.jump_phase("backward")
    while ex.event.symbol != symbol:
        ex.next()


def test_the_panel_shows_the_current_events_lines_and_values(window):
    w, ex = window, window.explainer
    assert w.open_network(MAZUR)
    assert w.docks["Code"].isVisible()
    _to(ex, "δ[2][0]")
    p = w.code
    assert "backward" in _plain(p.html)
    text = _plain(p.html)
    assert "▶ delta = grad_a * (a * (1.0 - a))" in text and "grad_a = (a - y) / len(a)" in text
    assert "0.1385" in p.html and num(ex.event.value) == "0.1385"
    assert not p.note_shown and "autograd" not in p.html
    p.torch.setChecked(True)
    assert "loss.backward()" in _plain(p.html) and p.note_shown
    assert "autograd" in _plain(p.html).lower()
    p.torch.setChecked(False)
    ex.jump_phase("update")  # the panel moves with the cursor
    assert "▶ W = W - lr * dW" in _plain(p.html) or "frozen" in _plain(p.html)


def test_lecturer_mode_hides_the_panel_until_key_c(qtbot, window):
    w = window
    assert w.open_network(MAZUR)
    code, formula = w.docks["Code"], w.docks["Formula"]
    assert code.isVisible()
    w.set_lecturer(True)
    try:
        assert w.theme is LECTURER and not code.isVisible()
        qtbot.keyClick(w, Qt.Key.Key_C)
        assert code.isVisible() and not w.docks["Plots"].isVisible()
        assert code.geometry().top() >= formula.geometry().bottom()
        assert LECTURER.text in w.code.html and LECTURER.canvas in w.code.html
        qtbot.keyClick(w, Qt.Key.Key_C)
        assert not code.isVisible()
    finally:
        w.set_lecturer(False)
    assert code.isVisible() and w.theme is not LECTURER


def test_export_scripts_from_the_file_menu(window, tmp_path, monkeypatch):
    w = window
    assert w.open_network(MAZUR)
    titles = [a.text() for a in w.menuBar().actions()[0].menu().actions()]
    assert "Export as NumPy script…" in titles and "Export as PyTorch script…" in titles
    out = tmp_path / "mazur.py"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    w.qactions["export_numpy_script"].trigger()
    r = subprocess.run([sys.executable, str(out), "--steps", "2"], capture_output=True, text=True,
                       timeout=60)  # fmt: skip
    assert abs(json.loads(r.stdout)["losses"][0] - 0.2983711087600027) < 1e-12
    assert not export_code(w, "torch", str(tmp_path / "no" / "s.py"))
    assert "does not exist" in w.last_error and not (tmp_path / "no").exists()
    assert not export_code(w, "numpy", str(tmp_path))  # a folder
    assert "folder" in w.last_error


def test_the_title_is_in_the_normal_type_again_after_lecturer_mode(qtbot, window):
    """Leaving lecturer mode remakes the document at the body's normal font (it was made at the
    lecturer's, still the body's when the style change came, until the next key)."""
    w = window
    assert w.open_network(MAZUR)
    normal = w.code.body.font().toString()
    for key_c in (False, True):  # the panel hidden on the wall, or shown by key C
        w.set_lecturer(True)
        if key_c:
            qtbot.keyClick(w, Qt.Key.Key_C)
        qtbot.wait(50)
        w.set_lecturer(False)
        qtbot.wait(50)
        assert w.code.body.font().toString() == normal
        assert w.code.body.document().defaultFont().toString() == normal


def test_a_short_panel_keeps_the_current_line_in_sight(qtbot, window):
    """Beside a lesson the Code panel is short: the highlighted line was cut in half at the bottom
    edge, or below it. The panel scrolls it into sight, as far as it must."""
    w, ex = window, window.explainer
    assert w.open_network(MAZUR)
    p = w.code
    w.resizeDocks([w.docks["Code"]], [110], Qt.Orientation.Vertical)
    qtbot.wait(50)
    view = p.body.viewport().rect()
    for symbol in ("δ[2][0]", "δ[1][0]"):
        _to(ex, symbol)
        qtbot.wait(20)
        mark = p.body.cursorRect(p.body.document().find("▶"))
        assert view.contains(mark), (symbol, mark, view)
    assert p.body.textCursor().selectedText() == ""  # nothing is selected on screen


def _run(script, steps: int) -> list[float]:
    r = subprocess.run([sys.executable, str(script), "--steps", str(steps)], capture_output=True,
                       text=True, timeout=60)  # fmt: skip
    return json.loads(r.stdout)["losses"]


def test_a_weight_edited_on_the_drawing_at_step_1_is_in_the_script(window, tmp_path):
    """A newcomer clicked an edge at step 1 and typed 1.5: the window showed loss 0.299, the
    script it exported printed the file's 0.2984, from the weights as opened."""
    w, ex = window, window.explainer
    assert w.open_network(MAZUR)
    ex.edit_parameter(1, "weights", (0, 0), 1.5)
    ex.next_training_step()
    window_losses = [r.loss for r in ex.history]
    assert len(window_losses) == 2 and abs(window_losses[0] - 0.2983711087600027) > 1e-4
    assert export_code(w, "numpy", str(tmp_path / "edited.py"))
    assert _run(tmp_path / "edited.py", 2)[:2] == window_losses  # each step's, to the last bit
    assert "not in it" not in w.statusBar().currentMessage()


def test_a_weight_edited_at_a_later_step_is_said_not_written(window, tmp_path):
    w, ex = window, window.explainer
    assert w.open_network(MAZUR)
    ex.next_training_step()
    ex.edit_parameter(1, "weights", (0, 0), 1.5)
    assert export_code(w, "numpy", str(tmp_path / "later.py"))
    said = w.statusBar().currentMessage()
    assert "the weight you edited at step 2 is not in it" in said
    assert abs(_run(tmp_path / "later.py", 1)[0] - 0.2983711087600027) < 1e-12  # as opened


def test_the_variables_table_never_breaks_a_name_or_a_number():
    """At the lecturer's size the wall read "0.000438" / "6" and "new W[0," / "0]": names and
    values never break; the array's shape comes last, small, "a number" for a scalar."""
    from app.explainer.code_panel import variables_html
    from engine.numpy_engine.codegen.snippets import Snippet, Variable

    sn = Snippet("update", ("W = W - lr * dW",), 0, (
        Variable("new W[0, 0]", "(2, 2)", "0.1498"), Variable("lr", "()", "0.5")), (), 0, "")  # fmt: skip
    text = _plain(variables_html(sn, LECTURER))
    assert "new W[0, 0]" in text and "(2, 2)" in text and "a number" in text
    assert text.index("0.1498") < text.index("(2, 2)")  # value, then the shape
    html_text = variables_html(sn, LECTURER)
    assert html_text.count("white-space:nowrap") == 4  # each name and each value
