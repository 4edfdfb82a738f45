"""The Code panel: the few lines of NumPy that compute the current event, the line that produces
its number highlighted, the variables those lines read (shapes and values) underneath, and a
toggle to the PyTorch equivalent that says what autograd does for you. The snippet is built in
engine/numpy_engine/codegen/snippets.py; this widget only draws it.

Everything under the toggle is one rich-text document in one QTextBrowser: it is laid out once a
key press, in its own viewport. (As word-wrapped QLabels, each new text asked the window's layout
for new size hints, and the panel cost 6 ms of every key press on the spiral.) The documents of
the positions the next keys go to are made while the keys pause (`prepare`, from ahead.py) and
kept, so such a key swaps documents instead of parsing HTML (setHtml of a conv layer's snippet
was 2-3 ms of its key press, parsing and layout; QTextEdit lays out a document it is given
anew, so only the parsing is saved). A key to an event with the code and as many
variables as one shown lately (along a layer's events, the commonest key) writes the new names,
shapes and values into that document's cells instead: 0.2-0.3 ms, against 1.2 ms for a new
document (the spiral's update phase, no pause between keys) and 0.7 ms for one made ahead."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QEvent, QSizeF, Qt
from PySide6.QtGui import QTextCursor, QTextDocument, QTextTable, QTextTableCell
from PySide6.QtWidgets import QCheckBox, QDockWidget, QFrame, QTextBrowser, QVBoxLayout, QWidget

from app.shared.lru import LRU
from app.shared.theme import NORMAL, Theme
from engine.numpy_engine.codegen.snippets import Snippet, event_code

MONO = "DejaVu Sans Mono, Consolas, monospace"
SHAPE_GREY = "#8a8a8a"  # the shapes, quieter than the values on white and on black
DOCS_KEPT = 24  # parsed documents kept (the positions ahead and the last few shown)
FRAMES_KEPT = 6  # documents shown last, one a frame, kept to be written again (forward and
# backward steps alternate two or three frames: z and a, δ and ∂L/∂a)
NBSP = "\u00a0"


MARK = "▶"  # the current line's mark (the panel keeps it in sight)


class CodePanel(QWidget):
    def __init__(self, theme_of=lambda: NORMAL, parent=None):
        super().__init__(parent)
        self.theme_of = theme_of  # the window's theme now (lecturer mode changes it)
        self.on_style = lambda: None  # called when the window's style sheet changes
        self.follow = lambda: None  # show the window's current event (add_code_dock sets it)
        self.snippet: Snippet | None = None
        self.html = ""  # the document shown under the toggle (title, code, note, variables)
        self.note_shown = False  # whether the autograd note is in it (the PyTorch side)
        lay = QVBoxLayout(self)
        self.torch = QCheckBox("PyTorch")
        self.torch.setToolTip("show what PyTorch writes instead, and what autograd does for you")
        self.torch.toggled.connect(self.redraw)
        self.body = QTextBrowser()
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        self.body.setOpenLinks(False)
        self.body.viewport().setAutoFillBackground(False)
        self.body.setStyleSheet("QTextBrowser { background: transparent; }")
        lay.addWidget(self.torch)
        lay.addWidget(self.body, 1)
        self.setMinimumWidth(320)
        self._docs: LRU[QTextDocument] = LRU(DOCS_KEPT)  # parsed, by (html, font)
        self._doc = self.body.document()  # the one shown (referenced while it is shown)
        self._frames: LRU[QTextDocument] = LRU(FRAMES_KEPT)  # documents shown, by _frame_of
        self.made = 0  # documents made (for tests)
        self.retyped = 0  # keys that wrote the shown document's cells instead (for tests)
        self.body.installEventFilter(self)  # its font changes: made again (eventFilter)

    def show_snippet(self, snippet: Snippet | None) -> None:
        self.snippet = snippet
        self.redraw()

    def redraw(self) -> None:
        sn = self.snippet
        self.note_shown = sn is not None and self.torch.isChecked()
        head = self._head(sn)
        self.html = self._html(sn, head)
        frame = self._frame_of(sn, head)
        doc = self._frames.get(frame) if frame else None
        if doc is None or not self._retype(doc, sn):
            doc = self._document(self.html)
        if frame:
            self._frames.put(frame, doc)
        if doc is not self.body.document():
            self.body.setDocument(doc)
        self._doc = doc
        self._mark_in_sight()

    def _mark_in_sight(self) -> None:
        """The current line (▶) scrolled into sight: in a short panel (a lesson open beside it)
        it was cut in half at the bottom edge, or below it. Nothing moves when it is in sight."""
        cur = self._doc.find(MARK)
        if not cur.isNull():
            cur.clearSelection()
            self.body.setTextCursor(cur)
            self.body.ensureCursorVisible()

    def _frame_of(self, sn: Snippet | None, head: str) -> tuple:
        """All a document of `sn` shows but its variables' names, shapes and values: the code
        (title, lines, the current line, the note), how many variables, the look and the font.
        Two snippets with the same frame differ only in the variable table's cells."""
        if sn is None:
            return ()
        th = self.theme_of()
        return (head, len(sn.variables), th.text, code_px(th), self.body.font().toString())

    def _retype(self, doc: QTextDocument, sn: Snippet) -> bool:
        """Write `sn`'s variables into the cells of `doc` (shown last with the same frame), which
        is kept again under its new text; False where its table is not as made."""
        table = _variables_table(doc)
        if table is None or table.rows() != len(sn.variables) + 1 or table.columns() != 3:
            return False
        edit = QTextCursor(doc)
        edit.beginEditBlock()  # one relayout for every cell
        for r, v in enumerate(sn.variables, start=1):
            for c, text in enumerate(variable_cells(v)):
                _set_cell(table.cellAt(r, c), _as_html_shows(text))
        edit.endEditBlock()
        self._docs.drop_value(doc)  # kept under the text it showed before
        self._docs.put((self.html, self.body.font().toString()), doc)
        self.retyped += 1
        return True

    def prepare(self, snippet: Snippet | None) -> None:
        """Make ahead the document `snippet` would show (ahead.py), laid out at the width the
        body gives it, so that showing it lays nothing out again (setDocument: 0.18 against
        0.44 ms for a small snippet, about 1 ms less on a conv layer's). One of a frame shown
        lately is not made: its key writes that document's cells (cheaper)."""
        head = self._head(snippet)
        frame = self._frame_of(snippet, head)
        if frame and self._frames.get(frame) is not None:
            return
        doc = self._document(self._html(snippet, head))
        width = self.body.viewport().width()
        if doc.pageSize().width() != width:
            doc.setPageSize(QSizeF(width, -1))  # what QTextEdit sets; a different width redoes it
            doc.size()  # the layout, now

    def _html(self, sn: Snippet | None, head: str | None = None) -> str:
        """The document of `sn`: its code (`head`, made unless given), then its variables."""
        head = self._head(sn) if head is None else head
        return head + (variables_html(sn, self.theme_of()) if sn is not None else "")

    def _head(self, sn: Snippet | None) -> str:
        """The title, the code with its current line marked, and the PyTorch side's note."""
        th = self.theme_of()
        if sn is None:
            return _para("No event here yet: step to a number to see its code.", th)
        torch = self.torch.isChecked()
        lines = sn.torch_lines if torch else sn.lines
        current = sn.torch_current if torch else sn.current
        return (
            _para(sn.title, th)
            + code_html(lines, current, th)
            + (_para(sn.autograd, th) if torch else "")
        )

    def _document(self, text: str) -> QTextDocument:
        """The document of `text` at the body's font, parsed and kept (the least recently used
        dropped first, never the one shown)."""
        font = self.body.font()
        return self._docs.make((text, font.toString()), lambda: self._parse(text, font))

    def _parse(self, text: str, font) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(font)
        doc.setDocumentMargin(self.body.document().documentMargin())
        doc.setUndoRedoEnabled(False)  # its cells are rewritten (_retype): nothing to undo
        doc.setHtml(text)  # parsed now; laid out ahead (prepare) or when shown
        self.made += 1
        return doc

    def changeEvent(self, ev) -> None:  # noqa: N802 (Qt)
        super().changeEvent(ev)
        if ev.type() == QEvent.Type.StyleChange:  # lecturer mode's style sheet came or went
            self.on_style()
            self.redraw()

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 (Qt)
        """The body's font follows the style sheet after the panel's StyleChange: the document
        is made again at the new font (the title kept the lecturer's type until the next key)."""
        if obj is self.body and ev.type() == QEvent.Type.FontChange:
            self.redraw()
        return False


def _variables_table(doc: QTextDocument) -> QTextTable | None:
    """The document's last top-level table: its variables (variables_html)."""
    frames = doc.rootFrame().childFrames()
    return frames[-1] if frames and isinstance(frames[-1], QTextTable) else None


_HTML_SPACE = re.compile(r"[ \t\r\n]+")


def _as_html_shows(text: str) -> str:
    """`text` as Qt's HTML shows it in a cell: each run of spaces, tabs and newlines one space,
    none at the start (a no-break space is kept, and one space at the end)."""
    return _HTML_SPACE.sub(" ", text).lstrip(" ")


def _set_cell(cell: QTextTableCell, text: str) -> None:
    """The cell's text replaced by `text`, in the format of its first character."""
    first, end = cell.firstCursorPosition(), cell.lastCursorPosition().position()
    cur = QTextCursor(first)
    cur.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    if cur.selectedText() == text:
        return
    probe = QTextCursor(first)
    if first.position() < end:
        probe.movePosition(QTextCursor.MoveOperation.NextCharacter, QTextCursor.MoveMode.KeepAnchor)
    cur.insertText(text, probe.charFormat())


def _para(text: str, th: Theme) -> str:
    return f"<p style='color:{th.text}'>{html.escape(text)}</p>"


def code_html(lines, current: int, th: Theme) -> str:
    """The lines as monospaced HTML on the theme's canvas, each comment (its formula) in the
    theme's blue on the line above its code, the current line marked."""
    rows = []
    for n, line in enumerate(lines):
        code, sep, comment = line.partition("  # ")
        mark = MARK + " " if n == current else "&nbsp;&nbsp;"
        cell = ""
        if sep:
            cell += (
                f"<span style='color:{th.positive}'>&nbsp;&nbsp;# {html.escape(comment)}</span><br>"
            )
        cell += f"{mark}{html.escape(code)}"
        bg = f" bgcolor='{th.node_active}'" if n == current else ""
        rows.append(f"<tr><td{bg} style='white-space:pre-wrap'>{cell}</td></tr>")
    return (
        f"<table width='100%' cellspacing='0' cellpadding='3' bgcolor='{th.canvas}'"
        f" style='font-family:{MONO};"
        f" font-size:{code_px(th)}px; color:{th.text}'>{''.join(rows)}</table>"
    )


def code_px(th: Theme) -> int:
    """The code's pixel height: three quarters of the formula's, so a lecture's back row reads it."""
    return round(th.formula_px * 0.75)


def variables_html(sn: Snippet, th: Theme) -> str:
    """The marked line's variables: each element's name, its value and, small and grey, its
    whole array's shape ("W[0]  [2, −1]  (1, 2)"). Names and numbers are never broken (the
    wall read "0.000438" / "6" and "new W[0," / "0]"); the shape, last, may break at a comma.
    Three columns, as _retype writes them."""
    small = round(code_px(th) * 0.7)
    styles = (f"font-family:{MONO}; white-space:nowrap", "white-space:nowrap",
              f"color:{SHAPE_GREY}; font-size:{small}px")  # fmt: skip
    rows = "".join(
        "<tr>" + "".join(f"<td style='{st}'>{html.escape(t)}</td>"
                         for st, t in zip(styles, variable_cells(v), strict=True)) + "</tr>"
        for v in sn.variables
    )  # fmt: skip
    head = (
        "<tr><th align='left'>variable</th><th align='left'>value</th>"
        f"<th align='left' style='font-size:{small}px'>&nbsp;array's shape</th></tr>"
    )
    style = f"color:{th.text}; font-size:{code_px(th)}px"
    return f"<br><table cellspacing='0' cellpadding='3' style='{style}'>{head}{rows}</table>"


def variable_cells(v) -> tuple[str, str, str]:
    """A variable's three cells as shown: its name, its value, its whole array's shape ("a
    number" for a scalar: the loss, the learning rate)."""
    shape = "a number" if v.shape == "()" else v.shape
    return v.name, v.value, NBSP + shape


def snippet_of(ex, ev) -> Snippet | None:
    """The snippet of event `ev` of explainer `ex`'s step (None where the step kept no arrays)."""
    arrays = ex.current.events.arrays
    return event_code(ev, arrays) if arrays is not None else None


def add_code_dock(w) -> CodePanel:
    """The Code panel as a dock under the formula of ExplainerWindow `w`, following its events."""
    panel = CodePanel(lambda: w.theme)
    dock = QDockWidget("Code")
    dock.setObjectName("code")
    dock.setWidget(panel)
    w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    w.splitDockWidget(w.docks["Formula"], dock, Qt.Orientation.Vertical)
    w.docks["Code"] = dock

    def follow() -> None:
        """The current event's snippet, its number hidden while a question asks it (the window's
        refresh calls this after the lessons' sync, also when a question is asked or answered)."""
        ex = w.explainer
        if not dock.isVisible() or ex.net is None or ex.training:
            return
        panel.show_snippet(w.lessons.snippet(snippet_of(ex, ex.event)))

    panel.follow = follow
    dock.visibilityChanged.connect(w.guard(lambda on: on and follow()))
    lecturing = [False]

    def style_changed() -> None:
        """Entering lecturer mode hides the panel (the room reads the formula and one plot; key C
        brings the code); leaving restores the window's layout from before, this panel with it."""
        on = bool(getattr(w, "lecture", None) and w.lecture.on)
        if on and not lecturing[0]:
            dock.setVisible(False)
        lecturing[0] = on

    panel.on_style = style_changed
    w.code = panel
    return panel


def toggle_code(w) -> None:
    """Key C: the Code panel on or off; in lecturer mode it takes the side plot's place under the
    formula (key S brings a plot back)."""
    dock = w.docks["Code"]
    if dock.isVisible():
        dock.setVisible(False)
        return
    if w.lecture.on:
        dock.setFloating(False)
        dock.setTitleBarWidget(QWidget())  # as the formula's: no title bar in front of the room
        w.docks["Plots"].setVisible(False)
        w.splitDockWidget(w.docks["Formula"], dock, Qt.Orientation.Vertical)
        dock.setVisible(True)
        h = w.height()
        w.resizeDocks(
            [w.docks["Formula"], dock], [h * 45 // 100, h * 55 // 100], Qt.Orientation.Vertical
        )
        return
    dock.setVisible(True)
