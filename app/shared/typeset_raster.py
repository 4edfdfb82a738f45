"""A typeset SVG as an image, and an image as plain pixels that cross a process boundary.

The typesetting process (typeset_child.py) draws each line it typesets into an image with Qt's SVG
renderer (about 1 ms a line, 1.2 ms for a 44 px line of numbers) and sends its pixels; the window
only wraps them (a copy of a few hundred KB), so none of that drawing lands between a key press and
its repaint. No QGuiApplication is needed: a ziamath SVG is paths only, no text to lay out.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

FORMAT = QImage.Format.Format_ARGB32_Premultiplied
Pixels = tuple[int, int, int, bytes]  # width, height, bytes per line, the pixels (FORMAT)


def raster(svg: str, scale: float = 1.0) -> QImage:
    """A typeset SVG as an image for a screen of this device pixel ratio."""
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    size = renderer.defaultSize()
    img = QImage(max(1, size.width()), max(1, size.height()), FORMAT)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(p, QRectF(0, 0, img.width(), img.height()))
    p.end()
    img.setDevicePixelRatio(scale)
    return img


def to_pixels(img: QImage) -> Pixels:
    img = img.convertToFormat(FORMAT)  # what from_pixels reads (no copy when it is already)
    return img.width(), img.height(), img.bytesPerLine(), bytes(img.constBits())


def from_pixels(pixels: Pixels, scale: float) -> QImage:
    """The image again, owning its pixels, at this device pixel ratio. Anything but the shape
    `to_pixels` gives raises ValueError (the caller shows the line as plain text)."""
    if not (isinstance(pixels, tuple) and len(pixels) == 4):
        raise ValueError(f"not a typeset line's pixels: a {type(pixels).__name__}")
    w, h, bpl, data = pixels
    ints = all(type(v) is int for v in (w, h, bpl))
    if not (ints and isinstance(data, bytes) and 0 < w <= bpl // 4 and h > 0
            and len(data) == bpl * h):  # fmt: skip
        size = len(data) if isinstance(data, bytes) else type(data).__name__
        raise ValueError(f"not a typeset line's pixels: {w!r}x{h!r}, {bpl!r} a line, {size}")
    img = QImage(data, w, h, bpl, FORMAT).copy()  # the copy owns its memory
    img.setDevicePixelRatio(scale)
    return img
