"""A window's size and place from last time, kept on the screen it opens on."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QGuiApplication

QWIDGETSIZE_MAX = 16_777_215  # Qt's "no maximum" size (PySide does not export it)


def saved_bytes(settings, key: str) -> QByteArray | None:
    """A saved geometry or dock state, or None where the settings file holds anything else
    (`geometry=hello` in an edited settings.ini: restoreGeometry raised a TypeError and the
    app would not start, every time)."""
    value = settings.value(key)
    return value if isinstance(value, QByteArray) else None


def restore_geometry(window, saved) -> None:
    """`saved` (QWidget.saveGeometry of the last session; anything else, as an edited settings
    file may hold, is left unused), then `fit_on_screen`: a window closed on a 1920 × 1080
    projector came back 1500 × 950 on a 1366 × 768 laptop, its run list and status bar off the
    screen."""
    if isinstance(saved, QByteArray):
        window.restoreGeometry(saved)
    fit_on_screen(window)


def fit_on_screen(window) -> None:
    """No larger than the available part of the screen under the window's centre (the primary
    screen when none is: a second monitor since unplugged), and moved wholly onto it."""
    maximised = Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen
    if window.windowState() & maximised:
        return
    g = window.geometry()
    screen = QGuiApplication.screenAt(g.center()) or QGuiApplication.primaryScreen()
    if screen is None:
        return
    room = screen.availableGeometry()
    if g.width() > room.width() or g.height() > room.height():
        window.resize(min(g.width(), room.width()), min(g.height(), room.height()))
    w, h = window.width(), window.height()  # a minimum size larger than the screen wins
    x = max(room.left(), min(g.x(), room.left() + room.width() - w))
    y = max(room.top(), min(g.y(), room.top() + room.height() - h))
    if (x, y) != (g.x(), g.y()):
        window.move(x, y)
