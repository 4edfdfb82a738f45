"""Exports: the drawing as PNG or SVG, the current step's worked equations as LaTeX or CSV, and the
whole step as an animated GIF or a folder of PNG frames. The text comes from the engine."""

from __future__ import annotations

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


def export_frames(frames: list[QImage], folder: str | Path) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, img in enumerate(frames):
        p = folder / f"frame_{i:04d}.png"
        img.save(str(p), "PNG")
        out.append(p)
    return out


def export_gif(frames: list[QImage], path: str | Path, ms_per_frame: int = 600) -> Path:
    from PIL import Image

    pil = []
    for img in frames:
        rgba = img.convertToFormat(QImage.Format.Format_RGBA8888)
        buf = bytes(rgba.constBits())[: rgba.sizeInBytes()]
        pil.append(
            Image.frombuffer(
                "RGBA", (rgba.width(), rgba.height()), buf, "raw", "RGBA", rgba.bytesPerLine(), 1
            ).convert("RGB")
        )
    pil[0].save(str(path), save_all=True, append_images=pil[1:], duration=ms_per_frame, loop=0)
    return Path(path)
