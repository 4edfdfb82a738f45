"""The Qt side of a training job: the engine runs the job in a child process
(`engine.torch_engine.jobs.run_job_in_process`); a superqt worker thread only waits on its pipe
and hands each record to the GUI thread. Stopping sets a flag the worker reads between records;
the worker itself then closes the stream, which stops the child (its run is recorded as
cancelled, its records kept) and joins it. Nothing here blocks the GUI thread, except `shutdown`
when the window closes, which waits for the child to end."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import create_worker

from engine.torch_engine.jobs import Job, JobFailed, run_job_in_process


def pump(job: Job, stop: threading.Event):
    """Runs in the worker thread: the child's records, until it ends or `stop` is set."""
    stream = run_job_in_process(job)
    try:
        for item in stream:
            if stop.is_set():
                break
            if item is not None:  # None is the stream's heartbeat
                yield item
    finally:
        stream.close()  # asks the child to stop and joins it, in this thread


class JobRunner(QObject):
    record = Signal(object)  # a Tagged record
    failed = Signal(str)  # one plain sentence
    finished = Signal()  # the job ended (done, stopped, failed); the child is gone

    def __init__(self, parent=None):
        super().__init__(parent)
        self._worker = None
        self._stop = threading.Event()

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self, job: Job) -> None:
        if self.running:
            return
        self._stop = threading.Event()
        w = create_worker(pump, job, self._stop, _start_thread=False, _ignore_errors=True)
        w.yielded.connect(self._on_item)
        w.errored.connect(lambda e: self.failed.emit(f"training stopped: {e}"))
        w.finished.connect(self._on_finished)
        self._worker = w
        w.start()

    def _on_item(self, item) -> None:
        if isinstance(item, JobFailed):
            self.failed.emit(item.message)
        else:
            self.record.emit(item)

    def _on_finished(self) -> None:
        self._worker = None
        self.finished.emit()

    def stop(self) -> None:
        """Ask the job to stop; `finished` follows once the child has ended."""
        self._stop.set()

    def shutdown(self, timeout_ms: int = 15000) -> None:
        """Stop and wait (the window is closing): no thread or child is left behind."""
        self._stop.set()
        if self._worker is not None:
            QThreadPool.globalInstance().waitForDone(timeout_ms)
