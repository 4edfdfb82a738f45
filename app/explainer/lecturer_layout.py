"""Lecturer mode's arrangement of the explainer window, for a projector at the back of a room.

The drawing fills the wall; beside it stand the formula and one plot (the loss curve or the data
with the decision map; key S cycles loss → data → none). The step controls float over the drawing:
showing or hiding them (lecturer.AutoHide, on mouse moves) moves nothing. Saving and restoring
the window, the theme of the whole window and filling the screen are app/shared/lecturer's
LecturerMode, the one mechanism both windows use; this is only the explainer's arrangement."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt, QTimer
from PySide6.QtWidgets import QTabBar, QWidget

from app.shared.lecturer import LecturerMode, fill_screen
from app.shared.theme import LECTURER, Theme

from .lesson_dock import lesson_need

SIDE_PLOTS = ("loss", "data", None)  # what key S shows beside the drawing, in turn
COLUMN_SHARE = 0.34  # of the screen's width: the formula and the side plot, one above the other
FORMULA_SHARE = 0.58  # of that column's height while a plot is shown
FORMULA_WALL = 250  # px: a lesson's formula gets at least this before a side plot is shown
LANDSCAPE_SHARE = 0.45  # of the screen's height for the Landscape dock, when it is open
LANDSCAPE_LEAST = 480  # px: on a low wall (768) 0.45 left its loss per step a line, up to
LANDSCAPE_MOST = 0.62  # this share of the height (the two-input drawing still reads above)
DRAWING_LEAST, DRAWING_LOW = 300, 200  # px: the drawing's least height; with the Landscape open
MARGIN = 16  # pixels between the floating controls and the drawing's bottom edge
OVERLAY_STYLE = (
    "QToolBar#stepping { background: rgba(40, 40, 40, 215); border: 2px solid #8a8a8a;"
    " border-radius: 10px; padding: 4px; }"
    " QToolBar#stepping QLabel, QToolBar#stepping QToolButton { color: #ffffff; }"
)


def landscape_height(wall: int) -> int:
    """The Landscape dock's height on a wall `wall` pixels high."""
    share = min(LANDSCAPE_MOST, max(LANDSCAPE_SHARE, LANDSCAPE_LEAST / max(1, wall)))
    return round(wall * share)


class LecturerLayout(LecturerMode):
    """Enters and leaves lecturer mode for an ExplainerWindow `window`."""

    hide_status = True

    def __init__(self, window):
        super().__init__(window)
        self.side = 0  # index into SIDE_PLOTS
        landscape = window.docks.get("Landscape")  # made before this: shown or closed on the wall
        if landscape is not None:
            landscape.visibilityChanged.connect(self._landscape_changed)

    # ---- entering ----
    def enter(self, rect: QRect | None) -> None:
        w = self.w
        w.welcome.dismiss()  # whoever goes full screen has found the first step
        w.docks["Setup"].setVisible(False)
        w.docks["Events"].setVisible(False)
        formula, plots = w.docks["Formula"], w.docks["Plots"]
        for dock in (formula, plots):
            dock.setFloating(False)
            dock.setTitleBarWidget(QWidget())  # no title bars: room for the formula
        lesson = w.docks.get("Lesson")
        self.place_column(lesson is not None and lesson.isVisible())
        formula.setVisible(True)
        self._float_controls(True)
        self._show_side()
        self.fill(rect or w.screen().geometry())
        w.autohide.set_enabled(True)
        w.wall_notice.start()
        QTimer.singleShot(0, self._hide_stale_tab_bars)  # once the layout has settled

    def place_column(self, with_lesson: bool) -> None:
        """The column beside the drawing, top to bottom: the Lesson dock (`with_lesson`, and not
        floating), the formula, the side plot. On a short window the lesson is a tab over Setup
        (lesson_dock._lesson_over_setup): on the wall it comes above the formula, also when it
        is opened there (it had stood at the left edge, full height, the drawing 420 px wide).
        Leaving lecturer mode puts back the window's own arrangement."""
        w = self.w
        formula, plots, lesson = w.docks["Formula"], w.docks["Plots"], w.docks.get("Lesson")
        right = Qt.DockWidgetArea.RightDockWidgetArea
        w.addDockWidget(right, formula)
        if with_lesson and lesson is not None and not lesson.isFloating() \
                and w.dockWidgetArea(lesson) != right:  # fmt: skip
            w.addDockWidget(right, lesson)
            w.splitDockWidget(lesson, formula, Qt.Orientation.Vertical)
        w.splitDockWidget(formula, plots, Qt.Orientation.Vertical)

    def _hide_stale_tab_bars(self) -> None:
        """The tab bar of the Plots' group below the drawing (the Landscape tabbed over them),
        laid out again in the lecturer's type before the Plots moved beside the drawing, stays
        shown by Qt over the Landscape dock's map. No dock is tabbed on the wall: a tab bar of
        the window's own is stale then, and hidden (hidden, not deleted: Qt keeps it)."""
        w = self.w
        if not self.on or any(w.tabifiedDockWidgets(d) for d in w.docks.values()):
            return
        for bar in w.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            bar.hide()

    def fill(self, rect: QRect) -> None:
        """Full screen when `rect` is the screen's geometry, else exactly `rect` (part of a
        screen, or a wall of two); the drawing takes most of it."""
        self.arrange(fill_screen(self.w, rect))

    def arrange(self, rect: QRect) -> None:
        """The column beside the drawing: the Lesson dock (when open) as tall as its texts need,
        then the formula, with FORMULA_SHARE of what is left when a plot is shown below it; the
        Landscape dock (when open) under both, LANDSCAPE_SHARE of the height and at least
        LANDSCAPE_LEAST pixels (landscape_height). The formula got a sliver of two lines when
        the Lesson and the Landscape docks were open too."""
        w = self.w
        formula, lesson = w.docks["Formula"], w.docks.get("Lesson")
        w.resizeDocks([formula], [round(rect.width() * COLUMN_SHARE)], Qt.Orientation.Horizontal)
        column = rect.height()
        self._drawing_floor(DRAWING_LOW if self._landscape_open() else DRAWING_LEAST)
        if self._landscape_open():  # docked below: its plots readable, and low enough that
            # its three plots stand side by side (the height the controls' strip once kept)
            h = min(landscape_height(rect.height()), column - DRAWING_LOW - self._strip()[1])
            w.resizeDocks([w.docks["Landscape"]], [h], Qt.Orientation.Vertical)
            column -= h
        docks, sizes = [formula], [column]
        if lesson is not None and lesson.isVisible() and not lesson.isFloating():
            need = lesson_need(lesson)
            docks, sizes = [lesson, formula], [need, column - need]
        plots = w.docks["Plots"]
        self._show_side(crowded=self._crowded(column))  # decided afresh: room may have come back
        if plots.isVisible():
            h = round(sizes[-1] * FORMULA_SHARE)
            docks, sizes = [*docks, w.docks["Plots"]], [*sizes[:-1], h, sizes[-1] - h]
        w.resizeDocks(docks, sizes, Qt.Orientation.Vertical)
        self._place_controls()

    def _drawing_floor(self, height: int) -> None:
        """The drawing's least height (both views'): lower while the Landscape dock shares a
        low wall with it (the drawing and its controls' strip held 443 of 768 pixels)."""
        views = [v for v in (self.w.view, self.w.conv_view) if v.minimumHeight() != height]
        for view in views:
            view.setMinimumHeight(height)
        if views and self.on:  # the docks' sizes again once Qt knows the new least height
            QTimer.singleShot(0, self.w.guard(self._rearrange))

    # ---- the side plot ----
    def cycle_side(self) -> None:
        """Key S: the loss curve, then the data with the decision map, then no plot."""
        if not self.on:
            self.w.statusBar().showMessage("the side plot belongs to lecturer mode (F11)", 5000)
            return
        if self._landscape_open():
            self.w.statusBar().showMessage(
                "the Landscape's plots stand in for the side plot; close it (its ×) for yours", 5000
            )
            return
        if self._crowded(self.w.height()):
            self.w.statusBar().showMessage(
                "the formula needs the room beside the lesson; close the lesson (L) for the plot",
                5000,
            )
            return
        self.side = (self.side + 1) % len(SIDE_PLOTS)
        self._show_side()
        if SIDE_PLOTS[self.side] is not None:
            self.arrange(self.w.geometry())

    def _landscape_changed(self, _visible: bool) -> None:
        """The Landscape dock opened or closed on the wall: the side plot gives way to it, or
        comes back, and the column is arranged again (once the docks have settled)."""
        if self.on:
            QTimer.singleShot(0, self.w.guard(self._rearrange))

    def _rearrange(self) -> None:
        if self.on:
            self._show_side()
            self.arrange(self.w.geometry())

    def _landscape_open(self) -> bool:
        d = self.w.docks.get("Landscape")
        return d is not None and d.isVisible() and not d.isFloating()

    def _crowded(self, column: int) -> bool:
        """A lesson open in a column of `column` px that would leave the formula less than
        FORMULA_WALL beside the side plot (at 1366x768 it had 95 px, its header and symbols
        scrolled away, under the lesson and the loss plot): the formula comes first."""
        lesson, plots = self.w.docks.get("Lesson"), self.w.docks["Plots"]
        if lesson is None or not lesson.isVisible() or lesson.isFloating():
            return False
        rest = column - lesson_need(lesson) - plots.minimumSizeHint().height()
        return rest < FORMULA_WALL

    def _show_side(self, crowded: bool = False) -> None:
        """The side plot S chose, unless the Landscape dock is open below (its plots stand in,
        and the column keeps its height for the formula: with the Lesson dock open too, the
        side plot's minimum left the formula two lines) or a lesson crowds the column."""
        which = None if self._landscape_open() or crowded else SIDE_PLOTS[self.side]
        if which is not None:
            self.w.plots.show_only(which)
        self.w.docks["Plots"].setVisible(which is not None)

    # ---- the floating controls ----
    def _float_controls(self, on: bool) -> None:
        """The step controls as an overlay on the drawing (a child of the central stack, outside
        its layout), or back in their tool bar."""
        w, bar = self.w, self.w.toolbar
        if on:
            w.removeToolBar(bar)
            bar.setParent(w.stack)
            bar.setStyleSheet(OVERLAY_STYLE)
            w.controls.position_on_its_own_line(True)
            w.stack.installEventFilter(self)
            bar.show()
            bar.raise_()
            self._place_controls()
        else:
            w.stack.removeEventFilter(self)
            w.stack.setContentsMargins(0, 0, 0, 0)
            w.controls.position_on_its_own_line(False)
            w.controls.fit_width(1 << 20)  # the tool bar's two rows again
            bar.setStyleSheet("")
            w.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
            bar.show()

    def _strip(self) -> tuple[int, int]:
        """(width, height) of the floating controls fitted to the drawing's width: the whole
        of it, so the position line ("step 1 · event 4,033 / 8,317 · mini-batch of 4 · loss
        0.6937") is read in full, not elided; too narrow, the play controls take a row of their
        own. The height with the margins above and below it."""
        width = max(0, self.w.stack.width() - 2 * MARGIN)
        self.w.controls.fit_width(width)
        return width, self.w.toolbar.sizeHint().height() + 2 * MARGIN

    def _place_controls(self) -> None:
        if not self.on:
            return
        stack, bar = self.w.stack, self.w.toolbar
        area = stack.rect()
        width, strip = self._strip()
        height = min(area.height(), strip - 2 * MARGIN)
        bar.setGeometry(MARGIN, max(0, area.height() - height - MARGIN), width, height)
        # the drawing ends above the controls' strip, shown or hidden: they never cover a map
        # or the caption, and showing them moves nothing. Not with the Landscape dock open, or
        # where the drawing would be under its least height: at 768 the strip took 180 of 378
        # px and the drawing was a 200-px sliver over a black band; there the controls, shown
        # while the mouse moves, cover its bottom instead
        reserve = height + 2 * MARGIN
        if self._landscape_open() or area.height() - reserve < DRAWING_LEAST:
            reserve = 0
        if stack.contentsMargins().bottom() != reserve:
            stack.setContentsMargins(0, 0, 0, reserve)

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 (Qt)
        if obj is self.w.stack and ev.type() == QEvent.Type.Resize:
            self._place_controls()
        return False

    # ---- leaving (the window's saved state is put back by LecturerMode) ----
    def leave(self) -> None:
        w = self.w
        w.autohide.set_enabled(False)
        w.wall_notice.stop()
        self._float_controls(False)
        self._drawing_floor(DRAWING_LEAST)
        for dock in w.docks.values():
            dock.setTitleBarWidget(None)  # Qt's own title bar again
        w.plots.show_only("both")

    def apply_theme(self, theme: Theme) -> None:
        w, on = self.w, theme is LECTURER
        w.theme = w.view.theme = w.conv_view.theme = theme
        w.formula.set_theme(theme)  # after the style sheet: removing one restores old palettes
        w.plots.set_lecturer(on)
        w.refresh()  # the views recolour everything they draw from the theme
