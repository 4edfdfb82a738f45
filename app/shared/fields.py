"""Form fields that ignore the mouse wheel unless they have the focus (scrolling a panel never
edits a value by accident), and the red error text shown beside a field."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel, QSlider, QSpinBox

ERROR_STYLE = "color: #c00000"
FIELD_ERROR_STYLE = "border: 2px solid #c00000"


class _WheelOnlyWithFocus:
    """A field that ignores the mouse wheel unless it has the focus: the wheel then scrolls the
    panel (the ignored event goes to the parent) instead of changing a value by accident."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, ev):  # noqa: N802 (Qt)
        if self.hasFocus():
            super().wheelEvent(ev)
        else:
            ev.ignore()


class SpinBox(_WheelOnlyWithFocus, QSpinBox):
    pass


class DoubleSpinBox(_WheelOnlyWithFocus, QDoubleSpinBox):
    pass


class Slider(_WheelOnlyWithFocus, QSlider):
    pass


class ComboBox(_WheelOnlyWithFocus, QComboBox):
    def setCurrentText(self, text: str) -> None:  # noqa: N802 (Qt)
        """By the shown text or by the item's data (an optimizer's network-file name)."""
        i = self.findData(text)
        if i >= 0:
            self.setCurrentIndex(i)
        else:
            super().setCurrentText(text)


def error_label() -> QLabel:
    """Red text for a field's problem, hidden until there is one."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)  # it repeats what was typed
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.hide()
    return label
