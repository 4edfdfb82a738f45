"""Help → Guide (F1): the guide and, beside it, every key, in a dialog that fits the screen
(a 1080-pixel screen included): two columns, each scrolling on its own, and a Close button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QTextBrowser, QVBoxLayout

from app.shared.actions import keys_html

from .help_text import guide_html

SCREEN_SHARE = 0.85  # of the screen's free height and width, at most
WIDTH, HEIGHT = 1100, 760  # the size it asks for where the screen has room


class GuideDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.setWindowTitle("Backprop Studio — guide")
        self.guide, self.keys = QTextBrowser(), QTextBrowser()
        self.guide.setHtml(guide_html())
        self.keys.setHtml(f"<h3>Keys</h3>{keys_html(window.table)}")
        cols = QHBoxLayout()
        cols.addWidget(self.guide, 3)
        cols.addWidget(self.keys, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(cols)
        lay.addWidget(buttons)
        room = window.screen().availableGeometry()
        self.resize(
            min(WIDTH, int(room.width() * SCREEN_SHARE)),
            min(HEIGHT, int(room.height() * SCREEN_SHARE)),
        )

    def text(self) -> str:
        """Everything it says, as plain text (the guide, then the keys)."""
        return self.guide.toPlainText() + "\n" + self.keys.toPlainText()


def show_guide(window) -> GuideDialog:
    """F1: opened beside the window (not modal: a lecture goes on)."""
    box = GuideDialog(window)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    window.dialogs.append(box)
    return box
