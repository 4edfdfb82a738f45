"""The status line's messages on the wall. Lecturer mode hides the explainer's status bar (the
drawing gets its height), so what the window says there (S's "the Landscape's plots stand in…",
an edit refused, a script written) was said to no one: on the wall each message is shown over
the top of the drawing for as long as the status line holds it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel

MARGIN = 16  # pixels from the drawing's edges
STYLE = (
    "QLabel#wallNotice { background: rgba(40, 40, 40, 230); color: #ffffff;"
    " border: 2px solid #8a8a8a; border-radius: 10px; padding: 8px 14px; }"
)


class WallNotice(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.label = QLabel(window.stack)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # status messages name files
        self.label.setObjectName("wallNotice")
        self.label.setStyleSheet(STYLE)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label.hide()
        self._bar = None  # the status bar listened to, while on the wall
        window.stack.installEventFilter(self)

    def start(self) -> None:
        """On the wall: listen to the status line (made now if the window had none; leaving
        lecturer mode removes one it made, so it is listened to only while on the wall)."""
        self.stop()
        self._bar = self.w.statusBar()
        self._bar.messageChanged.connect(self._said)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.messageChanged.disconnect(self._said)
            self._bar = None
        self.label.hide()

    def _on_wall(self) -> bool:
        lecture = getattr(self.w, "lecture", None)
        return lecture is not None and lecture.on

    def _said(self, text: str) -> None:
        if not text or not self._on_wall():
            self.label.hide()
            return
        self.label.setText(text)
        self.label.show()
        self.label.raise_()
        self._place()

    def _place(self) -> None:
        if not self.label.isVisible():
            return
        area = self.w.stack.rect()
        width = max(0, area.width() - 2 * MARGIN)
        self.label.setFixedWidth(width)
        self.label.setFixedHeight(self.label.heightForWidth(width))
        self.label.move(MARGIN, MARGIN)

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 (Qt)
        if obj is self.w.stack and ev.type() == QEvent.Type.Resize:
            self._place()
        return False
