"""How big the formula panel's type is and how tall its parts are (a part of FormulaPanel;
needs its `theme`, `header`, `px`, `_event_lines` and `_header_heights`): the type size at which
an event's lines, broken to the panel's width, fit its height, the optimizer state allowed to
scroll below rather than shrink the formula too far."""

from __future__ import annotations

import re

from PySide6.QtCore import QSize
from PySide6.QtGui import QFont, QFontMetricsF

from app.shared.screen import QWIDGETSIZE_MAX
from engine.numpy_engine.handout import LINE_WIDTH

MIN_LINE_CHARS = 20  # a narrower panel scrolls rather than break lines shorter (30 had left the
# wall's 30-character lines of numbers unbroken, scaled down to the panel's width)
MIN_SHRINK = 0.6  # a line wider than the panel is scaled down to this at most, then scrolls
CHAR_WIDTH = 0.48  # a typeset character of the main line, in type sizes (numbers take 0.48-0.51,
# symbols and fractions 0.38-0.45: 0.42 broke the numbers too late)
LECTURER_UP = 1.5  # lecturer mode: the type grows up to this to fill a tall panel
FIT_STEP = 0.88  # the type shrinks by this step until the formula fits the panel's height
STATE_YIELD = 0.85  # below this share of its size the formula no longer shrinks to make room for
# the optimizer state under it (the numbers asked were 13 px under a 5-row state of 16 px type)
DIGIT = re.compile(r"\d")  # a label's digits, all one width in the panel's fonts


def line_chars(room: float, px: float) -> float:
    """How many characters of the main line (typeset_len) make one line `room` px wide at type
    size `px` (between MIN_LINE_CHARS and LINE_WIDTH)."""
    return max(MIN_LINE_CHARS, min(LINE_WIDTH, room / (CHAR_WIDTH * px)))


class FormulaFit:
    def _line_chars(self, px: float | None = None) -> float:
        """How many characters of the main line (typeset_len) make one line at this panel's
        width at type size `px` (the shown size by default)."""
        return line_chars(max(100, self._room().width() - 30), px or self.px)

    def _room(self):
        """The viewport's size with room for a vertical scroll bar always set aside and no
        horizontal one: a fit must not depend on whether the event shown now needed a bar (the
        event fitted ahead got 12 px more or less room, and so another size, than when shown)."""
        return self.maximumViewportSize() - QSize(self.verticalScrollBar().sizeHint().width(), 0)

    def _fit(self, ev) -> tuple[int, float]:
        """(type size, line length) for `ev`: the theme's size (up to LECTURER_UP times it in
        lecturer mode, where the panel may be the screen's height), made smaller step by step
        until its lines, broken to the panel's width, fit the panel's height (to MIN_SHRINK)."""
        base = self.theme.formula_px
        px = base * (LECTURER_UP if self.theme.name == "lecturer" else 1.0)
        room = self._room().height() - self._header_height() - 40
        room -= 2 * self.theme.note_pt * bool(ev.note)
        shown_detail = ev.detail if ev.phase == "update" else ()  # only an update shows its state
        state = self._detail_height(len(shown_detail or ()))
        while True:
            size = 2 * round(px / 2)  # even sizes only: fewer distinct lines to typeset
            chars = self._line_chars(size)
            t = self._event_lines(ev, chars)
            need = sum(line_height(line, size) for line in (*t.formula, *t.numbers, t.value))
            smaller = px * FIT_STEP
            if need + state <= room or smaller < base * MIN_SHRINK:
                return size, chars
            if need <= room and smaller < base * STATE_YIELD:  # the state scrolls below
                return size, chars
            px = smaller

    def _detail_height(self, rows: int) -> int:
        """The optimizer state's height: its title and `rows` lines at the note's size (8 px a
        row had been counted: on the wall its last line, "new", was cut off)."""
        if not rows:
            return 0
        return round((rows + 1) * QFontMetricsF(detail_font(self.theme.note_pt)).lineSpacing()) + 6

    def _header_height(self) -> int:
        """The header's height as it wraps at its capped width (_cap_text_width), kept: a key's
        header differs from the last one's in its numbers, whose digits are all one width in the
        panel's fonts, so it wraps the same (the hint of rich text cost 0.3 ms of each key
        press). Its size hint wraps at a width of its own: at 1366 x 768 it said 76 px for a
        header of 38, and the formula was fitted to 38 px less than it had."""
        h = self.header
        width = h.maximumWidth()
        key = (DIGIT.sub("0", h.text()), h.font().key(), width)
        if width >= QWIDGETSIZE_MAX:  # not capped yet: the hint
            return self._header_heights.make(key, lambda: h.sizeHint().height())
        return self._header_heights.make(key, lambda: h.heightForWidth(width))


def detail_font(pt: int) -> QFont:
    """The optimizer state's type: monospaced, its columns aligned."""
    f = QFont("DejaVu Sans Mono")
    f.setPointSize(pt)
    return f


def line_height(line: str, px: float) -> float:
    """About how tall a line is typeset: indices and fractions make it taller than its type.
    Measured on the presets' lines typeset at 22 px (heights over the type size, median / 90th
    percentile): fractions and ∂ 2.68 / 2.77, indices 1.41 / 1.50, plain 1.00 / 1.14. The line
    spacing (6 px) comes on top."""
    tall = 2.8 if "/" in line or "∂" in line else 1.5 if "[" in line else 1.15
    return tall * px + 6
