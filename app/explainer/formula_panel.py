"""The current event's formula, typeset: its symbols, the same with numbers, and the value it gives.

Every line comes from the one source (engine/numpy_engine/handout.event_lines, translated by
latex.py) and is typeset by app/shared/typeset.py in its own process; a line not typeset yet shows its plain notation for
a frame or two. The events ahead of the cursor are typeset while the learner reads this one.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPalette, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from app.shared.lru import LRU
from app.shared.theme import Theme
from app.shared.typeset import typesetter
from engine.numpy_engine.formula_lines import typeset_len
from engine.numpy_engine.handout import event_lines

from .formula_fit import DIGIT, MIN_SHRINK, FormulaFit, detail_font
from .lesson_hide import HIDDEN, hide_in_lines, hide_in_note

AHEAD_DELAY_MS = 40  # the events ahead are typeset once the keys pause this long
PIXMAPS_KEPT = 400  # lines kept as ready-to-draw pixmaps
LINES_KEPT = 256  # events' lines kept, broken at a line length


class FormulaPanel(FormulaFit, QScrollArea):
    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.theme = theme
        self.typesetter = typesetter()
        self.typesetter.ready.connect(self._typeset_ready)
        self.setWidgetResizable(True)
        inner = QWidget()
        inner.setObjectName("formulaInner")
        lay = QVBoxLayout(inner)
        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.lines_box = QVBoxLayout()
        self.lines_box.setSpacing(6)
        self.line_labels: list[QLabel] = []
        self.note = QLabel()
        self.detail = QLabel()
        for w in (self.note, self.detail):
            w.setWordWrap(True)
            w.setTextFormat(Qt.TextFormat.RichText)
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setWordWrap(False)
        lay.addWidget(self.header)
        lay.addLayout(self.lines_box)
        lay.addWidget(self.note)
        lay.addWidget(self.detail)
        lay.addStretch(1)
        self.setWidget(inner)
        self.setMinimumWidth(360)
        self._shown: list[tuple[str, str]] = []  # (line in the trace's notation, colour)
        self._missing = 0  # lines on screen still waiting for the typesetter
        self._ahead = ()  # the events ahead, or a function that gives them
        self._event, self._position, self._sample_named = None, "", False
        self.hide_value = False  # a question asks this event's number: it is not shown
        self._chars = 0.0  # the line length the shown lines were broken at (typeset_len)
        self.px = theme.formula_px  # the type size of the shown lines (fitted to the panel)
        self._pixmaps: dict[tuple, QPixmap] = {}
        self._lines_kept: LRU[object] = LRU(LINES_KEPT)  # event_lines by event and line length
        self._header_heights: LRU[int] = LRU(64)  # by the header's text, digits as 0, and font
        self._wrapped: LRU[int] = LRU(128)  # _pin_heights': by text, font and width
        self._ahead_timer = QTimer(self)
        self._ahead_timer.setSingleShot(True)
        self._ahead_timer.setInterval(AHEAD_DELAY_MS)
        self._ahead_timer.timeout.connect(self._want_ahead)
        self._ahead_step = QTimer(self)  # one event ahead a turn of the event loop
        self._ahead_step.setInterval(0)
        self._ahead_step.timeout.connect(self._fit_next)
        self._ahead_events = iter(())
        self._ahead_keys: list[tuple] = []
        self._result_timer = QTimer(self)  # once the lines are laid out: scroll to the result
        self._result_timer.setSingleShot(True)
        self._result_timer.setInterval(0)
        self._result_timer.timeout.connect(self._show_result)

    def set_theme(self, theme: Theme) -> None:
        """The theme's background, set as a palette (a style sheet here restyled every line of
        the panel through Qt's slower style-sheet painting, on every key press)."""
        self.theme = theme
        for w in (self.viewport(), self.widget()):
            _set_colour(w, QPalette.ColorRole.Window, theme.window)
            w.setAutoFillBackground(True)

    # ---- what to show ----
    def lines(self, ev, chars: float | None = None) -> list[tuple[str, str]]:
        """(line, colour) of each line the panel shows for an event, broken at `chars` (the
        shown line length by default): the line in the trace's notation, which the typesetting
        process translates to LaTeX and sets (no translation on a key press)."""
        t = self._event_lines(ev, chars or self._chars or self._line_chars())
        text = self.theme.text
        out = [(line, text) for line in (*t.formula, *t.numbers)]
        out.append((t.value, self.theme.phase_colour(ev.phase)))
        return hide_in_lines(ev, out) if self.hide_value and ev is self._event else out

    def _event_lines(self, ev, chars: float):
        """event_lines of `ev` broken at `chars`, kept: a key press asks for the same event's
        lines several times (fitting its size, then showing it) and the events typeset ahead
        are asked for again when their key comes."""
        key = (ev.symbol, ev.formula, ev.substituted, ev.value, chars)
        return self._lines_kept.make(key, lambda: event_lines(ev, chars, typeset_len))

    def show_event(self, ev, position: str, ahead=(), sample_named: bool = False) -> None:
        """Show `ev`; `ahead` gives the events the learner is likely to go to next (a list, or
        a function called only once the keys pause: building an event costs up to 2 ms);
        `sample_named`: the position already names the chosen sample."""
        th = self.theme
        small = th.note_pt
        sample = _sample_words(ev, sample_named, position)
        self.header.setText(
            f"<span style='font-size:{small}pt; color:{self.theme.phase_colour(ev.phase)}; "
            f"font-weight:bold'>{ev.phase.upper()}</span><span style='font-size:{small}pt; "
            f"color:{th.text}'>{sample} · {html.escape(position)}</span>"
        )
        self._event, self._position, self._sample_named = ev, position, sample_named
        self.px, self._chars = self._fit(ev)
        self._shown = self.lines(ev)
        self._draw_lines()
        note = hide_in_note(ev, ev.note) if self.hide_value else ev.note
        self.note.setText(
            f"<i style='font-size:{small}pt; color:{th.text}'>{html.escape(note)}</i>"
            if note
            else ""
        )
        self._show_detail(ev, small)
        self._pin_heights()
        px = self.px
        self.typesetter.want([(line, px, c) for line, c in self._shown], self.devicePixelRatioF())
        self._ahead = ahead
        self._ahead_step.stop()
        self._ahead_timer.start()  # when the keys pause: typeset ahead while this one is read

    def _want_ahead(self) -> None:
        """The keys paused: typeset the events ahead, the likeliest first, each at the size it
        will be shown at (a long formula is fitted smaller; the fitting is kept for its key).
        One event a turn of the event loop (_fit_next): a key pressed meanwhile waits for one."""
        self._ahead_keys = [(line, self.px, c) for line, c in self._shown]
        self._ahead_events = iter(self._ahead() if callable(self._ahead) else self._ahead)
        self._ahead_step.start()

    def _fit_next(self) -> None:
        e = next(self._ahead_events, None) if self.isVisible() else None
        if e is None:  # all taken, or the window closed (the typesetter serves others)
            self._ahead_step.stop()
            return
        size, chars = self._fit(e)
        self._ahead_keys += [(line, size, c) for line, c in self.lines(e, chars)]
        self.typesetter.want(self._ahead_keys, self.devicePixelRatioF())

    def _show_detail(self, ev, small: int) -> None:
        """The optimizer's state of an update, as plain aligned text (a rich-text table cost
        about 2 ms of every key press of the update phase)."""
        if ev.phase == "update" and ev.detail:
            width = max(len(k) for k in ev.detail)
            hide = self.hide_value and ev is self._event  # a question asks the new value
            rows = "\n".join(
                f"  {k:<{width}}  {HIDDEN if hide and k == 'new' else f'{v:.6g}'}"
                for k, v in ev.detail.items()
            )
            self.detail.setText(f"optimizer state:\n{rows}")
            f = detail_font(small)
            if self.detail.font() != f:
                self.detail.setFont(f)
            _set_colour(self.detail, QPalette.ColorRole.WindowText, self.theme.text)
        else:
            self.detail.setText("")

    def _draw_lines(self) -> None:
        while len(self.line_labels) < len(self._shown):
            lab = QLabel()
            lab.setTextFormat(Qt.TextFormat.PlainText)
            self.lines_box.addWidget(lab)
            self.line_labels.append(lab)
        px = self.px
        room = max(100, self._room().width() - 30)
        self._missing = 0
        for k, lab in enumerate(self.line_labels):
            if k >= len(self._shown):
                if not lab.isHidden():
                    lab.hide()
                    lab.setProperty("shows", None)
                continue
            line, colour = self._shown[k]
            img = self.typesetter.image(line, px, colour, self.devicePixelRatioF())
            shows = (line, colour, px, img is not None, room)
            self._missing += img is None
            if lab.property("shows") == shows and not lab.isHidden():
                continue  # the same line as before (a symbolic line repeats): no relayout
            lab.setProperty("shows", shows)
            if img is None:  # until it is typeset: the line as the trace writes it
                _plain_look(lab, px, colour)
                lab.setText(line)
            else:
                lab.setPixmap(self._fitted(line, colour, img, room))
            lab.show()
        if self._shown:  # the result line is always in sight, whatever scrolls
            self._result_timer.start()

    def _show_result(self) -> None:
        """Scroll up or down to the result line, and back to the lines' start: a label is as wide
        as the widest line, and ensureWidgetVisible centred one wider than the panel, which
        hid the start of every line and of the header."""
        k = len(self._shown) - 1
        if 0 <= k < len(self.line_labels) and self.line_labels[k].isVisible():
            lab = self.line_labels[k]
            middle = lab.y() + lab.height() // 2
            self.ensureVisible(0, middle, 0, lab.height() // 2 + 10)

    def _fitted(self, tex: str, colour: str, img, room: int) -> QPixmap:
        """The line's image as a pixmap no wider than the panel (down to MIN_SHRINK, then it
        scrolls), kept for the next time the same line is shown at the same width."""
        key = (tex, colour, img.cacheKey(), room)
        pm = self._pixmaps.get(key)
        if pm is None:
            pm = QPixmap.fromImage(img)
            logical = img.width() / img.devicePixelRatio()
            if logical > room:
                w = round(img.width() * max(MIN_SHRINK, room / logical))
                pm = pm.scaledToWidth(w, Qt.TransformationMode.SmoothTransformation)
            if len(self._pixmaps) > PIXMAPS_KEPT:
                self._pixmaps.clear()
            self._pixmaps[key] = pm
        return pm

    def _typeset_ready(self) -> None:
        if self._missing:
            self._draw_lines()

    def resizeEvent(self, ev) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(ev)
        self._cap_text_width()
        if not self._shown or self._event is None:
            return
        if self._fit(self._event) != (self.px, self._chars):  # another size: break them again
            self.show_event(self._event, self._position, self._ahead, self._sample_named)
        elif ev.size().width() != ev.oldSize().width():
            self._draw_lines()  # the same lines, fitted to the new width

    def _cap_text_width(self) -> None:
        """The header and the note wrap at the panel's width, not at the widest formula line's (a
        line wider than the panel widens the box of lines, and their ends were cut off)."""
        m = self.widget().layout().contentsMargins()
        width = max(100, self._room().width() - m.left() - m.right())
        for lab in (self.header, self.note):
            if lab.maximumWidth() != width:
                lab.setMaximumWidth(width)
        self._pin_heights()

    def _pin_heights(self) -> None:
        """The header and the note at least as tall as they wrap at their capped width. The
        box of lines may be wider than the panel (a long formula scrolls), and the layout asked
        their heights at its own width: one line each where they wrapped to two or three, and
        the formula's lines were squeezed by the difference (their brackets' feet cut off). The
        heights are kept by text (digits as 0, all one width), font and width."""
        for lab in (self.header, self.note):
            width, text = lab.maximumWidth(), lab.text()
            key = (DIGIT.sub("0", text), lab.font().key(), width)
            h = (
                self._wrapped.make(key, lambda lab=lab, w=width: lab.heightForWidth(w))
                if text
                else 0
            )
            if lab.minimumHeight() != max(0, h):
                lab.setMinimumHeight(max(0, h))

    # ---- for tests and the clipboard ----
    def plain_text(self) -> str:
        """What the panel shows, in the trace's plain notation."""
        ev, position = self._event, self._position
        if ev is None:
            return ""
        return "\n".join(
            [ev.phase.upper() + _sample_words(ev, self._sample_named, position) + " · " + position]
            + [ev.formula.replace(";  ", "\n"), "= " + ev.substituted.replace(";  ", "\n")]
            + [ev.note]
        )

    def typeset_lines(self) -> int:
        """How many of the shown lines are typeset images now."""
        return sum(1 for lab in self.line_labels[: len(self._shown)] if not lab.pixmap().isNull())


def _plain_look(lab: QLabel, px: int, colour: str) -> None:
    """A line's plain notation in the formula's size and colour (a font and a palette, set only
    when they change: a style sheet per line would restyle the panel on every key press)."""
    if lab.property("look") == (px, colour):
        return
    f = lab.font()
    f.setPixelSize(px)
    lab.setFont(f)
    _set_colour(lab, QPalette.ColorRole.WindowText, colour)
    lab.setProperty("look", (px, colour))


def _set_colour(w, role: QPalette.ColorRole, colour: str) -> None:
    """One colour of a widget's palette (set only when it changes: a new palette repaints)."""
    pal = w.palette()
    if pal.color(role) != QColor(colour):
        pal.setColor(role, QColor(colour))
        w.setPalette(pal)


def _sample_words(ev, sample_named: bool, position: str = "") -> str:
    """Which data row the event is about, unless the position (a chosen sample) says it; an
    event of the whole batch says so, but not where the batch is one sample (the position ends
    "· single sample": the header read "whole batch · … · single sample")."""
    if ev.sample is None:
        return "" if "· single sample" in position else " · whole batch"
    return "" if sample_named else f" · sample {ev.sample}"
