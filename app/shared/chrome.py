"""The windows' chrome drawn flat: scroll bars, tool bars and tab panes.

Fusion draws these with gradients, and a repaint of the whole explainer window spent about a
quarter of its time on them (bench/digit_step.py with a per-widget paint profile: a scroll bar
0.5-0.9 ms a paint, the stepping tool bar 0.8 ms, the tab pane 0.6 ms). Each gets a small style
sheet of its own, in the theme's colours: flat colours cost a few microseconds, and in lecturer
mode the scroll bars are dark on the black wall instead of Fusion's light grey.

A sheet is set on each widget, never on the window: a window-wide sheet sends every widget's
painting through Qt's style-sheet style. `flat_chrome` runs when a window is built and when its
theme changes; a scroll area made later takes the flat look at the next change of theme and
Fusion's until then."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QScrollBar, QTabWidget, QToolBar, QWidget

from app.shared.theme import Theme

SCROLL_BAR = (
    "QScrollBar {{ background: {groove}; border: none; margin: 0; }}"
    "QScrollBar:vertical {{ width: {w}px; }}"
    "QScrollBar:horizontal {{ height: {w}px; }}"
    "QScrollBar::handle {{ background: {handle}; border-radius: {r}px; margin: 2px; }}"
    "QScrollBar::handle:vertical {{ min-height: {m}px; }}"
    "QScrollBar::handle:horizontal {{ min-width: {m}px; }}"
    "QScrollBar::handle:hover, QScrollBar::handle:pressed {{ background: {hover}; }}"
    "QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; border: none; }}"
    "QScrollBar::add-page, QScrollBar::sub-page {{ background: none; }}"
)
TOOL_BAR = "QToolBar {{ background: {bg}; border: none; }}"
TAB_PANE = "QTabWidget::pane {{ border: 1px solid {line}; }}"


def scroll_bar_sheet(theme: Theme) -> str:
    """A flat scroll bar: the handle in the node border's grey (3.3:1 on the normal window, 6:1
    on black), the text colour under the mouse, no arrow buttons. The same size in both looks:
    a size that changed with the look left the docks' minimum sizes stale after lecturer mode,
    and Esc must restore the exact layout (tests/app/test_lecturer_mode.py)."""
    return SCROLL_BAR.format(
        groove=theme.window, handle=theme.node_border, hover=theme.text, w=12, r=4, m=28
    )


def flat_chrome(root: QWidget, theme: Theme) -> None:
    """Give every scroll bar, tool bar and tab pane under `root` its flat sheet in `theme`."""
    sheets = {
        QScrollBar: scroll_bar_sheet(theme),
        QToolBar: TOOL_BAR.format(bg=theme.window),
        QTabWidget: TAB_PANE.format(line=theme.muted),
    }
    for kind, sheet in sheets.items():
        for w in root.findChildren(kind):
            if w.styleSheet() != sheet:
                w.setStyleSheet(sheet)


def column_scroll(widget: QWidget) -> QScrollArea:
    """`widget` in a scroll area that scrolls it up and down only, without a frame: a dock's
    column of texts and controls (the Data tab, the Landscape's side, the Lesson dock)."""
    box = QScrollArea()
    box.setWidgetResizable(True)
    box.setFrameShape(QFrame.Shape.NoFrame)
    box.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    box.setWidget(widget)
    return box
