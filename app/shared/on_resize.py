"""`on_resize(widget, fn)`: call `fn()` after each resize of a widget that is not one's own class
(a pyqtgraph scene), through an event filter parented to it (it goes when the widget goes)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject


class _OnResize(QObject):
    def __init__(self, widget, fn: Callable[[], None]):
        super().__init__(widget)
        self.fn = fn
        widget.installEventFilter(self)

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 (Qt)
        if ev.type() == QEvent.Type.Resize:
            self.fn()
        return False


def on_resize(widget, fn: Callable[[], None]) -> QObject:
    return _OnResize(widget, fn)
