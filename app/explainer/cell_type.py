"""Type that fits a drawing's cell: as wide as the cell allows, or half as tall as it is (a
filter weight under its cell's value). Used by the image drawing (conv_view.py, conv_marks.py)."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetricsF


def _shrunk(font: QFont, measure, room: float, floor: float) -> QFont:
    """`font`, or the same made smaller (to `floor` pt at least) until measure(font) <= room.
    Type is not quite proportional to its size: from the proportional guess, a step more where
    needed."""
    got = measure(font)
    if got <= room:
        return font
    small, size = QFont(font), font.pointSizeF() * room / got
    while True:
        small.setPointSizeF(max(floor, size))
        if size <= floor or measure(small) <= room:
            return small
        size *= 0.95


def fitted_font(font: QFont, text: str, room: float) -> QFont:
    """`font`, or the same made smaller (to 4.5 pt at least) so that `text` is at most `room`
    wide."""
    return _shrunk(font, lambda f: QFontMetricsF(f).horizontalAdvance(text), room, 4.5)


def half_font(font: QFont, cell: float) -> QFont:
    """`font`, or smaller (to 4 pt at least), so that one line of it takes at most 0.45 of a
    cell's height."""
    return _shrunk(font, lambda f: QFontMetricsF(f).height(), 0.45 * cell, 4.0)


def fits_whole(font: QFont, texts, room: float, least_pt: float = 6.0) -> bool:
    """Whether every text fits `room` px in `font` made no smaller than `least_pt` (at 22-px
    cells a filter weight, "×−0.094", needed 4.5 pt and still ran into the next cell)."""
    for text in texts:
        f = fitted_font(font, text, room)
        if f.pointSizeF() < least_pt or QFontMetricsF(f).horizontalAdvance(text) > room:
            return False
    return True
