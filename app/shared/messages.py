"""Message boxes that never block: opened window-modal, deleted on close, kept in the window's
list of open dialogs (a test or a lecture goes on while one is showing)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox


def open_box(
    window, text: str, title: str = "Backprop Studio", rich: bool = False, warning: bool = False
) -> QMessageBox:
    box = QMessageBox(window)
    box.setWindowTitle(title)
    box.setIcon(QMessageBox.Icon.Warning if warning else QMessageBox.Icon.NoIcon)
    box.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    box.setText(text)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    window.dialogs.append(box)
    return box
