"""The explainer's file dialogs: open a network file, import a CSV, export, save and open a
session. A mixin of ExplainerWindow; the loading itself (checked aside, then switched) is the
Explainer's, and a refusal is one sentence in the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from .data_panel import PRESET_DIR
from .export_actions import run_export
from .session import save_session


class FileDialogs:
    def open_network_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open network file", str(PRESET_DIR), "Network files (*.json)"
        )
        if path:
            self.open_network(path)

    def import_csv_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import CSV", "", "CSV files (*.csv)")
        if path:
            self.explainer.import_csv(path)

    # ---- exports ----
    def export_dialog(self, kind: str) -> None:
        run_export(self, kind)

    # ---- sessions ----
    def save_session_dialog(self) -> None:
        if self.lessons.refuses("Session not saved: it writes the loss curve, this step's loss"):
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save session", "session.bps.json", "Sessions (*.json)"
        )
        if path and self.explainer.net is not None:
            try:
                save_session(self.explainer, path)
            except (OSError, ValueError) as e:
                self.show_error(f"Session not saved: {e}")

    def open_session_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open session", "", "Sessions (*.json)")
        if path:
            self.open_session(path)

    def open_session(self, path: str | Path) -> bool:
        ok = self.explainer.open_session(path)
        if ok:  # the session's network: a lesson's steps would go back to theirs
            self.lessons.leave("You opened a session, so you left")
        return ok
