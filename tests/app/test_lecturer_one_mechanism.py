"""Lecturer mode is one mechanism (app/shared/lecturer.LecturerMode) for both windows, and it
covers the whole window: every widget kind either window shows on the wall is dark, its text
readable (WCAG's 4.5:1)."""

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QPushButton

from app.explainer.data_panel import PRESET_DIR
from app.shared.lecturer import LecturerMode, lecturer_style
from tests.app.test_trainer_lecturer import contrast_in, luminance
from tests.app.test_trainer_window import make_trainer  # noqa: F401 (a fixture)

WALL = QRect(0, 0, 1920, 1080)


def dark(widget) -> bool:
    """Most of the widget is near black (its median pixel): its background, not its text."""
    img = widget.grab().toImage()
    lums = sorted(
        luminance(img.pixelColor(x, y))
        for x in range(0, img.width(), 2)
        for y in range(0, img.height(), 2)
    )
    return lums[len(lums) // 2] < 0.05


def test_both_windows_use_the_one_mechanism(window, make_trainer):  # noqa: F811
    t = make_trainer()
    assert isinstance(window.lecture, LecturerMode) and isinstance(t.lecture, LecturerMode)
    assert type(window.lecture).set is LecturerMode.set is type(t.lecture).set


def test_the_trainer_is_dark_from_edge_to_edge(qtbot, make_trainer):  # noqa: F811
    w = make_trainer()
    tabs = w.tabs
    light = [dark(x) for x in (tabs.tabBar(), tabs.smoothing, w.log_box)]
    assert light == [False, False, False]  # the test's measure tells the two looks apart
    w.set_lecturer(True)
    QApplication.processEvents()
    assert w.styleSheet() == lecturer_style(max(10.0, QApplication.font().pointSizeF()))
    for widget in (tabs.tabBar(), tabs.smoothing, w.log_box):
        assert dark(widget), widget
    assert contrast_in(tabs.tabBar()) >= 4.5
    assert not w.menuBar().isVisible()
    w.set_lecturer(False)
    assert w.styleSheet() == "" and not dark(tabs.smoothing) and w.menuBar().isVisible()


def test_the_explainers_step_buttons_are_dark_on_the_wall(qtbot, window):
    w = window
    w.open_network(str(PRESET_DIR / "xor_2_2_1.json"))
    buttons = [b for b in w.controls.findChildren(QPushButton) if b.isVisible()]
    assert buttons and not any(dark(b) for b in buttons)
    w.set_lecturer(True)
    w.lecture.fill(WALL)
    QApplication.processEvents()
    assert all(dark(b) for b in buttons)
    assert min(contrast_in(b) for b in buttons) >= 4.5
    w.set_lecturer(False)
    assert not any(dark(b) for b in buttons)
