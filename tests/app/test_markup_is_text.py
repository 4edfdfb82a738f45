"""Text that comes from a file (a network's description, a CSV header, a lesson, a run's name in the
store) is shown as text. Qt draws a label left on AutoText, a tooltip with a tag in its first
line and a pyqtgraph legend as HTML: a description "<img src='FIFO'>" hung the window at every
start (the session kept it), "<img src='/dev/zero'>" ran it out of memory, and any local picture
was drawn (a hostile pass over the files the app reads)."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.explainer.data_panel import PRESET_DIR
from app.shared.messages import plain_tip

MARKUP = "<b>bold</b> <img src='/nonexistent/picture.png'> & more"


def _net(tmp_path, **top) -> str:
    d = json.loads((PRESET_DIR / "xor_2_2_1.json").read_text())
    d.update(top)
    path = tmp_path / "net.json"
    path.write_text(json.dumps(d))
    return str(path)


def test_a_networks_description_and_a_csv_header_are_text(window, tmp_path):
    w = window
    assert w.open_network(_net(tmp_path, description=MARKUP))
    label = w.data_panel.description
    assert label.textFormat() == Qt.TextFormat.PlainText and label.text() == MARKUP
    csv = tmp_path / "d.csv"
    csv.write_text("<img src='/nonexistent/x.png'>,b,y\n0,0,0\n1,1,1\n0,1,1\n1,0,0\n")
    assert w.explainer.import_csv(str(csv)), w.last_error
    stats = w.standardise.stats
    assert "<img" in stats.text() and stats.textFormat() == Qt.TextFormat.PlainText
    shown = [lab for lab in w.findChildren(QLabel) if "<img" in lab.text()]
    assert shown and all(lab.textFormat() == Qt.TextFormat.PlainText for lab in shown)


def test_the_labels_that_repeat_what_was_read_or_typed_are_text(window):
    """A status message names a file (the wall's notice shows it), an editor refusal repeats
    what was typed, the position and the events' summary name the data."""
    w = window
    for lab in (w.wall_notice.label, w.editor.message, w.editor.hint, w.controls.position,
                w.events.summary, w.data_panel.description, w.standardise.stats):  # fmt: skip
        assert lab.textFormat() == Qt.TextFormat.PlainText, lab.objectName()


def test_a_tooltip_shows_markup_as_text():
    assert plain_tip("x1 = 0.5") == "x1 = 0.5"  # nothing to escape: unchanged
    tip = plain_tip(f"x = 1\n{MARKUP}")
    assert "<img" not in tip and "&lt;img" in tip and "&amp;" in tip and Qt.mightBeRichText(tip)


def test_a_run_named_with_markup_is_text_in_the_legends(qtbot):
    from app.trainer.compare_plots import ComparePlots
    from engine.torch_engine.curves import run_curves

    plots = ComparePlots()
    qtbot.addWidget(plots)
    plots.set_runs({1: (MARKUP, 0, run_curves([]))})
    ((_, label),) = plots.loss.legend.items
    assert "<img" not in label.text and "&lt;img" in label.text


def test_a_ticked_box_looks_ticked_on_the_wall(qtbot):
    """In lecturer mode a ticked box was a white square, which reads as an empty box (a
    newcomer's walk read "colours up to the worst confusion" as off): ticked is now filled in
    colour, unticked an empty box on the wall's black."""
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QWidget

    from app.shared.lecturer import lecturer_style

    host = QWidget()
    qtbot.addWidget(host)
    host.setStyleSheet(lecturer_style())
    lay = QHBoxLayout(host)
    on, off = QCheckBox("on"), QCheckBox("off")
    on.setChecked(True)
    lay.addWidget(on)
    lay.addWidget(off)
    host.show()
    qtbot.waitExposed(host)

    def middle(box) -> QColor:
        img = box.grab().toImage()
        return img.pixelColor(3 + 11, img.height() // 2)  # inside the 18-px box after its border

    assert middle(on) != middle(off)
    assert middle(off).lightness() < 60 and middle(on).saturation() > 100  # not white
