"""The first-run welcome: a card over the drawing that says what the app is, how to take the
first step and where the presets and the help are. Once dismissed (its button, or the first
"next number") it does not come back on its own: a flag in the window's settings remembers it.
Help → Welcome shows it again."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSettings, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .help_text import WELCOME_HTML

DISMISSED_KEY = "welcome/dismissed"
CARD_WIDTH = 520


class Welcome(QFrame):
    def __init__(self, host: QWidget, settings: QSettings):
        super().__init__(host)
        self.setObjectName("welcome")
        self.settings = settings
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            "#welcome { background: #fffdf2; border: 2px solid #d4a000; border-radius: 8px; }"
            "#welcome QLabel { color: #202020; }"
        )
        lay = QVBoxLayout(self)
        lay.setContentsMargins(18, 12, 18, 12)
        text = QLabel(WELCOME_HTML)
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setWordWrap(True)
        lay.addWidget(text)
        row = QHBoxLayout()
        row.addStretch(1)
        self.button = QPushButton("Got it")
        self.button.setToolTip("close this welcome; Help → Welcome shows it again")
        self.button.clicked.connect(self.dismiss)
        row.addWidget(self.button)
        lay.addLayout(row)
        host.installEventFilter(self)  # follow the drawing's size
        self.setVisible(not self.was_dismissed())
        self._place()

    def was_dismissed(self) -> bool:
        return str(self.settings.value(DISMISSED_KEY, "false")).lower() == "true"

    def dismiss(self) -> None:
        if not self.isVisible() and self.was_dismissed():
            return
        self.hide()
        self.settings.setValue(DISMISSED_KEY, True)
        self.settings.sync()

    def show_again(self) -> None:
        self.show()
        self.raise_()
        self._place()

    def _place(self) -> None:
        host = self.parentWidget()
        width = min(CARD_WIDTH, max(200, host.width() - 40))
        self.setFixedWidth(width)
        self.adjustSize()
        self.move((host.width() - width) // 2, max(10, (host.height() - self.height()) // 3))
        self.raise_()

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802 (Qt)
        if ev.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
