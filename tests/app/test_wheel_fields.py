"""No field of either window changes under a stray mouse wheel: scrolling a panel with the
pointer over a box (the trainer's optimizer, its precision, the explainer's preset) changed it
without a click, and the next run used a setting nobody chose. With the focus, the wheel works."""

from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QComboBox, QScrollBar, QWidget

from .test_explainer_classroom import wheel
from .test_trainer_window import data_dir, make_trainer  # noqa: F401 (fixtures)


def _value(f):
    return f.currentIndex() if isinstance(f, QComboBox) else f.value()


def _fields(w):
    kinds = (QComboBox, QAbstractSpinBox, QAbstractSlider)
    return [
        f for f in w.findChildren(QWidget)
        if isinstance(f, kinds) and not isinstance(f, QScrollBar) and f.isEnabled()
    ]  # fmt: skip


def _stray_wheels_change_nothing(qtbot, w) -> int:
    fields = _fields(w)
    w.setFocus()
    qtbot.wait(10)
    changed = []
    for f in fields:
        if f.hasFocus():
            continue
        before = _value(f)
        wheel(f, up=True)
        wheel(f, up=False)
        wheel(f, up=False)
        if _value(f) != before:
            changed.append(f"{type(f).__name__} {f.objectName() or f.toolTip() or f.parent()}")
    assert changed == []
    return len(fields)


def test_a_stray_wheel_changes_no_field_of_the_explainer(qtbot, window):
    window.landscape.open()
    assert _stray_wheels_change_nothing(qtbot, window) >= 10


def test_a_stray_wheel_changes_no_field_of_the_trainer(qtbot, make_trainer, data_dir):  # noqa: F811
    w = make_trainer(data_dir=data_dir)
    n = _stray_wheels_change_nothing(qtbot, w)
    assert n >= 8
    box = w.form.optimizer  # with the focus, the wheel does change it
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=2000)
    before = box.currentIndex()
    wheel(box, up=False)
    assert box.currentIndex() != before
