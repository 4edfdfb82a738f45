"""Exports: the drawing as PNG or SVG, the current step's worked equations as LaTeX or CSV, and the
whole step as an animated GIF or a folder of PNG frames. The text comes from the engine.

The GIF and the frames are written by generators (`gif_steps`, `frames_steps`) that yield after
each frame, so a worker thread can run them with a progress bar and stop between frames; they write
aside (a hidden temporary file or folder) and put the result in place only at the end, so a
cancelled or failed export leaves no file behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsScene

from engine.atomic import atomic_write_bytes
from engine.numpy_engine.export_text import events_csv
from engine.numpy_engine.handout import check_handout_size, handout


def render_scene(scene: QGraphicsScene, width: int = 1600, background: str = "#ffffff") -> QImage:
    rect = scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
    h = max(1, int(width * rect.height() / max(rect.width(), 1)))
    img = QImage(width, h, QImage.Format.Format_ARGB32)
    img.fill(QColor(background))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    scene.render(p, QRectF(0, 0, width, h), rect)
    p.end()
    return img


def export_png(scene: QGraphicsScene, path: str | Path, background="#ffffff") -> Path:
    path = Path(path)
    if not render_scene(scene, background=background).save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


def export_svg(scene: QGraphicsScene, path: str | Path) -> Path:
    path = Path(path)
    rect = scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
    gen = QSvgGenerator()
    gen.setFileName(str(path))
    gen.setSize(QSize(int(rect.width()), int(rect.height())))
    gen.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
    gen.setTitle("Backprop Studio network")
    p = QPainter(gen)
    scene.render(p, QRectF(0, 0, rect.width(), rect.height()), rect)
    p.end()
    return path


def export_latex(events, path: str | Path, title: str, step: int) -> Path:
    """Every event of the step, as a document a lecturer can compile for a handout."""
    events = list(events)
    check_handout_size(len(events))
    return atomic_write_bytes(path, handout([(step, events)], title).encode("ascii"))


def export_csv(events, path: str | Path) -> Path:
    Path(path).write_text(events_csv(events), encoding="utf-8")
    return Path(path)


def _pil(img: QImage):
    """A QImage as an RGB PIL image (QImage is reentrant: a worker thread may convert it)."""
    from PIL import Image

    rgba = img.convertToFormat(QImage.Format.Format_RGBA8888)
    buf = bytes(rgba.constBits())[: rgba.sizeInBytes()]
    return Image.frombuffer(
        "RGBA", (rgba.width(), rgba.height()), buf, "raw", "RGBA", rgba.bytesPerLine(), 1
    ).convert("RGB")


def gif_steps(frames: list[QImage], path: str | Path, ms_per_frame: int = 600):
    """Yield 1, 2, … as frames are converted, then write the GIF: to a hidden file beside `path`,
    renamed onto it at the end. Stopped early (closed) or failing, it leaves no file."""
    path = Path(path)
    pil = []
    for k, img in enumerate(frames):
        pil.append(_pil(img))
        yield k + 1
    if not pil:
        raise ValueError("there are no frames to write")
    tmp = path.with_name(f".{path.name}.part")
    try:
        pil[0].save(
            str(tmp), format="GIF", save_all=True, append_images=pil[1:],
            duration=ms_per_frame, loop=0,
        )  # fmt: skip
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def frames_steps(frames: list[QImage], folder: str | Path):
    """Yield 1, 2, … as frames are written as frame_0000.png, … into a hidden folder inside
    `folder`, moved into `folder` at the end. Stopped early or failing, no frame is left (and a
    folder this made is removed)."""
    folder = Path(folder)
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    part = Path(tempfile.mkdtemp(prefix=".frames-", dir=folder))
    done = False
    try:
        for i, img in enumerate(frames):
            if not img.save(str(part / f"frame_{i:04d}.png"), "PNG"):
                raise OSError(f"could not write {folder / f'frame_{i:04d}.png'}")
            yield i + 1
        out = []
        for i in range(len(frames)):
            name = f"frame_{i:04d}.png"
            os.replace(part / name, folder / name)
            out.append(folder / name)
        _drop_stale_frames(folder, len(frames))
        done = True
        return out
    finally:
        shutil.rmtree(part, ignore_errors=True)
        if made and not done and not any(folder.iterdir()):
            folder.rmdir()


def _drop_stale_frames(folder: Path, n: int) -> None:
    """An earlier, longer export's frames beyond the n just written (frame_NNNN.png, our own
    name, nothing else) would run on after this step's last frame: they go."""
    for old in folder.glob("frame_[0-9][0-9][0-9][0-9].png"):
        if int(old.stem[6:]) >= n:
            old.unlink(missing_ok=True)


def _run(steps):
    """Run a step generator to its end; its return value."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def export_frames(frames: list[QImage], folder: str | Path) -> list[Path]:
    return _run(frames_steps(frames, folder))


def export_gif(frames: list[QImage], path: str | Path, ms_per_frame: int = 600) -> Path:
    return _run(gif_steps(frames, path, ms_per_frame))
