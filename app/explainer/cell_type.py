"""Type that fits a drawing's cell: as wide as the cell allows, or half as tall as it is (a
filter weight under its cell's value). Used by the image drawing (conv_view.py, conv_marks.py)."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetricsF


def fitted_font(font: QFont, text: str, room: float) -> QFont:
    """`font`, or the same made smaller (to 4.5 pt at least) so that `text` is at most `room`
    wide."""
    width = QFontMetricsF(font).horizontalAdvance(text)
    if width <= room:
        return font
    small, size = QFont(font), font.pointSizeF() * room / width
    while True:  # type is not quite proportional to its size: a step more where needed
        small.setPointSizeF(max(4.5, size))
        if size <= 4.5 or QFontMetricsF(small).horizontalAdvance(text) <= room:
            return small
        size *= 0.95


def half_font(font: QFont, cell: float) -> QFont:
    """`font`, or smaller, so that one line of it takes at most 0.45 of a cell's height (type
    is not quite proportional to its size: a step more where needed)."""
    room = 0.45 * cell
    line = QFontMetricsF(font).height()
    if line <= room:
        return font
    f, size = QFont(font), font.pointSizeF() * room / line
    while True:
        f.setPointSizeF(max(4.0, size))
        if size <= 4.0 or QFontMetricsF(f).height() <= room:
            return f
        size *= 0.95


def fits_whole(font: QFont, texts, room: float, least_pt: float = 6.0) -> bool:
    """Whether every text fits `room` px in `font` made no smaller than `least_pt` (at 22-px
    cells a filter weight, "×−0.094", needed 4.5 pt and still ran into the next cell)."""
    for text in texts:
        f = fitted_font(font, text, room)
        if f.pointSizeF() < least_pt or QFontMetricsF(f).horizontalAdvance(text) > room:
            return False
    return True
