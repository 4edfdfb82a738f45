"""The Export menu: asks where, renders, writes, and says what went wrong without a traceback."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QTextDocument
from PySide6.QtWidgets import QFileDialog

from app.shared import exporter
from app.shared.typeset import typesetter

from .conv_state import conv_view_state
from .formula_fit import line_chars
from .scene_state import view_state

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


class EventAt:
    """The explainer seen at event `event_index` of its current step, without moving it: what the
    drawing's state functions read (view_state, conv_view_state), with every other attribute the
    explainer's own."""

    def __init__(self, explainer, event_index: int):
        self._ex, self.event_index = explainer, event_index

    def __getattr__(self, name: str):
        return getattr(self._ex, name)

    @property
    def event(self):
        return self._ex.current.events[self.event_index]


def draw_at(window, index: int) -> None:
    """The drawing (network or grids) set to event `index` of the current step, from the trace;
    the explainer, its position and every other panel stay as they are."""
    at = EventAt(window.explainer, index)
    if _images(window):
        window.conv_view.show_state(window.lessons.conv(conv_view_state(at)))
    else:
        window.view.show_state(window.lessons.view(view_state(at)))


def frame(window, width: int = 1400, index: int | None = None) -> QImage:
    """The drawing with the formula of event `index` (the current one by default) typeset under
    it, from the same LaTeX lines as the formula panel (typeset here and now if the panel has not
    yet), broken at the frame's own line length (not the panel's, which follows the event it
    shows). The drawing is taken as it stands: `draw_at` sets it to another event first."""
    th = window.theme
    ex = window.explainer
    ev = ex.event if index is None else ex.current.events[index]
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
    room = drawing.width() - 60
    chars = line_chars(room, FRAME_PX)  # the frame's own line length
    lines = [ts.now(line, FRAME_PX, colour) for line, colour in window.formula.lines(ev, chars)]
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


def frame_count(window) -> int:
    return min(len(window.explainer.current.events), MAX_FRAMES)


def render_frame(window, index: int) -> QImage:
    """Frame `index` of the step's GIF: the drawing set to that event from the trace, and its
    formula (the explainer is never moved; `draw_at(window, its own index)` puts the drawing
    back)."""
    draw_at(window, index)
    return frame(window, index=index)


def step_frames(window) -> list[QImage]:
    """Every frame of the step at once (the export dialog renders them in chunks instead)."""
    frames = [render_frame(window, i) for i in range(frame_count(window))]
    draw_at(window, window.explainer.event_index)
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


STEP_NUMBERS = ("tex", "csv", "gif", "frames")  # exports that write every number of the step


def run_export(window, kind: str) -> None:
    """Ask where, then write: a GIF or frames with a progress bar and Cancel (frame_export), the
    rest at once. While a question asks a number of the step, the exports that write every
    number of it are refused (the drawing, PNG or SVG, shows the number hidden)."""
    if kind in STEP_NUMBERS and window.lessons.refuses(
        "Not exported: this export writes every number of the step"
    ):
        return
    if kind == "frames":
        path = QFileDialog.getExistingDirectory(window, "Folder for the PNG frames")
    else:
        path, _ = QFileDialog.getSaveFileName(window, "Export", f"backprop.{kind}", FILTERS[kind])
    if not path:
        return
    if kind in ("gif", "frames"):
        from .frame_export import FrameExport

        window.frame_export = FrameExport(window, kind, path)  # kept alive until it ends
        window.frame_export.start()
        return
    try:
        write_export(window, kind, path)
    except (OSError, ValueError) as e:
        window.show_error(f"Export failed: {e}")
        return
    window.statusBar().showMessage(f"exported {path}", 5000)
