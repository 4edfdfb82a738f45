"""Where MNIST comes from: whether it is present, a folder picker (IDX or CSV form), and a
download with a progress bar that can be cancelled. The engine loads and checks; this box shows."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import create_worker

from app.shared.errors import log_text
from app.shared.theme import ERROR_RED
from engine.torch_engine import mnist, mnist_download


class DataBox(QWidget):
    progress = Signal(str, int, int)  # file, bytes so far, total (emitted from the worker)

    def __init__(self, folder: str | Path | None = None, parent=None):
        super().__init__(parent)
        self.folder = Path(folder).expanduser() if folder else mnist.default_data_dir()
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # a folder's name is in it
        self.status.setWordWrap(True)
        self.status.setObjectName("data_status")
        self.pick = QPushButton("Choose folder…")
        self.download = QPushButton("Download MNIST")
        self.cancel = QPushButton("Cancel")
        self.details_button = QToolButton()  # a failed download's details, on demand
        self.details_button.setText("Details")
        self.details_button.setCheckable(True)
        self.details = QLabel()
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setWordWrap(True)
        self.details.setObjectName("data_details")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_button.toggled.connect(self.details.setVisible)
        self.details_button.hide()
        self.details.hide()
        self.bar = QProgressBar()
        self.bar.hide()
        self.cancel.hide()
        row = QHBoxLayout()
        for b in (self.pick, self.download, self.cancel):
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.status)
        lay.addWidget(self.details_button)
        lay.addWidget(self.details)
        lay.addLayout(row)
        lay.addWidget(self.bar)
        self.pick.clicked.connect(self.choose_folder)
        self.download.clicked.connect(self.start_download)
        self.cancel.clicked.connect(self.cancel_download)
        self.progress.connect(self._on_progress)
        self._stop = threading.Event()
        self._worker = None
        self.present = False
        self.refresh()

    def refresh(self) -> None:
        self.show_details(())
        self.present, text, damaged = mnist.status(self.folder)
        self.status.setText(text)
        self.status.setStyleSheet("" if self.present else f"color: {ERROR_RED};")
        # damaged files (the status says what is wrong) are the user's: never downloaded over
        self.download.setVisible(not self.present and self._worker is None and not damaged)

    def set_folder(self, folder: str | Path) -> None:
        self.folder = Path(folder).expanduser()
        self.refresh()

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "MNIST folder", str(self.folder))
        if path:
            self.set_folder(path)

    def start_download(self) -> None:
        if self._worker is not None:
            return
        self._stop = threading.Event()
        self._reason, self._details = "", ()
        folder, stop = self.folder, self._stop

        def fetch() -> tuple[str, tuple[str, ...]]:
            """The download, in a worker thread: ('', ()) when done, else the reason it
            stopped and its details."""
            try:
                mnist_download.download_mnist(
                    folder, progress=lambda *a: self.progress.emit(*a), should_stop=stop.is_set
                )
            except (mnist.MnistError, OSError) as e:
                return str(e), getattr(e, "details", ())
            return "", ()

        w = create_worker(fetch, _start_thread=False, _ignore_errors=True)  # said, not raised
        w.returned.connect(self._on_returned)
        w.errored.connect(lambda e: self._on_returned((f"download failed: {e}", ())))
        w.finished.connect(self._on_finished)
        self._worker = w
        self.bar.setValue(0)
        self.bar.show()
        self.cancel.show()
        self.download.hide()
        w.start()

    def cancel_download(self) -> None:
        self._stop.set()

    def _on_progress(self, name: str, got: int, total: int) -> None:
        self.bar.setMaximum(max(total, 1))
        self.bar.setValue(min(got, max(total, 1)))
        self.bar.setFormat(f"{name}: %p%")

    def _on_returned(self, result: tuple[str, tuple[str, ...]]) -> None:
        self._reason, self._details = result
        if self._details:
            log_text("MNIST download failed: " + self._reason + "\n" + "\n".join(self._details))

    def _on_finished(self) -> None:
        self._worker = None
        self.bar.hide()
        self.cancel.hide()
        self.refresh()
        if getattr(self, "_reason", "") and not self.present:
            self.status.setText(self._reason)  # why the download ended, in one sentence
            self.show_details(getattr(self, "_details", ()))

    def show_details(self, lines: tuple[str, ...]) -> None:
        """A Details toggle for these lines (each mirror's error); none: no toggle."""
        self.details.setText("\n".join(lines))
        self.details_button.setChecked(False)
        self.details_button.setVisible(bool(lines))
        self.details.hide()

    def shutdown(self) -> None:
        self._stop.set()
