"""Starting the GUI: the last-resort error handler, one QApplication, the chosen view, the last
session restored."""

from __future__ import annotations

import sys
from pathlib import Path


class SettingsFolderError(Exception):
    """The settings folder cannot be made or used; the message names it."""


def settings_dir() -> Path:
    """The per-user settings folder, made if need be. One that cannot be made (a file of its
    name, a path under /proc) is refused in a sentence naming it (it was a bare "internal error:
    FileExistsError(17, 'File exists')")."""
    from platformdirs import user_config_dir

    p = Path(user_config_dir("backprop-studio", appauthor=False))
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SettingsFolderError(
            f"the settings folder {p} cannot be made ({e.strerror or e}); set XDG_CONFIG_HOME "
            "to a folder you can write, or remove what stands in its place"
        ) from None
    return p


def run_gui(
    network: str | None = None, view: str = "explainer", data_dir=None, lesson: str | None = None
) -> int:
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from app.main_window import Studio, ViewError
    from app.shared.errors import install_excepthook

    install_excepthook()  # an exception in a slot is logged and shown, never lost or fatal
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Backprop Studio")
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    try:
        folder = settings_dir()
    except SettingsFolderError as e:
        print(f"backprop-studio: error: {e}", file=sys.stderr)
        return 2
    studio = Studio(folder, data_dir=data_dir)
    app.aboutToQuit.connect(studio.close_all)  # a hidden view training in the background stops
    quit_on_signals(app)
    try:
        win = open_views(studio, view, network)
    except ViewError as e:
        print(f"backprop-studio: error: {e}", file=sys.stderr)
        return 2
    if view == "explainer" and lesson is not None:
        win.lessons.open_path(lesson)
    code = app.exec()  # (the views have closed and saved their sessions: studio.close_all)
    clear_plot_scenes(app)
    return code


def clear_plot_scenes(app) -> None:
    """Empty every plot's scene while Python still runs (pyqtgraph's GraphicsView.close). Left
    to the interpreter's exit, a plot restyled for lecturer mode (the Landscape panel's, hidden)
    was destroyed after Python had begun to finalize: its items' Python overrides were called
    on a half-destroyed view, and the process died of a segmentation fault (half of the quits
    after lecturer mode, exit status 139, the session already saved)."""
    import pyqtgraph as pg
    import shiboken6

    for w in app.allWidgets():
        if isinstance(w, pg.GraphicsView) and shiboken6.isValid(w) and not w.closed:
            w.close()


def quit_on_signals(app) -> None:
    """SIGTERM, SIGHUP and SIGINT (a logout or shutdown, the terminal closed, Ctrl+C in it) quit
    as File → Quit does: every view closes and saves its session (they killed the process, and
    the session was the last quit's). Python runs a handler only when it holds the interpreter,
    so a timer gives it a turn four times a second."""
    import signal

    from PySide6.QtCore import QTimer

    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, lambda *_: app.quit())
    turn = QTimer(app)
    turn.timeout.connect(lambda: None)
    turn.start(250)


def open_views(studio, view: str, network: str | None):
    """Show `view`; the explainer restores the last session and layout first, then opens
    `network` aside: a refused file is said in the window and the last session stays (it used to
    open the default preset, which the next quit then saved over the last session)."""
    win = studio.show(view)
    if view == "explainer" and network is not None:
        win.open_network(network)
    return win
