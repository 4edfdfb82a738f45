"""The explainer for a classroom: an editor that never changes a value by accident and says what
is pending and what is wrong in plain words, a welcome and a guide for a newcomer, the presets in
the course's order with what to watch for, every panel in View, and plots that read plainly."""

import json
import re

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QScrollArea

from app.explainer.data_panel import PRESET_DIR, course_order, list_presets
from engine.numpy_engine.optimizers import USUAL_LR

MAZUR = str(PRESET_DIR / "mazur_2_2_2.json")
XOR = str(PRESET_DIR / "xor_2_2_1.json")


def wheel(widget, up=True):
    """A mouse-wheel notch over the middle of `widget`."""
    c = QPointF(widget.rect().center())
    ev = QWheelEvent(
        c,
        QPointF(widget.mapToGlobal(c.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 if up else -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, ev)


def show_network_tab(w):
    tabs = w.docks["Setup"].widget()
    tabs.setCurrentWidget(w.editor)
    return tabs


# ---- the editor ----
def test_a_wheel_over_an_unfocused_field_changes_nothing(qtbot, window):
    w = window
    w.open_network(MAZUR)
    show_network_tab(w)
    e = w.editor
    fields = [e.hyper["lr"], e.loss, e.optimizer, e.batch, e.table.cellWidget(1, 0)]
    fields.append(e.table.cellWidget(1, 1))
    before = [f.value() if hasattr(f, "value") else f.currentIndex() for f in fields]
    for f in fields:
        assert f.focusPolicy() == Qt.FocusPolicy.StrongFocus
        assert not f.hasFocus()
        wheel(f, up=True)
        wheel(f, up=False)
        wheel(f, up=False)
    after = [f.value() if hasattr(f, "value") else f.currentIndex() for f in fields]
    assert after == before and not e.pending
    lr = e.hyper["lr"]  # with the focus, the wheel does change it: the event was a real one
    lr.setFocus()
    qtbot.waitUntil(lr.hasFocus, timeout=2000)
    wheel(lr, up=True)
    assert lr.value() > before[0]


def test_a_new_optimizer_proposes_its_usual_learning_rate_unless_one_was_typed(window):
    w, e = window, window.editor
    w.open_network(MAZUR)  # sgd with lr 0.5, from the file
    e.optimizer.setCurrentText("adam")
    assert e.hyper["lr"].value() == USUAL_LR["adam"] == 0.01
    assert e.hint.text() == "lr set to 0.01, Adam's usual value"
    e.optimizer.setCurrentText("adadelta")
    assert e.hyper["lr"].value() == 1.0 and "Adadelta's usual value" in e.hint.text()
    e.hyper["lr"].setValue(0.123)  # the user types a learning rate: it is kept
    e.optimizer.setCurrentText("rmsprop")
    assert e.hyper["lr"].value() == 0.123 and e.hint.text() == ""
    e.apply()
    assert w.explainer.spec.optimizer.name == "rmsprop"
    assert w.explainer.spec.optimizer.lr == 0.123


def test_apply_is_always_visible_and_marks_pending_changes(window):
    w, e = window, window.editor
    w.open_network(MAZUR)
    tabs = show_network_tab(w)
    parent = e.apply_button.parentWidget()
    while parent is not None:  # outside the scroll area: never scrolled away
        assert not isinstance(parent, QScrollArea)
        parent = parent.parentWidget()
    assert e.apply_button.isVisible() and not e.pending
    assert e.apply_button.text() == "Apply" and tabs.tabText(1) == "Network"
    e.loss.setCurrentText("bce")
    assert e.pending and e.apply_button.text() == "Apply (changes pending)"
    assert e.apply_button.font().bold() and "●" in tabs.tabText(1)
    e.apply()
    assert w.explainer.spec.loss == "bce"
    assert not e.pending and e.apply_button.text() == "Apply" and tabs.tabText(1) == "Network"
    assert not e.apply_button.font().bold()
    e.add_layer()
    assert e.pending
    w.open_network(XOR)  # a reloaded network: nothing pending
    assert not e.pending and tabs.tabText(1) == "Network"


def test_an_invalid_field_is_explained_beside_it_in_plain_words(window):
    w, e = window, window.editor
    w.open_network(MAZUR)
    show_network_tab(w)
    net = w.explainer.net
    e.table.cellWidget(1, 1).setCurrentText("softmax")
    e.apply()
    assert w.explainer.net is net  # nothing changed
    note = e.layer_error.text()
    assert note == "Layer 1's activation: softmax is only allowed on the output layer"
    assert e.layer_error.isVisible() and "layers[" not in note
    assert "red" in e.table.cellWidget(1, 1).styleSheet() or "#c00000" in (
        e.table.cellWidget(1, 1).styleSheet()
    )
    assert e.message.text().startswith("Not applied. Layer 1's activation")
    assert not any(isinstance(d, QMessageBox) for d in w.dialogs)  # no box over the lecture
    e.table.cellWidget(1, 1).setCurrentText("relu")
    e.apply()
    assert w.explainer.net is not net and not e.layer_error.isVisible() and e.message.text() == ""
    assert e.table.cellWidget(1, 1).styleSheet() == ""
    d = e.to_dict()
    d["optimizer"] = {"name": "sgd", "lr": float("nan")}
    w.apply_editor(d, keep=False)
    lr_note = e.field_errors["optimizer.lr"]
    assert lr_note.isVisible()
    assert lr_note.text() == "The learning rate η: expected a finite number, got nan"


# ---- a newcomer finds the way ----
def test_the_welcome_shows_on_first_start_and_not_after_dismissal(qtbot, tmp_path):
    from app.explainer.window import ExplainerWindow

    settings = tmp_path / "settings"
    w = ExplainerWindow(settings, restore=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.welcome.isVisible()
    assert w.welcome.parentWidget() is w.stack  # over the drawing
    html = " ".join(lbl.text() for lbl in w.welcome.findChildren(QLabel))
    assert "Space" in html and "F1" in html and "preset" in html
    qtbot.mouseClick(w.welcome.button, Qt.MouseButton.LeftButton)
    assert not w.welcome.isVisible()
    w.close()
    w2 = ExplainerWindow(settings, restore=False)  # a new start, the same settings folder
    qtbot.addWidget(w2)
    w2.show()
    qtbot.waitExposed(w2)
    assert not w2.welcome.isVisible()
    w2.qactions["welcome"].trigger()  # Help → Welcome brings it back on demand
    assert w2.welcome.isVisible()
    w2.close()


def test_the_first_next_number_dismisses_the_welcome(qtbot, window):
    assert window.welcome.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not window.welcome.isVisible() and window.welcome.was_dismissed()


def test_presets_come_in_the_course_order_each_saying_what_to_watch_for():
    order = course_order()
    stems = [p.stem for _, p in list_presets()]
    assert stems[: len(order)] == order  # the course first, in its order
    assert set(order) <= set(stems)
    want = ["perceptron_and", "neuron_sigmoid", "mazur_2_2_2", "xor_2_2_1"]
    assert stems[:4] == want
    first_cnn = min(i for i, s in enumerate(stems) if s.startswith("cnn_"))
    assert all(s.startswith("cnn_") for s in stems[first_cnn : len(order)])
    for _, p in list_presets():
        text = json.loads(p.read_text(encoding="utf-8")).get("description", "")
        assert len(re.findall(r"[.!?](?:\s|$)", text)) >= 2, (p.name, text)  # two sentences


def test_the_preset_box_names_what_is_loaded(window):
    w, box = window, window.data_panel.presets
    titles = [t for t, _ in list_presets()]
    assert [box.itemText(i) for i in range(1, box.count())] == [
        f"{i}. {t}" for i, t in enumerate(titles, 1)
    ]
    w.open_network(MAZUR)
    assert box.currentText() == "3. 2-2-2 step by step (the classic worked example)"
    w.editor.optimizer.setCurrentText("adam")
    w.editor.apply()
    assert box.currentText() == "changed: 3. 2-2-2 step by step (the classic worked example)"
    box.activated.emit(box.currentIndex())  # choosing "changed: …" again loads nothing
    assert w.explainer.spec.optimizer.name == "adam"
    w.open_network(XOR)
    assert box.currentText() == "4. XOR with a 2-2-1 sigmoid network"
    w.explainer.use_dataset("circle")
    assert box.currentText().startswith("changed: ")
    assert "choose a preset" not in box.currentText()


def test_view_lists_every_panel_and_brings_a_closed_one_back(qtbot, window):
    w = window
    view = next(a.menu() for a in w.menuBar().actions() if a.text().replace("&", "") == "View")
    listed = {a.text(): a for a in view.actions()}
    for name, dock in w.docks.items():
        act = listed[f"{name} panel"]
        assert act is dock.toggleViewAction()
    w.docks["Plots"].close()
    assert not w.docks["Plots"].isVisible()
    listed["Plots panel"].trigger()
    assert w.docks["Plots"].isVisible()


def test_f1_opens_the_guide_with_the_phases_colours_and_keys(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_F1)
    box = window.dialogs[-1]
    text = box.text()
    for words in ("Forward", "Loss", "Backward", "Update", "blue", "orange", "Left", "Space"):
        assert words in text, words
    assert "Gradient check" in text  # the keys table, made from the action table
    # issue 23, defect 13: it fits a 1080-pixel screen, its keys in sight beside the guide
    room = window.screen().availableGeometry()
    assert box.height() <= 0.9 * room.height() and box.width() <= room.width()
    assert box.keys.isVisible() and box.keys.width() >= 0.3 * box.width()
    keys_h = box.keys.document().size().height()
    assert keys_h <= box.keys.viewport().height() or box.keys.verticalScrollBar().maximum() > 0
    box.close()


# ---- plots ----
def test_the_loss_axis_reads_plain_numbers_and_can_be_log(window):
    w, p = window, window.plots
    w.open_network(MAZUR)
    axis = p.loss_plot.getAxis("left")
    assert not axis.autoSIPrefix
    p.set_losses([1, 2, 3], [0.2984, 0.2910, 0.2838])
    assert axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString()
    p.log_loss.setChecked(True)
    assert p.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()
    p.set_losses([1, 2, 3, 4], [0.2984, 0.01, 1e-5, 0.0])  # a loss of 0 is simply not drawn
    y0, y1 = p.loss_plot.viewRange()[1]
    assert y0 <= np.log10(1e-5) and y1 >= np.log10(0.2984)
    assert axis.autoSIPrefixScale == 1.0
    p.set_log(False)
    assert not p.log_loss.isChecked() and p.loss_plot.viewRange()[1][0] == 0


def test_regression_data_is_coloured_by_value_and_the_map_fills_its_panel(window):
    w, p = window, window.plots
    assert w.open_network(str(PRESET_DIR / "square_x1x2.json"))
    w._redraw_plots()
    colours = {b.color().name() for b in p.scatter.data["brush"]}
    assert len(colours) > 4  # a colormap, not two classes
    assert "value" in p.data_plot.getPlotItem().titleLabel.text
    assert not p.data_plot.getViewBox().state["aspectLocked"]
    rect = p.image.mapRectToView(p.image.boundingRect())
    (x0, x1), (y0, y1) = p.data_plot.viewRange()
    assert np.allclose([x0, x1, y0, y1], [rect.left(), rect.right(), rect.top(), rect.bottom()])
    assert p.scatter.opts["size"] <= 5


def test_the_setup_panel_is_wide_enough_for_preset_names_and_the_network_table(qtbot, window):
    """Issue 23: preset names were cut off and the Network table scrolled sideways."""
    from PySide6.QtWidgets import QScrollArea

    w = window
    w.resize(1760, 950)
    w.open_network(str(PRESET_DIR / "spiral_deep.json"))  # the table's widest content
    w._default_layout()
    qtbot.wait(50)
    box = w.data_panel.presets
    longest = max(box.fontMetrics().horizontalAdvance(box.itemText(i)) for i in range(box.count()))
    assert box.width() >= longest + 20  # the text and the arrow
    tabs = w.docks["Setup"].widget()
    tabs.setCurrentIndex(1)
    qtbot.wait(50)
    assert w.editor.table.horizontalScrollBar().maximum() == 0
    for area in w.editor.findChildren(QScrollArea):
        assert area.horizontalScrollBar().maximum() == 0
    assert w.docks["Setup"].width() <= w.width() // 3


def test_the_first_layout_gives_the_formula_half_of_the_right_column(qtbot, window):
    w = window
    w.resize(1500, 950)
    w.open_network(str(PRESET_DIR / "spiral_deep.json"))
    w._default_layout()
    qtbot.wait(50)
    formula, code = w.docks["Formula"].height(), w.docks["Code"].height()
    assert abs(formula - code) <= 0.1 * (formula + code), (formula, code)
    base = w.theme.formula_px
    assert w.formula.px == base  # a forward number fits at the theme's size, not shrunk


def test_a_long_description_scrolls_in_a_short_setup_dock(qtbot, window):
    """The ravine's description is eight lines: in a short Setup dock it was cut off after four
    ("Race it: …" out of sight). The Data tab scrolls."""
    assert window.open_network(str(PRESET_DIR / "ravine_unnormalised.json"))
    scroll = window.data_panel.parentWidget().parentWidget()
    assert isinstance(scroll, QScrollArea) and scroll.widget() is window.data_panel
    window.docks["Setup"].setFloating(True)
    window.docks["Setup"].resize(420, 260)
    qtbot.waitUntil(lambda: scroll.verticalScrollBar().maximum() > 0, timeout=3000)
    label = window.data_panel.description
    assert label.height() >= label.heightForWidth(label.width())  # whole, not clipped
    scroll.ensureWidgetVisible(label, 0, 0)
    assert "Race it" in label.text()
