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
    """`font`, or smaller, so that one line of it takes at most 0.45 of a cell's height."""
    f = QFont(font)
    line = QFontMetricsF(f).height()
    if line > 0.45 * cell:
        f.setPointSizeF(max(4.0, f.pointSizeF() * 0.45 * cell / line))
    return f
