"""Starting the GUI: one QApplication, the explainer window, the last session restored."""

from __future__ import annotations

import sys
from pathlib import Path


def settings_dir() -> Path:
    from platformdirs import user_config_dir

    p = Path(user_config_dir("backprop-studio", appauthor=False))
    p.mkdir(parents=True, exist_ok=True)
    return p


def run_gui(network: str | None = None) -> int:
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from .main_window import DEFAULT_PRESET, MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Backprop Studio")
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    win = MainWindow(settings_dir(), restore=network is None)
    if network is not None and not win.open_network(network):
        win.open_network(str(DEFAULT_PRESET))  # the error was shown; open something useful
    win.show()
    return app.exec()
