"""Where the Lesson dock stands (a part of LessonMode; needs its `w` and `dock`). Beside the
formula, the column is arranged once the dock is laid out: the dock as tall as its texts need
and the formula, which "shows what it needs", the larger part of the rest (at 1366×768 it had
two lines, scrolled past its header, under the Code panel). A column too short for the formula,
the Code panel and the lesson (a 1366×768 window) sends the lesson a tab over Setup before it
shows; the formula then keeps 0.6 of its own column beside the Code panel. The player scrolls
in the dock: a step's longer text takes room from the docks beside it where they have some
(make_room), and never makes the window taller than the screen. On the wall the lecturer layout
places and sizes it (lecturer_layout.place_column)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QScrollArea

from app.shared.chrome import column_scroll


def lesson_need(dock) -> int:
    """The Lesson dock's height that shows its player whole: its title and frame, and the
    player's least height (its wrapped texts; LessonPlayer._fit_height). The player scrolls in
    the dock, so a dock given less never makes the window taller than the screen (lesson 12's
    long step made it 801 px on a 768 px one); where the window has room it gets this."""
    box = dock.widget()
    chrome = dock.minimumSizeHint().height() - box.minimumSizeHint().height()
    frame = 2 * box.frameWidth()
    return chrome + frame + box.widget().minimumHeight()


def scrolling(player) -> QScrollArea:
    """The player in a scroll area (app/shared/chrome.column_scroll): the dock's widget."""
    box = column_scroll(player)
    box.viewport().setAutoFillBackground(False)  # the dock's own ground (black on the wall)
    player.setAutoFillBackground(False)
    return box


FORMULA_PART = 0.6  # of the column left beside the Lesson dock: the formula's (the Code's the rest)
FORMULA_LEAST = 180  # pixels: with less, the lesson goes a tab over Setup (or over the Code)


class LessonDockPlace:
    def show_dock(self, on: bool = True) -> None:
        """The Lesson dock shown (or hidden), where it has room."""
        was, lecture = self.dock.isVisible(), self.w.lecture
        if on and not was and not self.dock.isFloating():
            if lecture.on:
                lecture.place_column(with_lesson=True)  # above the formula, not at the left
            else:
                self._lesson_over_setup()
        self.dock.setVisible(on)
        if on and not was and not self.dock.isFloating():
            QTimer.singleShot(0, self.w.guard(self._room_for_the_formula))
        elif was and not on and lecture.on:  # its room goes back to the formula and the plot
            QTimer.singleShot(0, self.w.guard(lambda: lecture.arrange(self.w.geometry())))

    def make_room(self) -> None:
        """The dock as tall as its player needs, taken from its neighbours where they have it
        (a step's longer text: the player scrolls only where the window has no room)."""
        dock, w = self.dock, self.w
        if not dock.isVisible() or dock.isFloating():
            return
        if w.lecture.on:  # the wall's column: the lesson, the formula, the side plot or none
            w.lecture.arrange(w.geometry())
            return
        need = lesson_need(dock)
        if dock.height() >= need:
            return
        tabbed = w.tabifiedDockWidgets(dock)
        others = [d for d in self._column(w.docks.values()) if d is not dock and d not in tabbed]
        formula = w.docks["Formula"]  # gives last, and keeps FORMULA_LEAST while others can give:
        others.sort(key=lambda d: d is formula)  # it gave first, down to 40 px (lesson 14)
        take, sizes = need - dock.height(), []
        for d in others:  # each gives what it has above its own least height
            least = d.minimumSizeHint().height()
            give = min(take, max(0, d.height() - least))
            take -= give
            sizes.append(d.height() - give)
        w.resizeDocks([dock, *others], [need - take, *sizes], Qt.Orientation.Vertical)

    def _column(self, docks, area_of=None) -> list:
        """Those of `docks` docked, shown, in the Lesson dock's area (or `area_of`'s), top to
        bottom as given."""
        w = self.w
        area = w.dockWidgetArea(area_of if area_of is not None else self.dock)
        return [d for d in docks
                if d.isVisible() and not d.isFloating() and w.dockWidgetArea(d) == area]  # fmt: skip

    def _crowded(self, column, joining: bool = False) -> bool:
        """The formula would have less than FORMULA_LEAST beside the Code panel and the lesson
        (in the column, or `joining` it)."""
        code = self.w.docks["Code"]
        need = lesson_need(self.dock) if joining or self.dock in column else 0
        rest = sum(d.height() for d in column) - need
        return code in column and rest - code.minimumSizeHint().height() < FORMULA_LEAST

    def _lesson_over_setup(self) -> None:
        """Before the dock shows, in a crowded column: the lesson takes the Setup dock's place, a
        tab over it (a lesson sets the network; its description there even gave answers away),
        and the formula and the Code panel keep their column. Shown beside both, the lesson's
        least height made the window 792 px tall, its status bar below the screen (a window
        does not shrink back); with the Code panel a tab behind it, the formula had 133 px."""
        w, setup = self.w, self.w.docks["Setup"]
        column = self._column((w.docks["Formula"], w.docks["Code"]))
        if w.docks["Formula"] not in column or not self._crowded(column, joining=True):
            return
        if setup.isVisible() and not setup.isFloating():
            w.tabifyDockWidget(setup, self.dock)
        else:  # no Setup beside: the Code panel goes a tab away
            w.tabifyDockWidget(w.docks["Code"], self.dock)
        QTimer.singleShot(0, self.w.guard(self.dock.raise_))

    def _room_for_the_formula(self) -> None:
        w = self.w
        if not self.dock.isVisible():
            return
        if w.lecture.on:
            w.lecture.arrange(w.geometry())
            return
        formula, code = w.docks["Formula"], w.docks["Code"]
        column = self._column((formula, code, self.dock), area_of=formula)
        if len(column) < 2 or formula not in column:
            return
        need = lesson_need(self.dock) if self.dock in column else 0  # (else a tab at the left)
        rest = sum(d.height() for d in column) - need
        if self._crowded(column):  # still short beside both: the Code panel a tab away
            w.tabifyDockWidget(code, self.dock)
            self.dock.raise_()
            column.remove(code)
        part = round(rest * FORMULA_PART) if code in column else rest
        sizes = {formula: part, code: rest - part, self.dock: need}
        w.resizeDocks(column, [sizes[d] for d in column], Qt.Orientation.Vertical)
