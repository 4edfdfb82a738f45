"""The explainer window's first layout (no saved one yet): a wider window where the screen has
room, the plots a strip at the bottom, a Setup panel wide enough for the longest preset's name
and the whole Network table (issue 23: names were cut, the table scrolled sideways), and the
right column shared by the formula and the Code panel half and half (left to Qt, the Code
panel's text box took two thirds and the formula, the number being taught, was shrunk to its
smallest type in about 140 px; fitting it there also cost every key press four tries)."""

from __future__ import annotations

from PySide6.QtCore import Qt

FIRST_WIDTH = 1760  # px: a first window this wide where the screen has room (else 1500)
SETUP_MAX = 600  # px: the Setup panel's first width at most
SETUP_COMBO_EXTRA = 110  # px beside a preset's name: the "preset" label, the arrow, margins
SETUP_TABLE_EXTRA = 60  # px beside the Network table: the scroll area, the tab, margins


def first_width(screen_width: int) -> int:
    return max(1500, min(FIRST_WIDTH, screen_width - 80))


def arrange(w) -> None:
    """The docks' first sizes in the explainer window `w`."""
    w.resizeDocks([w.docks["Plots"]], [250], Qt.Orientation.Vertical)
    w.resizeDocks([w.docks["Setup"], w.docks["Events"]], [400, 280], Qt.Orientation.Vertical)
    w.resizeDocks(
        [w.docks["Setup"], w.docks["Formula"]], [setup_width(w), 420], Qt.Orientation.Horizontal
    )
    right = w.docks["Formula"].height() + w.docks["Code"].height()
    w.resizeDocks(
        [w.docks["Formula"], w.docks["Code"]], [right // 2, right - right // 2],
        Qt.Orientation.Vertical,
    )  # fmt: skip


def setup_width(w) -> int:
    """The Setup panel's first width: the longest preset's name in full, and the whole Network
    table without sideways scrolling (at most SETUP_MAX, a third of the window)."""
    box = w.data_panel.presets
    fm = box.fontMetrics()
    longest = max((fm.horizontalAdvance(box.itemText(i)) for i in range(box.count())), default=0)
    t = w.editor.table
    table = (
        t.verticalHeader().sizeHint().width()
        + t.horizontalHeader().length()
        + 2 * t.frameWidth()
        + t.verticalScrollBar().sizeHint().width()
    )
    need = max(longest + SETUP_COMBO_EXTRA, table + SETUP_TABLE_EXTRA, 300)
    return min(need, SETUP_MAX, w.width() // 3)
