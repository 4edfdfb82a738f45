"""A key to an event with the same code and as many variables writes the new names, shapes and
values into the Code panel's shown document instead of making one: what it then shows, in text
and in pixels, is what a document made for that event shows; anything else makes a document."""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from app.explainer import code_panel
from app.explainer.data_panel import PRESET_DIR
from app.shared.lru import LRU
from tests.app.test_code_panel import _plain

NBSP = "\u00a0"


def _fresh_image(code):
    """The body's pixels with the same event's document made now (nothing kept)."""
    code._docs = LRU(code_panel.DOCS_KEPT)
    code._frames = LRU(code_panel.FRAMES_KEPT)
    code.redraw()
    return code.body.viewport().grab().toImage()


def _shows_its_html(code) -> bool:
    return code.body.document().toPlainText().replace(NBSP, " ") == _plain(code.html)


@pytest.mark.parametrize(
    ("preset", "phase"),
    [
        ("spiral_deep.json", "update"),
        ("spiral_deep.json", "forward"),
        ("spiral_deep.json", "backward"),
        ("cnn_tiny_digits.json", "forward"),
        ("cnn_tiny_digits.json", "update"),
    ],
)
def test_keys_along_a_layer_rewrite_the_cells_and_show_what_a_new_document_shows(
    qtbot, window, preset, phase
):
    w, ex, code = window, window.explainer, window.code
    assert w.open_network(str(PRESET_DIR / preset))
    ex.jump_phase(phase)
    made, retyped = code.made, code.retyped
    for _ in range(12):
        qtbot.keyClick(w, Qt.Key.Key_Space)  # no pause: nothing is prepared
        assert _shows_its_html(code)
    assert code.retyped > retyped  # the commonest key took the cheap path
    assert code.made < made + 12
    shown = code.body.document()
    assert code._docs.get((code.html, code.body.font().toString())) is shown  # kept anew
    qtbot.wait(10)
    pixels = code.body.viewport().grab().toImage()
    assert _fresh_image(code) == pixels
    assert code.body.document() is not shown


def test_another_frame_makes_a_document(qtbot, window):
    """The PyTorch side, the next part of the step and lecturer mode are other frames."""
    w, ex, code = window, window.explainer, window.code
    assert w.open_network(str(PRESET_DIR / "mazur_2_2_2.json"))
    ex.jump_phase("update")
    qtbot.keyClick(w, Qt.Key.Key_Space)
    made, numpy_side = code.made, code.html
    code.torch.setChecked(True)  # other lines: made
    assert code.made == made + 1 and _shows_its_html(code) and code.html != numpy_side
    code.torch.setChecked(False)
    qtbot.keyClick(w, Qt.Key.Key_BracketRight)
    assert _shows_its_html(code)
    w.set_lecturer(True)
    try:
        qtbot.keyClick(w, Qt.Key.Key_C)
        made = code.made
        qtbot.keyClick(w, Qt.Key.Key_Space)
        assert _shows_its_html(code) and code.made >= made
        from app.shared.theme import LECTURER

        assert LECTURER.text in code.html
    finally:
        w.set_lecturer(False)
    assert _shows_its_html(code)


def test_a_cell_shows_its_text_as_html_would(qtbot):
    """Runs of spaces, spaces at the ends, tabs and no-break spaces: written into a cell they
    look as the same text parsed as HTML."""
    rng = random.Random(1)
    parts = [" ", "  ", "\t", NBSP, "a", "−0.5", "→", "[1, 2]", "\n", "&", "<b>"]
    for _ in range(300):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(1, 8)))
        esc = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        html = f"<table><tr><td>x</td><td>y</td><td>{esc}</td></tr></table>"
        doc = QTextDocument()
        doc.setHtml(html)
        want = doc.toPlainText()
        doc2 = QTextDocument()
        doc2.setHtml("<table><tr><td>x</td><td>y</td><td>z</td></tr></table>")
        table = code_panel._variables_table(doc2)
        code_panel._set_cell(table.cellAt(0, 2), code_panel._as_html_shows(text))
        assert doc2.toPlainText() == want, repr(text)
