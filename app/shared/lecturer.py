"""Lecturer mode, one mechanism for both windows (a projector at the back of a room).

`LecturerMode` enters and leaves it: it saves the window (geometry, dock state, window state,
menu and status bars), puts the whole window on the lecturer theme (every widget kind white on
black, `lecturer_style`), hides the menu bar and fills the screen; leaving puts back exactly what
was there. Each window's subclass says only what differs: its own arrangement (`enter`, `leave`)
and what its views draw from the theme (`apply_theme`).

`AutoHide`: the window's `chrome()` vanishes after a few quiet seconds and comes back when the
mouse moves. Keep that chrome out of the window's layout (an overlay, as the explainer's floating
step controls), so that showing it never moves or resizes what is shown."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtWidgets import QApplication, QStatusBar

from app.shared.chrome import flat_chrome
from app.shared.theme import LECTURER, NORMAL, Theme

# Qt's style sheets do not pass colours down to child widgets: every kind either window shows
# (tool bars, tabs, plot rows, buttons, fields, sliders) is named, so none is left light grey
# with white type on the black wall.
DARK_WIDGETS = (
    "QMenuBar, QMenu {{ background: {bg}; color: {fg}; }}"
    "QMenuBar::item:selected, QMenu::item:selected {{ background: #333333; }}"
    "QToolBar, QTabWidget::pane, QTabBar, QWidget#readout {{ background: {bg}; border: none; }}"
    "QToolBar QToolButton, QLabel, QCheckBox, QTabBar::tab {{ color: {fg}; background: {bg}; }}"
    "QTabBar::tab {{ padding: 6px 14px; border: 1px solid #555555; }}"
    "QTabBar::tab:selected {{ background: #333333; border-bottom: 3px solid {fg}; }}"
    "QCheckBox::indicator {{ border: 2px solid {fg}; width: 18px; height: 18px;"
    " background: {bg}; }}"  # unticked: an empty box (it was drawn white, as a ticked one)
    "QCheckBox::indicator:checked {{ background: #56b4e9; }}"  # ticked: filled sky blue
    "QComboBox, QSpinBox, QLineEdit, QPushButton {{ color: {fg}; background: #222222;"
    " border: 1px solid #888888; }}"
    "QPushButton {{ padding: 3px 8px; }}"
    "QPushButton:disabled, QComboBox:disabled, QSpinBox:disabled, QLineEdit:disabled,"
    " QCheckBox:disabled {{ color: #777777; border-color: #444444; }}"
    "QSlider {{ background: {bg}; }}"
    "QSlider::groove:horizontal {{ background: #555555; height: 6px; }}"
    "QSlider::handle:horizontal {{ background: {fg}; width: 14px; margin: -6px 0; }}"
    "QProgressBar {{ background: #222222; border: 1px solid #888888; }}"
    "QProgressBar::chunk {{ background: #56b4e9; }}"
    "QTableWidget {{ color: {fg}; background: {bg}; gridline-color: #555555; }}"
    "QHeaderView::section {{ color: {fg}; background: #222222; border: 1px solid #555555; }}"
    "QHeaderView, QTableCornerButton::section {{ background: {bg}; border: none; }}"
)


def lecturer_style(base_pt: float = 10.0) -> str:
    """The whole window's style sheet in lecturer mode: the theme's type and window colours, and
    every widget kind dark."""
    t = LECTURER
    return t.stylesheet(base_pt) + DARK_WIDGETS.format(bg=t.window, fg=t.text)


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


class LecturerMode(QObject):
    """Enters and leaves lecturer mode for a window; subclasses add the window's arrangement."""

    hide_status = False  # the explainer hides its status bar; the trainer keeps its progress

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.on = False
        self._saved: tuple | None = None  # geometry, state, window state, bars before entering

    def set(self, on: bool, rect: QRect | None = None) -> None:
        if on == self.on:
            return
        if on:
            self._save()
            self.on = True
            self._theme(LECTURER)
            self.w.menuBar().setVisible(False)  # hidden for the whole lecture: keys do the rest
            if self.hide_status:
                self.w.statusBar().setVisible(False)
            self.enter(rect)
        else:
            self.leave()
            self.on = False
            self._theme(NORMAL)
            self._restore()

    # ---- what each window adds ----
    def enter(self, rect: QRect | None) -> None:
        """The window's own arrangement; fill the screen (`fill_screen`) last."""
        fill_screen(self.w, rect)

    def leave(self) -> None:
        """Undo what `enter` did that restoring the window's saved state does not."""

    def apply_theme(self, theme: Theme) -> None:
        """Recolour what the window's views draw from the theme."""

    # ---- the same for both ----
    def _theme(self, theme: Theme) -> None:
        self.w.theme = theme  # first: a widget told of the style change asks the window's theme
        base = max(10.0, QApplication.font().pointSizeF())  # never smaller than the normal type
        self.w.setStyleSheet(lecturer_style(base) if theme is LECTURER else "")
        flat_chrome(self.w, theme)
        self.apply_theme(theme)

    def _save(self) -> None:
        w = self.w
        status = w.findChild(QStatusBar, "", Qt.FindChildOption.FindDirectChildrenOnly)
        bars = (w.menuBar().isVisible(), status is not None and status.isVisible())
        self._saved = (w.geometry(), w.saveState(), w.windowState(), bars)

    def _restore(self) -> None:
        w = self.w
        geometry, state, window_state, (menu, status) = self._saved
        w.menuBar().setVisible(menu)
        if self.hide_status and status:
            w.statusBar().setVisible(True)
        elif self.hide_status:  # there was none yet: the first message makes one, as before
            w.setStatusBar(None)
        w.showNormal()
        w.setWindowState(window_state)
        w.setGeometry(geometry)
        w.restoreState(state)  # dock sizes, places and visibility, the tool bar's place
