"""The windows' scroll bars, tool bars and tab panes are drawn flat in the theme's colours
(app/shared/chrome.py): Fusion's gradients cost a quarter of the explainer's full repaint. What
is checked is what is painted: a scroll bar's groove and handle pixels, in both looks."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QScrollBar, QTabWidget, QToolBar

from app.explainer.data_panel import PRESET_DIR
from app.shared.chrome import flat_chrome, scroll_bar_sheet
from app.shared.theme import LECTURER, NORMAL
from tests.app.test_trainer_window import make_trainer  # noqa: F401 (a fixture)


def _bar(w) -> QScrollBar:
    """The explainer's Events list's vertical scroll bar, with something to scroll."""
    bar = next(b for b in w.events.findChildren(QScrollBar) if b.orientation() == Qt.Vertical)
    bar.setRange(0, 1000)
    bar.setPageStep(100)
    bar.setValue(0)
    return bar


def _colours(bar: QScrollBar) -> set[str]:
    """The colours painted down the middle of a standalone copy of `bar` at 14 x 300 px (its
    sheet on a vertical bar; the mouse is kept off it, so no hover colour)."""
    copy = QScrollBar(Qt.Vertical)
    copy.setStyleSheet(bar.styleSheet())
    copy.setRange(0, 1000)
    copy.setPageStep(100)
    copy.resize(14, 300)
    img = copy.grab().toImage()
    return {img.pixelColor(7, y).name() for y in range(5, 295, 5)}


def test_every_scroll_bar_tool_bar_and_tab_pane_has_its_flat_sheet(window, make_trainer):  # noqa: F811
    for w in (window, make_trainer()):
        bars = [b for b in w.findChildren(QScrollBar) if b.window() is w]  # not a combo's popup
        assert bars and all(b.styleSheet() == scroll_bar_sheet(NORMAL) for b in bars)
        for kind in (QToolBar, QTabWidget):
            found = w.findChildren(kind)
            assert found and all(x.styleSheet() for x in found), kind


def test_a_scroll_bar_paints_the_windows_groove_and_a_grey_handle_in_each_look(qtbot, window):
    window.open_network(str(PRESET_DIR / "xor_2_2_1.json"))
    bar = _bar(window)
    normal = _colours(bar)
    assert normal == {NORMAL.window, NORMAL.node_border}  # flat: two colours, no gradient
    window.set_lecturer(True)
    QApplication.processEvents()
    assert bar.styleSheet() == scroll_bar_sheet(LECTURER)
    assert _colours(bar) == {LECTURER.window, LECTURER.node_border}  # dark on the wall
    assert LECTURER.node_border != NORMAL.window
    window.set_lecturer(False)
    assert bar.styleSheet() == scroll_bar_sheet(NORMAL)


def test_flat_chrome_is_idempotent_and_fusion_would_paint_more_colours(qtbot):
    bar = QScrollBar()
    qtbot.addWidget(bar)
    fusion = _colours(bar)
    assert len(fusion) > 2  # Fusion's groove and handle shade: the measure tells them apart
    root = QToolBar()
    qtbot.addWidget(root)
    inner = QScrollBar(root)
    flat_chrome(root, NORMAL)
    sheet = inner.styleSheet()
    flat_chrome(root, NORMAL)
    assert inner.styleSheet() == sheet == scroll_bar_sheet(NORMAL)
