"""The Export menu: asks where, renders, writes, and says what went wrong without a traceback."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QTextDocument
from PySide6.QtWidgets import QFileDialog

from app.shared import exporter
from app.shared.typeset import typesetter

MAX_FRAMES = 400
FRAME_PX = 34  # the formula's type in exported frames and GIFs
SMOOTH = Qt.TransformationMode.SmoothTransformation
MAX_EXPORT_EVENTS = 20_000  # events in one LaTeX or CSV export (a 2-500-500-1 step has 1.3M)
FILTERS = {
    "png": "PNG image (*.png)",
    "svg": "SVG drawing (*.svg)",
    "tex": "LaTeX (*.tex)",
    "csv": "CSV (*.csv)",
    "gif": "Animated GIF (*.gif)",
}


def _images(window) -> bool:
    return window.stack.currentWidget() is window.conv_view


def _drawing(window, width: int) -> QImage:
    """The drawing as an image `width` wide: the network's scene, or the image layers' grids."""
    if not _images(window):
        return exporter.render_scene(window.view.scene(), width, window.theme.canvas)
    img = window.conv_view.grab().toImage()
    return img.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)


def _conv_svg(window, path: str) -> None:
    from PySide6.QtSvg import QSvgGenerator

    view = window.conv_view
    gen = QSvgGenerator()
    gen.setFileName(path)
    gen.setSize(QSize(view.width(), view.height()))
    gen.setTitle("Backprop Studio")
    view.render(gen)


def frame(window, width: int = 1400) -> QImage:
    """The drawing with the current formula typeset under it, from the same LaTeX lines as the
    formula panel (typeset here and now if the panel has not yet)."""
    th = window.theme
    ex = window.explainer
    ev = ex.event
    drawing = _drawing(window, width)
    doc = QTextDocument()
    doc.setDefaultFont(QFont(th.font_family, 22))
    doc.setTextWidth(drawing.width() - 60)
    doc.setHtml(
        f"<div style='color:{th.text}'>"
        f"<span style='color:{th.phase_colour(ev.phase)}'><b>{ev.phase.upper()}</b></span> · step "
        f"{ex.current.t} · {html.escape(ev.symbol)}</div>"
    )
    ts = typesetter()
    lines = [ts.now(line, FRAME_PX, colour) for line, colour in window.formula.lines(ev)]
    room = drawing.width() - 60
    lines = [im if im.width() <= room else im.scaledToWidth(room, SMOOTH) for im in lines]
    strip = int(doc.size().height()) + sum(im.height() + 8 for im in lines) + 30
    img = QImage(drawing.width(), drawing.height() + strip, QImage.Format.Format_ARGB32)
    img.fill(QColor(th.canvas))
    p = QPainter(img)
    p.drawImage(0, 0, drawing)
    p.translate(30, drawing.height() + 10)
    doc.drawContents(p)
    y = int(doc.size().height()) + 8
    for im in lines:
        p.drawImage(0, y, im)
        y += im.height() + 8
    p.end()
    return img


def step_frames(window) -> list[QImage]:
    ex = window.explainer
    keep = ex.event_index
    frames = []
    for i in range(min(len(ex.current.events), MAX_FRAMES)):
        ex.goto(ex.step_index, i)
        frames.append(frame(window))
    ex.goto(ex.step_index, keep)
    return frames


def _events(ex) -> list:
    """The events stepping visits in this step: every one, or with a sample chosen (the Sample
    box) that sample's and the batch's sums and updates, as `trace --sample` writes them."""
    spans, r = ex.visible(), ex.current
    if len(spans) > MAX_EXPORT_EVENTS:
        way_out = "choose one sample in the Sample box, " if ex.filter.applies_to(r) is None else ""
        raise ValueError(
            f"this step has {len(spans):,} events; an export holds at most "
            f"{MAX_EXPORT_EVENTS:,} ({way_out}use a smaller network or batch)"
        )
    return [r.events[i] for i in spans]


def _title(ex) -> str:
    r = ex.current
    chosen = "" if ex.filter.applies_to(r) is None else f", {ex.filter.who(r)}"
    return f"{ex.spec.name or 'Network'}: training step {r.t}{chosen}"


def write_export(window, kind: str, path: str) -> None:
    ex = window.explainer
    scene = window.view.scene()
    if kind == "png" and _images(window):
        _drawing(window, 1600).save(path)
    elif kind == "png":
        exporter.export_png(scene, path, window.theme.canvas)
    elif kind == "svg" and _images(window):
        _conv_svg(window, path)
    elif kind == "svg":
        exporter.export_svg(scene, path)
    elif kind == "tex":
        exporter.export_latex(_events(ex), path, _title(ex), ex.current.t)
    elif kind == "csv":
        exporter.export_csv(_events(ex), path)
    elif kind == "gif":
        exporter.export_gif(step_frames(window), path)
    elif kind == "frames":
        exporter.export_frames(step_frames(window), path)


def run_export(window, kind: str) -> None:
    if kind == "frames":
        path = QFileDialog.getExistingDirectory(window, "Folder for the PNG frames")
    else:
        path, _ = QFileDialog.getSaveFileName(window, "Export", f"backprop.{kind}", FILTERS[kind])
    if not path:
        return
    try:
        write_export(window, kind, path)
    except (OSError, ValueError) as e:
        window.show_error(f"Export failed: {e}")
        return
    window.statusBar().showMessage(f"exported {path}", 5000)
