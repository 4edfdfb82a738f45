"""GIF and frame export: drawn from the trace (the explainer never moves) into the same frames the
old path drew by stepping the live window, written off the GUI thread with a progress bar and
Cancel, and no stray file when cancelled or failing."""

import pytest
from PIL import Image

from app.explainer.data_panel import PRESET_DIR
from app.explainer.export_actions import frame, render_frame, step_frames
from app.explainer.frame_export import FrameExport

XOR = str(PRESET_DIR / "xor_2_2_1.json")
POOL = str(PRESET_DIR / "cnn_maxpool_4x4.json")


def old_frame(window, i):
    """What the old export drew: the live explainer moved to event i, then the window grabbed."""
    ex = window.explainer
    ex.goto(ex.step_index, i)
    return frame(window)


@pytest.mark.parametrize("preset", [XOR, POOL], ids=["dense", "conv"])
def test_frames_from_the_trace_are_the_frames_the_window_drew(window, preset):
    w, ex = window, window.explainer
    assert w.open_network(preset)
    n = len(ex.current.events)
    picks = sorted({0, 1, n // 2, n - 1})
    moves = []
    ex.position_changed.connect(lambda *a: moves.append(a)) if hasattr(
        ex, "position_changed"
    ) else None
    new = [render_frame(w, i) for i in picks]
    assert ex.event_index == 0 and not moves  # the explainer was never moved
    old = [old_frame(w, i) for i in picks]
    ex.goto(ex.step_index, 0)
    for i, a, b in zip(picks, new, old, strict=True):
        assert a.size() == b.size(), i
        assert a == b, f"frame {i} differs from the old path's"
    assert new[0] != new[-1]  # the frames do change from event to event


def test_step_frames_puts_the_drawing_back(window):
    w, ex = window, window.explainer
    w.open_network(XOR)
    ex.goto(ex.step_index, 3)
    before = frame(w)
    frames = step_frames(w)
    assert len(frames) == len(ex.current.events) and ex.event_index == 3
    assert frame(w) == before


def run(qtbot, w, kind, path, cancel_at=None):
    job = FrameExport(w, kind, str(path))
    if cancel_at == "drawing":
        job.timer.timeout.connect(lambda: job.cancel() if len(job.frames) >= 4 else None)
    if cancel_at == "writing":
        job._written = lambda k, job=job: job.cancel()  # Cancel as soon as the first is written
    with qtbot.waitSignal(job.finished, timeout=60_000) as sig:
        job.start()
    qtbot.waitUntil(lambda: job.worker is None or not _running(job), timeout=10_000)
    return job, sig.args[0]


def _running(job):
    from PySide6.QtCore import QThreadPool

    return QThreadPool.globalInstance().activeThreadCount() > 0


def test_a_gif_is_written_with_every_frame(qtbot, window, tmp_path):
    w = window
    w.open_network(XOR)
    job, state = run(qtbot, w, "gif", tmp_path / "x.gif")
    assert state == "done" and not job.dialog.isVisible()
    with Image.open(tmp_path / "x.gif") as gif:
        assert gif.n_frames == len(w.explainer.current.events)
    assert [p.name for p in tmp_path.iterdir()] == ["x.gif"]  # no part file left


def test_frames_are_written_into_the_folder(qtbot, window, tmp_path):
    w = window
    w.open_network(XOR)
    _, state = run(qtbot, w, "frames", tmp_path / "f")
    assert state == "done"
    names = sorted(p.name for p in (tmp_path / "f").iterdir())
    assert names == [f"frame_{i:04d}.png" for i in range(len(w.explainer.current.events))]


@pytest.mark.parametrize("when", ["drawing", "writing"])
@pytest.mark.parametrize("kind", ["gif", "frames"])
def test_cancel_leaves_no_file(qtbot, window, tmp_path, kind, when):
    w = window
    w.open_network(XOR)
    target = tmp_path / ("x.gif" if kind == "gif" else "new_folder")
    _, state = run(qtbot, w, kind, target, cancel_at=when)
    assert state == "cancelled"
    assert list(tmp_path.iterdir()) == []  # no GIF, no part file, no half-filled folder
    assert "cancelled" in w.statusBar().currentMessage()


def test_a_write_that_fails_is_one_sentence_and_no_file(qtbot, window, tmp_path):
    w = window
    w.open_network(XOR)
    errors = []
    w.show_error = errors.append
    _, state = run(qtbot, w, "gif", tmp_path / "no_such_folder" / "x.gif")
    assert state == "failed" and len(errors) == 1
    assert errors[0].startswith("Export failed: ") and "Traceback" not in errors[0]
    assert list(tmp_path.iterdir()) == []


def test_a_shorter_export_into_the_same_folder_leaves_no_frame_of_the_longer_one(qtbot, tmp_path):
    from PySide6.QtGui import QImage

    from app.shared.exporter import export_frames

    def images(n):
        out = []
        for k in range(n):
            img = QImage(4, 4, QImage.Format.Format_RGB32)
            img.fill(k)
            out.append(img)
        return out

    folder = tmp_path / "frames"
    export_frames(images(5), folder)
    (folder / "notes.txt").write_text("mine")  # anything not named as a frame stays
    export_frames(images(3), folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "frame_0000.png",
        "frame_0001.png",
        "frame_0002.png",
        "notes.txt",
    ]
