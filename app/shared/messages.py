"""Message boxes that never block: opened window-modal, deleted on close, kept in the window's
list of open dialogs (a test or a lecture goes on while one is showing)."""

from __future__ import annotations

import html

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


def plain_tip(text: str) -> str:
    """A tooltip that shows `text` as it is. Qt takes a tooltip with a tag in its first line for
    rich text: a CSV column or a run named "<img src=…>" had the file loaded on hover (a FIFO
    hung the window). Text with no markup characters is returned unchanged."""
    if "<" not in text and "&" not in text:
        return text
    return "<p style='white-space:pre'>" + html.escape(text) + "</p>"
