"""The trainer's files: plots exported as PNG or SVG (one scene, every plot in it), and a saved
model brought back into the run list. Writes go through the engine's atomic helper, so a failed
export leaves no half file."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401 (registers the exporters)
from PySide6.QtCore import QBuffer, QIODevice, QRect
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem

from engine.atomic import atomic_path, atomic_write_bytes


def export_scene(scene: pg.GraphicsLayoutWidget, path: str | Path, kind: str) -> Path:
    """Every plot of `scene` into one PNG (at twice the screen's pixels) or SVG file."""
    path = Path(path)
    if kind not in ("png", "svg"):
        raise ValueError(f"cannot export plots as {kind!r}; choose png or svg")
    if kind == "png":
        ex = pg.exporters.ImageExporter(scene.scene())
        ex.parameters()["width"] = max(800, int(scene.width() * 2))
        with legends_scaled(scene.scene()):
            image = ex.export(toBytes=True)  # a QImage
        with atomic_path(path) as tmp:
            if not image.save(str(tmp), "PNG"):
                raise OSError(f"could not write {path}")
    else:
        atomic_write_bytes(path, render_svg(scene))
    return path


@contextmanager
def legends_scaled(scene):
    """pyqtgraph's legends ignore the view's transformations (their type stays the screen's
    size), so in an image drawn at twice the pixels their type came out half as large as the
    axes'. For the export they scale with the rest; the flag is restored after."""
    flag = QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
    legends = [i for i in scene.items() if isinstance(i, pg.LegendItem) and i.flags() & flag]
    for item in legends:
        item.setFlag(flag, False)
        item.layout.activate()  # its entries where its layout puts them, before the drawing
    try:
        yield
    finally:
        for item in legends:
            item.setFlag(flag, True)


def render_svg(widget) -> bytes:
    """The widget's scene as SVG, drawn by Qt's own SVG painter. (pyqtgraph's SVGExporter fails
    on curves that are still empty, which a live scene always has.)"""
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buf)
    size = widget.size()
    gen.setSize(size)
    gen.setViewBox(QRect(0, 0, size.width(), size.height()))
    gen.setTitle("Backprop Studio plots")
    painter = QPainter(gen)
    try:
        widget.render(painter)
    finally:
        painter.end()
    return bytes(buf.data())


def import_checkpoint(store, path: str | Path) -> tuple[int, bool]:
    """A checkpoint file as a finished run of the store (its settings and figures kept):
    (its run id, whether it was already there). A file that already is a run's checkpoint (the
    run's own, kept beside the store, or a file loaded before) is that run, not a second row:
    two rows on one file, and deleting either took the other's weights with it."""
    from engine.torch_engine.checkpoint import load_checkpoint

    where = _resolved(path)
    for row in store.runs():
        if where is not None and row.checkpoint and _resolved(row.checkpoint) == where:
            return row.id, True
    ck = load_checkpoint(path)  # a path that cannot be resolved fails here, in one sentence
    rid = store.create_run(f"{Path(path).stem} (loaded)", "train", ck.config)
    store.finish(rid, "finished", dict(ck.metrics), checkpoint=str(where or Path(path).absolute()))
    return rid, False


def _resolved(path) -> Path | None:
    """The file's real path (None for a symlink loop: Python 3.11 raises RuntimeError)."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return None
