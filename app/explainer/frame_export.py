"""The step as an animated GIF or a folder of PNG frames, with a progress bar and Cancel.

The frames are drawn from the trace (export_actions.render_frame: the drawing set to each event,
the explainer never moved), a few per turn of the event loop so the window stays live; Qt's scene
and widgets belong to the GUI thread, so this part stays there. Converting and writing the files,
the slow part, runs on a worker thread (exporter.gif_steps / frames_steps, which write aside and
put the result in place only at the end). Cancel stops either part between two frames and leaves
no file behind."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog
from superqt.utils import create_worker

from app.shared import exporter

from .export_actions import draw_at, frame_count, render_frame

FRAMES_PER_TURN = 4  # frames drawn between two turns of the event loop


def exporter_message(e: BaseException) -> str:
    """One plain sentence for a failed write."""
    if isinstance(e, OSError) and e.strerror:
        return f"{e.strerror} ({e.filename})" if e.filename else e.strerror
    return str(e) or type(e).__name__


class FrameExport(QObject):
    """One GIF or frames export of `window`'s current step into `path`; `start()` begins it."""

    finished = Signal(str)  # "done", "cancelled" or "failed"

    def __init__(self, window, kind: str, path: str):
        super().__init__(window)
        self.w, self.kind, self.path = window, kind, path
        self.n = frame_count(window)
        self.frames: list = []
        self.state = "drawing"
        self.worker = None
        self._steps = None
        self.dialog = QProgressDialog("Drawing the frames…", "Cancel", 0, 2 * self.n, window)
        self.dialog.setWindowTitle("Export")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)  # the step stays put
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumDuration(0)
        self.dialog.canceled.connect(self.cancel)
        self.timer = QTimer(self)
        self.timer.setInterval(0)
        self.timer.timeout.connect(self._draw_some)

    def start(self) -> None:
        self.dialog.setValue(0)
        self.dialog.show()  # at once: the first frames typeset their formulas
        self.timer.start()

    def _draw_some(self) -> None:
        try:
            for _ in range(FRAMES_PER_TURN):
                if len(self.frames) >= self.n:
                    break
                self.frames.append(render_frame(self.w, len(self.frames)))
        except Exception as e:  # noqa: BLE001 - said in the window, nothing written
            self._end("failed", f"Export failed: {e}")
            return
        finally:
            draw_at(self.w, self.w.explainer.event_index)  # the window shows its own event
        self.dialog.setValue(len(self.frames))
        if len(self.frames) >= self.n:
            self.timer.stop()
            self._write()

    def _write(self) -> None:
        self.state = "writing"
        self.dialog.setLabelText("Writing the GIF…" if self.kind == "gif" else "Writing…")
        write = exporter.gif_steps if self.kind == "gif" else exporter.frames_steps
        self._steps = write(self.frames, self.path)
        self.worker = create_worker(
            lambda: (yield from self._steps), _start_thread=False, _ignore_errors=True
        )  # errored is handled below, not raised again in the GUI thread
        # bound methods of this GUI-thread object: Qt queues the worker's signals to them
        self.worker.yielded.connect(self._written)
        self.worker.errored.connect(self._write_failed)
        self.worker.returned.connect(self._write_done)
        self.worker.aborted.connect(self._write_stopped)
        self.worker.start()

    def _written(self, k: int) -> None:
        self.dialog.setValue(self.n + k)

    def _write_failed(self, e: BaseException) -> None:
        self._end("failed", f"Export failed: {exporter_message(e)}")

    def _write_done(self, _path) -> None:
        self._end("done")

    def _write_stopped(self) -> None:
        self._end("cancelled")

    def cancel(self) -> None:
        if self.state == "drawing":
            self._end("cancelled")
        elif self.state == "writing" and self.worker is not None:
            self.worker.quit()  # stops between two frames; `aborted` then ends the export

    def _end(self, state: str, message: str = "") -> None:
        if self.state in ("done", "cancelled", "failed"):
            return
        self.timer.stop()
        self.state = state
        if self._steps is not None:
            self._steps.close()  # a stopped writer removes what it had written aside
        self.frames = []
        self.dialog.reset()
        self.dialog.hide()
        if state == "failed":
            self.w.show_error(message)
        elif state == "done":
            self.w.statusBar().showMessage(f"exported {self.path}", 5000)
        else:
            self.w.statusBar().showMessage("export cancelled; nothing was written", 5000)
        self.finished.emit(state)
