"""Lecturer mode's auto-hide: the window's `chrome()` vanishes after a few quiet seconds and comes
back when the mouse moves. Keep that chrome out of the window's layout (an overlay, as the
explainer's floating step controls), so that showing it never moves or resizes what is shown."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer


def fill_screen(window, rect: QRect | None = None) -> QRect:
    """Full screen when `rect` is None or the screen's geometry, else exactly `rect` (part of a
    screen, or a wall of two). Without a window manager to honour full screen (a bare X server,
    some kiosks) the geometry is set by hand, so the window fills the screen either way.
    Returns the rectangle filled."""
    screen = window.screen().geometry()
    rect = screen if rect is None else rect
    if rect != screen:
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowFullScreen)
        window.setGeometry(rect)
    else:
        window.showFullScreen()
        if window.geometry() != rect:  # no window manager to honour full screen
            window.setGeometry(rect)
            window.setWindowState(window.windowState() | Qt.WindowState.WindowFullScreen)
    return rect


class AutoHide(QObject):
    def __init__(self, window, delay_ms: int = 2500):
        super().__init__(window)
        self.window = window
        self.enabled = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.hide_controls)

    def set_enabled(self, on: bool) -> None:
        # filter the application's events only in lecturer mode: each filtered event is a Python
        # call that must take the GIL from a training thread
        from PySide6.QtWidgets import QApplication

        if on and not self.enabled:
            QApplication.instance().installEventFilter(self)
        elif not on and self.enabled:
            QApplication.instance().removeEventFilter(self)
        self.enabled = on
        if on:
            self.timer.start()
        else:
            self.timer.stop()
            self.show_controls()

    def hide_controls(self) -> None:
        if self.enabled:
            for w in self.window.chrome():
                w.setVisible(False)

    def show_controls(self) -> None:
        for w in self.window.chrome():
            w.setVisible(True)

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 (Qt)
        if self.enabled and ev.type() == QEvent.Type.MouseMove:
            self.show_controls()
            self.timer.start()
        return False
