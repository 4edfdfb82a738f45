"""Lecturer mode for a room: the drawing fills the wall with the formula and one plot beside it,
the controls float over the drawing without moving it, the type is large, the formula follows
live training, and Esc puts back exactly the layout from before."""

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QPushButton

from app.explainer.data_panel import PRESET_DIR
from app.shared.actions import keys_html
from app.shared.theme import LECTURER, NORMAL

MAZUR = str(PRESET_DIR / "mazur_2_2_2.json")
XOR = str(PRESET_DIR / "xor_2_2_1.json")
WALL = QRect(0, 0, 1920, 1080)


def settle():
    for _ in range(3):
        QApplication.processEvents()


def lecture(qtbot, w, path=MAZUR):
    """The window in lecturer mode on a 1920x1080 wall, active so that its keys work."""
    w.open_network(path)
    w.set_lecturer(True)
    w.lecture.fill(WALL)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    settle()


def area(widget) -> int:
    return widget.width() * widget.height()


def test_the_drawing_fills_the_wall_with_the_formula_and_a_plot_beside_it(qtbot, window):
    w = window
    lecture(qtbot, w)
    assert w.theme is LECTURER and w.size() == WALL.size()
    assert area(w.stack) >= 0.6 * area(w)
    formula, plots = w.docks["Formula"], w.docks["Plots"]
    assert 0.25 * 1920 < formula.width() < 0.42 * 1920
    right = w.stack.geometry().right()
    for dock in (formula, plots):  # a column beside the drawing, the formula on top
        assert dock.isVisible() and dock.geometry().left() > right
    assert plots.geometry().top() >= formula.geometry().bottom()
    assert w.plots.shown == "loss" and w.plots.loss_plot.isVisible()
    assert not w.plots.data_plot.isVisible()
    assert plots.height() >= 0.3 * 1080  # a plot the back row can read
    for hidden in (w.menuBar(), w.statusBar(), w.docks["Setup"]):
        assert not hidden.isVisible()
    assert w.formula.theme.formula_px >= 32 and w.view.theme.label_px == 28


def test_key_s_cycles_the_side_plot_and_never_moves_the_drawing(qtbot, window):
    w = window
    lecture(qtbot, w, XOR)
    drawing, plots = w.stack.geometry(), w.plots
    seen = []
    for _ in range(4):
        qtbot.keyClick(w, Qt.Key.Key_S)
        settle()
        visible = w.docks["Plots"].isVisible()
        seen.append(
            (
                visible,
                visible and plots.loss_plot.isVisible(),
                visible and plots.data_plot.isVisible(),
            )
        )
        assert w.stack.geometry() == drawing
    # data with the decision map, then nothing, then the loss, then the data again
    assert seen == [(True, False, True), (False, False, False), (True, True, False)] + seen[:1]
    keys = keys_html(w.table)  # the keys help, made from the action table
    assert "<b>S</b></td><td>In lecturer mode: the loss curve, then the data" in keys


def test_showing_the_controls_moves_nothing(qtbot, window):
    w = window
    lecture(qtbot, w)
    w.autohide.hide_controls()
    settle()
    assert not w.toolbar.isVisible()
    before = (w.stack.geometry(), w.view.geometry(), w.docks["Formula"].geometry())
    qtbot.mouseMove(w.view.viewport(), w.view.viewport().rect().center())
    qtbot.mouseMove(w.view.viewport(), w.view.viewport().rect().topLeft())
    qtbot.waitUntil(w.toolbar.isVisible, timeout=3000)
    settle()
    assert (w.stack.geometry(), w.view.geometry(), w.docks["Formula"].geometry()) == before
    bar = w.toolbar.geometry()  # floating over the drawing, near its bottom edge
    assert w.toolbar.parent() is w.stack and w.stack.rect().contains(bar)
    assert bar.bottom() > w.stack.height() * 0.8


def test_the_controls_type_is_the_normal_size_times_the_theme_scale(qtbot, window):
    w = window
    w.open_network(MAZUR)
    button = w.controls.findChildren(QPushButton)[0]
    normal = button.fontInfo().pointSizeF()
    lecture(qtbot, w)
    assert button.fontInfo().pointSizeF() >= normal * LECTURER.scale
    assert button.isVisibleTo(w.toolbar)


def test_escape_restores_the_exact_layout(qtbot, window):
    w = window
    w.open_network(MAZUR)
    w.resize(1500, 900)
    settle()
    w.docks["Setup"].setVisible(False)  # a layout of the user's own
    settle()
    w.resizeDocks([w.docks["Formula"]], [401], Qt.Orientation.Horizontal)
    settle()
    geometry = w.geometry()
    docks = {n: (d.geometry(), d.isVisible()) for n, d in w.docks.items()}
    assert docks["Formula"][0].width() == 401
    state = w.saveState()
    lecture(qtbot, w)
    qtbot.keyClick(w, Qt.Key.Key_S)  # the side plot changed during the lecture
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    settle()
    assert w.theme is NORMAL and not w.isFullScreen() and w.styleSheet() == ""
    assert w.geometry() == geometry
    assert {n: (d.geometry(), d.isVisible()) for n, d in w.docks.items()} == docks
    assert w.saveState() == state
    assert w.toolBarArea(w.toolbar) == Qt.ToolBarArea.TopToolBarArea and w.toolbar.isVisible()
    assert w.menuBar().isVisible()
    assert w.plots.loss_plot.isVisible() and w.plots.data_plot.isVisible()
    qtbot.keyClick(w, Qt.Key.Key_Escape)  # a second Esc changes nothing
    assert w.geometry() == geometry and w.saveState() == state


def test_the_formula_follows_live_training(qtbot, window):
    w, ex = window, window.explainer
    lecture(qtbot, w, XOR)
    before = w.formula.plain_text()
    qtbot.keyClick(w, Qt.Key.Key_T)
    assert ex.training
    qtbot.waitUntil(lambda: "the batch loss at step" in w.formula.plain_text(), timeout=15000)
    text = w.formula.plain_text()
    assert text != before and "training…" in text and "LOSS" in text
    qtbot.keyClick(w, Qt.Key.Key_T)
    assert not ex.training
    assert "the batch loss at step" not in w.formula.plain_text()  # the traced step's own event


def test_a_floating_plot_and_a_closed_formula_come_back_as_they_were(qtbot, window):
    w = window
    w.open_network(MAZUR)
    w.docks["Plots"].setFloating(True)
    w.docks["Plots"].setGeometry(60, 70, 500, 300)  # inside the 800x800 offscreen screen
    w.docks["Formula"].close()
    settle()
    state, floating_at = w.saveState(), w.docks["Plots"].geometry()
    lecture(qtbot, w)
    assert not w.docks["Plots"].isFloating() and w.docks["Formula"].isVisible()
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    settle()
    assert w.docks["Plots"].isFloating() and w.docks["Plots"].geometry() == floating_at
    assert not w.docks["Formula"].isVisible() and w.saveState() == state


def test_closing_in_lecturer_mode_saves_the_normal_layout(qtbot, window):
    w = window
    w.open_network(MAZUR)
    w.resize(1200, 800)
    settle()
    geometry, state = w.saveGeometry(), w.saveState()
    lecture(qtbot, w)
    w.close()
    assert w.theme is NORMAL
    assert w.settings.value("geometry") == geometry
    assert w.settings.value("window_state") == state


def test_the_formula_panel_takes_the_normal_background_again_after_esc(qtbot, window):
    from PySide6.QtGui import QColor, QPalette

    from app.shared.theme import LECTURER, NORMAL

    w = window
    panel = w.formula.widget()
    w.set_lecturer(True)
    assert panel.palette().color(QPalette.ColorRole.Window) == QColor(LECTURER.window)
    w.set_lecturer(False)
    assert panel.palette().color(QPalette.ColorRole.Window) == QColor(NORMAL.window)


def test_a_conv_sum_wraps_several_terms_a_line_and_its_result_is_in_sight(qtbot, window):
    """Issue 23, defect 2: on the tiny CNN, F11 then M wrote a conv z one term per line and the
    result fell below the panel's edge. Also: the result is in the lecturer's phase colour, and
    with the side plot off the formula grows into the panel's height."""
    from app.explainer import jumps

    w = window
    lecture(qtbot, w, str(PRESET_DIR / "cnn_tiny_digits.json"))
    jumps.to_largest(w.explainer)
    settle()
    f = w.formula
    ev = w.explainer.event
    assert ev.kind == "z" and ev.substituted.count(" + ") >= 9
    assert 1 <= len(f._shown) <= 10  # 9 products and a bias: several terms a line
    assert f._shown[-1][1] == LECTURER.phase_colour("forward")
    qtbot.waitUntil(lambda: f.typeset_lines() == len(f._shown), timeout=20_000)
    settle()
    result = f.line_labels[len(f._shown) - 1]
    top = result.mapTo(f.viewport(), result.rect().topLeft()).y()
    assert top >= 0 and top + result.height() <= f.viewport().height()
    small = f.px
    for _ in range(2):  # S twice: loss -> data -> no plot
        w.lecture.cycle_side()
    settle()
    w.explainer.home()  # a short formula in a tall panel
    settle()
    assert not w.docks["Plots"].isVisible()
    assert f.px > LECTURER.formula_px and f.px >= small


def test_a_cnn_fills_the_drawing_in_large_clear_labels_above_the_controls(qtbot, window):
    """Issue 23, defect 5: on the tiny CNN the grids sat top-left in 40–45% of the drawing, the
    labels were dark grey on black, the step bar cut its position text and covered a map."""
    from app.explainer import jumps
    from app.explainer.conv_layout import spots

    w = window
    lecture(qtbot, w, str(PRESET_DIR / "cnn_tiny_digits.json"))
    for move in (jumps.to_largest, lambda ex: ex.jump_phase("backward"), jumps.next_part):
        move(w.explainer)
    settle()
    cv, bar = w.conv_view, w.toolbar
    assert w.stack.currentWidget() is cv and bar.isVisible()
    used = sum(width for _, width, _ in cv._layout()) + cv._gap() * (len(cv.state.columns) + 1)
    assert used >= 0.9 * cv.width()  # the columns use the drawing's width
    assert cv.mapTo(w.stack, cv.rect().bottomLeft()).y() < bar.geometry().top()  # nothing under
    pos = w.controls.position
    assert pos.fontMetrics().horizontalAdvance(pos.text()) <= pos.width()  # read in full
    assert cv._label_font().pixelSize() >= LECTURER.label_px
    img = cv.grab().toImage()  # the first grid's label ("ch 0") is drawn in the text's white
    col, (cell, _, per) = cv.state.columns[0], cv._layout()[0]
    g, gx, top = next(spots(col, cv._gap(), cell, per, cv._label_room()))
    assert g.label == "ch 0"
    rows = range(int(top - cv._label_room()), int(top))
    assert max(img.pixelColor(x, y).lightness() for x in range(int(gx), int(gx) + 60)
               for y in rows) >= 250  # fmt: skip
    w.set_lecturer(False)
    assert w.stack.contentsMargins().bottom() == 0 and w.controls.position.parent() is not None


def test_zeros_and_the_course_letters_stay_readable_on_light_cells(qtbot, window):
    """Issue 23, defect 3: on preset 17 in lecturer mode a 0 was a white cell with white text, so
    its letter (c, g, k) and its value vanished. The ink is chosen by the cell's lightness."""
    import numpy as np

    from app.explainer.conv_layout import spots

    w = window
    lecture(qtbot, w, str(PRESET_DIR / "cnn_conv_4x3_symbols.json"))
    cv = w.conv_view
    img = cv.grab().toImage()
    col, (cell, _, per) = cv.state.columns[0], cv._layout()[0]
    g, gx, top = next(spots(col, cv._gap(), cell, per, cv._label_room()))
    zeros = list(zip(*np.nonzero(g.values == 0), strict=True))
    assert len(zeros) >= 3 and g.names  # c, g, k on the preset's input
    for r, c in zeros:
        x0, y0 = int(gx + c * cell) + 4, int(top + r * cell) + 4
        inside = [img.pixelColor(x, y).lightness() for x in range(x0, x0 + int(cell) - 8)
                  for y in range(y0, y0 + int(cell) - 8)]  # fmt: skip
        assert max(inside) >= 250  # a light cell
        assert sum(v < 80 for v in inside) >= 30, (r, c)  # dark ink: its letter and its 0


def test_on_a_narrow_wall_the_controls_wrap_and_every_label_shows_whole(qtbot, window):
    """At 1366x768 the drawing is about 860 px wide: the bottom row at lecturer type read
    " Forwar", "Backwa", " Updat" and "100 ste". The play, train and sample controls take a row
    of their own there, beside the phase buttons on a wide wall, and in the tool bar as before
    after Esc."""
    from PySide6.QtWidgets import QComboBox

    w = window
    c = w.controls

    def whole() -> bool:
        buttons = [b for b in c.findChildren(QPushButton) if b.isVisibleTo(c)]
        fits = [b.width() >= b.fontMetrics().horizontalAdvance(b.text()) + 8 for b in buttons]
        pace = c.findChild(QComboBox)
        text = pace.currentText()
        return all(fits) and pace.width() >= pace.fontMetrics().horizontalAdvance(text) + 8

    lecture(qtbot, w, str(PRESET_DIR / "ravine_unnormalised.json"))
    assert not c.wrapped and whole()
    w.lecture.fill(QRect(0, 0, 1366, 768))
    qtbot.waitUntil(lambda: w.width() == 1366, timeout=3000)
    settle()
    assert c.wrapped and whole()
    assert w.stack.rect().contains(w.toolbar.geometry())
    w.set_lecturer(False)
    settle()
    assert not c.wrapped and whole()


def test_a_network_opened_on_the_wall_is_drawn_on_its_black_canvas(qtbot, window):
    """Entering lecturer mode before any network was drawn, then opening one (a lesson opened on
    the wall): the view's first brush is NoBrush, whose colour is black too, so it was taken for
    the lecturer's canvas and the drawing stayed white under white labels."""
    from collections import Counter

    w = window
    w.set_lecturer(True)
    w.lecture.fill(WALL)
    w.open_network(MAZUR)
    settle()
    img = w.view.grab().toImage()
    colours = Counter(
        img.pixelColor(x, y).name()
        for x in range(0, img.width(), 7)
        for y in range(0, img.height(), 7)
    )
    assert colours.most_common(1)[0][0] == LECTURER.canvas
    w.set_lecturer(False)
    settle()
    img = w.view.grab().toImage()
    assert img.pixelColor(3, 3).name() == QColor(NORMAL.canvas).name()


def test_what_the_status_line_says_is_shown_on_the_wall(qtbot, window):
    """The wall hides the status bar: S with the Landscape open said "its plots stand in"
    to no one (a newcomer saw nothing change). The message shows over the drawing while the
    status line holds it, and goes with it; off the wall the status bar says it, as before."""
    w = window
    lecture(qtbot, w, XOR)
    notice = w.wall_notice.label
    w.landscape.open()
    qtbot.waitUntil(lambda: w.docks["Landscape"].isVisible(), timeout=3000)
    qtbot.keyClick(w, Qt.Key.Key_S)
    qtbot.waitUntil(notice.isVisible, timeout=3000)
    assert "stand in for the side plot" in notice.text()
    assert notice.geometry().top() >= 0 and w.stack.rect().contains(notice.geometry())
    w.statusBar().clearMessage()
    assert not notice.isVisible()
    w.statusBar().showMessage("said again", 5000)
    assert notice.isVisible() and notice.text() == "said again"
    w.set_lecturer(False)
    assert not notice.isVisible()
    w.statusBar().showMessage("off the wall", 5000)
    assert not notice.isVisible() and w.statusBar().currentMessage() == "off the wall"


def test_a_drawing_a_little_too_big_for_the_wall_takes_slightly_smaller_labels(qtbot, window):
    """Lesson 3, step 7, on a 1366 x 768 wall: at label_px the 2-2-2 drawing was 6% too big for
    its view and fell back to its own sizes: the values beside small circles, on the edges,
    and 2 of the 8 weights shown. Labels a little smaller keep everything, in its place."""
    from app.explainer.network_labels import LEAST_SHRINK
    from tests.app.test_lesson_player import LESSONS, _go, _open

    w = window
    L = w.lessons
    _open(qtbot, L, LESSONS / "03_worked_example.json")
    _go(qtbot, L, 6)
    w.lecture.set(True, QRect(0, 0, 1366, 768))
    try:
        qtbot.wait(100)
        v = w.view
        assert v.labels.dropped == 0 and LEAST_SHRINK <= v.labels.shrink <= 1.0
        assert all(t.isVisible() for t in v.edge_text.values())  # all 8 weights
        assert not any(getattr(t, "beside", False) for t in v.node_text.values())  # inside
    finally:
        w.lecture.set(False)
