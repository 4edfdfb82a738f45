"""The Code panel: the few lines of NumPy that compute the current event, the line that produces
its number highlighted, the variables those lines read (shapes and values) underneath, and a
toggle to the PyTorch equivalent that says what autograd does for you. The snippet is built in
engine/numpy_engine/codegen/snippets.py; this widget only draws it."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QCheckBox, QDockWidget, QLabel, QVBoxLayout, QWidget

from app.shared.theme import NORMAL, Theme
from engine.numpy_engine.codegen.snippets import Snippet, event_code

MONO = "DejaVu Sans Mono, Consolas, monospace"
SHAPE_GREY = "#8a8a8a"  # the shapes, quieter than the values on white and on black


class CodePanel(QWidget):
    def __init__(self, theme_of=lambda: NORMAL, parent=None):
        super().__init__(parent)
        self.theme_of = theme_of  # the window's theme now (lecturer mode changes it)
        self.on_style = lambda: None  # called when the window's style sheet changes
        self.snippet: Snippet | None = None
        lay = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.torch = QCheckBox("PyTorch")
        self.torch.setToolTip("show what PyTorch writes instead, and what autograd does for you")
        self.torch.toggled.connect(self.redraw)
        self.code = QLabel()  # sized to its lines: the variables follow right under them
        self.code.setTextFormat(Qt.TextFormat.RichText)
        self.code.setWordWrap(True)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setAutoFillBackground(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.variables = QLabel()
        self.variables.setTextFormat(Qt.TextFormat.RichText)
        self.variables.setWordWrap(True)
        self.variables.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for w in (self.title, self.torch, self.code, self.note, self.variables):
            lay.addWidget(w)
        lay.addStretch(1)
        self.setMinimumWidth(320)

    def show_snippet(self, snippet: Snippet | None) -> None:
        self.snippet = snippet
        self.redraw()

    def redraw(self) -> None:
        sn, th = self.snippet, self.theme_of()
        if sn is None:
            self.title.setText("No event here yet: step to a number to see its code.")
            for w in (self.code, self.note, self.variables):
                w.clear()
            return
        torch = self.torch.isChecked()
        lines = sn.torch_lines if torch else sn.lines
        current = sn.torch_current if torch else sn.current
        self.title.setText(f"<span style='color:{th.text}'>{html.escape(sn.title)}</span>")
        self.code.setText(code_html(lines, current, th))
        self.code.setStyleSheet(f"QLabel {{ background: {th.canvas}; padding: 6px; }}")
        self.note.setText(f"<span style='color:{th.text}'>{html.escape(sn.autograd)}</span>")
        self.note.setVisible(torch)
        self.variables.setText(variables_html(sn, th))

    def changeEvent(self, ev) -> None:  # noqa: N802 (Qt)
        super().changeEvent(ev)
        if ev.type() == QEvent.Type.StyleChange:  # lecturer mode's style sheet came or went
            self.on_style()
            self.redraw()


def code_html(lines, current: int, th: Theme) -> str:
    """The lines as monospaced HTML, each comment (its formula) in the theme's blue on the line
    above its code, the current line marked."""
    rows = []
    for n, line in enumerate(lines):
        code, sep, comment = line.partition("  # ")
        mark = "▶ " if n == current else "&nbsp;&nbsp;"
        cell = ""
        if sep:
            cell += (
                f"<span style='color:{th.positive}'>&nbsp;&nbsp;# {html.escape(comment)}</span><br>"
            )
        cell += f"{mark}{html.escape(code)}"
        bg = f" bgcolor='{th.node_active}'" if n == current else ""
        rows.append(f"<tr><td{bg} style='white-space:pre-wrap'>{cell}</td></tr>")
    return (
        f"<table width='100%' cellspacing='0' cellpadding='3' style='font-family:{MONO};"
        f" font-size:{code_px(th)}px; color:{th.text}'>{''.join(rows)}</table>"
    )


def code_px(th: Theme) -> int:
    """The code's pixel height: three quarters of the formula's, so a lecture's back row reads it."""
    return round(th.formula_px * 0.75)


def variables_html(sn: Snippet, th: Theme) -> str:
    rows = "".join(
        f"<tr><td style='font-family:{MONO}'>{html.escape(v.name)}</td>"
        f"<td style='color:{SHAPE_GREY}'>&nbsp;{html.escape(v.shape)}"
        f"&nbsp;</td><td>{html.escape(v.value)}</td></tr>"
        for v in sn.variables
    )
    head = "<tr><th align='left'>variable</th><th align='left'>&nbsp;shape</th><th align='left'>value</th></tr>"
    style = f"color:{th.text}; font-size:{code_px(th)}px"
    return f"<table cellspacing='0' cellpadding='3' style='{style}'>{head}{rows}</table>"


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
        ex = w.explainer
        if not dock.isVisible() or ex.net is None or ex.training:
            return
        arrays = ex.current.events.arrays
        panel.show_snippet(event_code(ex.event, arrays) if arrays is not None else None)

    w.explainer.changed.connect(w.guard(follow))
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
