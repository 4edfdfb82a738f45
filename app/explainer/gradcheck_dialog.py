"""The gradient check: backpropagation's gradient beside finite differences, parameter by
parameter. The engine's generator runs in a superqt worker thread (a big network takes seconds):
the dialog shows its progress, Cancel stops it, and an error is shown, never raised."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)
from superqt.utils import create_worker

from engine.numpy_engine.fmt import num
from engine.numpy_engine.gradcheck import EPS, gradient_check_steps

AGREE = 1e-5  # the largest relative error that counts as agreement...
NOISE = 1e-9  # ...unless the absolute error is below the central difference's own noise


class GradCheckDialog(QDialog):
    def __init__(self, net, state, parent=None, on_error=None):
        super().__init__(parent)
        self.setWindowTitle("Gradient check: analytic vs numerical")
        self.on_error = on_error  # called with a message when the check fails
        self.result = None  # the GradCheckResult once done
        self.error = ""
        self.cancelled = False
        lay = QVBoxLayout(self)
        self.summary = QLabel("Checking the gradients…")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy until the first report
        lay.addWidget(self.progress)
        self.cancel_button = QPushButton("Cancel")  # "Close" once the check has ended
        self.cancel_button.clicked.connect(self._button)
        lay.addWidget(self.cancel_button)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            ["parameter", "backprop ∂L/∂θ", "numerical", "relative error"]
        )
        lay.addWidget(self.table)
        self.resize(560, 480)
        self.worker = create_worker(
            gradient_check_steps,
            net,
            state,
            _start_thread=False,
            _connect={  # "errored" here, so superqt does not re-raise in the GUI thread
                "yielded": self._progress,
                "returned": self._done,
                "errored": self._failed,
                "finished": self._finished,
            },
        )
        self.worker.start()

    @property
    def running(self) -> bool:
        return self.worker is not None

    def _progress(self, p) -> None:
        if self.cancelled:  # reports queued before the cancel
            return
        self.progress.setRange(0, p.total)
        self.progress.setValue(p.done)
        self.summary.setText(f"Checking the gradients… {p.done:,} of {p.total:,} parameters")

    def _done(self, result) -> None:
        self.result = result
        rows = result.rows
        worst = max((r.rel_error for r in rows), default=0.0)
        off = [r for r in rows if r.rel_error >= AGREE and r.abs_error >= NOISE]
        ok = not off
        scope = (
            f"a random sample of {len(rows):,} of the {result.n_params:,} parameters"
            if result.sampled
            else f"{len(rows)} parameters"
        )
        self.summary.setText(
            f"<b>{'✓ The gradients agree' if ok else f'✗ {len(off)} gradients disagree'}</b>: "
            f"largest relative error {worst:.2e} over {scope} (tiny gradients may differ "
            f"relatively by more, within {NOISE:g} absolutely). Numerical gradient = "
            f"(L(θ + ε) − L(θ − ε)) / 2ε with ε = {EPS:g}, on this step's batch."
            + ("" if ok else " (At a kink — ReLU at 0, |x| at 0 — the two may differ.)")
        )
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for c, text in enumerate(
                (r.symbol, num(r.analytic, 8), num(r.numeric, 8), f"{r.rel_error:.1e}")
            ):
                self.table.setItem(i, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.progress.setRange(0, 1)
        self.progress.setValue(1)

    def _failed(self, exc) -> None:
        from app.shared.errors import log_exception, plain_message

        path = log_exception(type(exc), exc, exc.__traceback__)
        self.error = f"The gradient check failed: {plain_message(exc)} (details in {path})"
        self.summary.setText(self.error)
        if self.on_error is not None:
            self.on_error(self.error)

    def _finished(self) -> None:
        self.worker = None
        self.cancel_button.setText("Close")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setDefault(True)

    def _button(self) -> None:
        """Cancel while the check runs; Close once it has ended."""
        if self.worker is not None:
            self.cancel()
        else:
            self.accept()

    def cancel(self) -> None:
        """Stop the check at its next progress report (it reports every 0.1 s)."""
        if self.worker is not None:
            self.cancelled = True
            self.worker.quit()
            self.summary.setText("Gradient check cancelled.")

    def wait(self, ms: int = 5000) -> None:
        """Cancel and wait for the worker thread to end (the window closes, a test ends)."""
        from PySide6.QtCore import QThreadPool

        self.cancel()
        QThreadPool.globalInstance().waitForDone(ms)

    def done(self, code: int) -> None:  # closing the dialog stops the check
        self.cancel()
        super().done(code)
