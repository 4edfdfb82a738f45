"""Every recorded run (from this window, the CLI's train, sweep and lr-find, and earlier sessions)
with its colour, status, final figures and settings. Tick runs to overlay them; double-click a
name to rename it; the context menu deletes, saves the model, or reuses the settings. The rows come
from the run store; the list only shows them."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QMenu,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
)

from app.shared.theme import ERROR_RED, run_colour
from app.trainer.run_colours import colour_indices

COLUMNS = ("run", "status", "test accuracy", "time", "settings")
RUNNING_WIDEST = "running · 100%"  # a running run's status at its longest


def shown_names(rows) -> dict[int, str]:
    """run id -> the name the list and Compare runs' legends show. Runs that share a name (the
    same settings run twice) read "name", "name (2)", "name (3)" in the order they were made,
    so no two rows or legend entries look alike; the store keeps the names as they are."""
    taken = {r.name for r in rows}
    count: dict[str, int] = {}
    out: dict[int, str] = {}
    for r in sorted(rows, key=lambda r: r.id):
        n = count.get(r.name, 0) + 1
        shown = r.name if n == 1 else f"{r.name} ({n})"
        while n > 1 and shown in taken:  # a run really named "name (2)" keeps its name
            n += 1
            shown = f"{r.name} ({n})"
        count[r.name] = n
        taken.add(shown)
        out[r.id] = shown
    return out


def swatch(colour_index: int) -> QIcon:
    pm = QPixmap(14, 14)
    pm.fill(QColor(*run_colour(colour_index)))
    return QIcon(pm)


class RunList(QTreeWidget):
    ticked_changed = Signal()
    renamed = Signal(int, str)  # run id, new name
    rename_refused = Signal(str)  # why a typed name was not taken (one sentence)
    delete_requested = Signal(list)  # run ids
    save_requested = Signal(int)
    reuse_requested = Signal(int)  # put this run's settings in the form

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(list(COLUMNS))
        self.setRootIsDecorated(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.itemChanged.connect(self._item_changed)
        self._filling = False
        self.rows: dict[int, object] = {}  # run id -> RunRow
        self.colours: dict[int, int] = {}  # run id -> colour index (run_colours.py)
        self.names: dict[int, str] = {}  # run id -> its shown name (shown_names)

    def set_runs(self, rows, ticked: set[int]) -> None:
        """Show the store's rows (newest first), keeping the ticks given."""
        self._filling = True
        self.clear()
        self.rows = {r.id: r for r in rows}
        self.colours = colour_indices(rows)
        self.names = shown_names(rows)
        for r in rows:
            acc = (r.final or {}).get("test_accuracy")
            secs = (r.final or {}).get("wall_seconds")
            it = QTreeWidgetItem(
                [
                    self.names[r.id],
                    r.status,
                    f"{100 * acc:.2f}%" if isinstance(acc, float) and acc == acc else "—",
                    f"{secs:.1f} s" if isinstance(secs, float) else "—",
                    r.summary,
                ]
            )
            it.setData(0, Qt.ItemDataRole.UserRole, r.id)
            it.setIcon(0, swatch(self.colours[r.id]))
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(
                0, Qt.CheckState.Checked if r.id in ticked else Qt.CheckState.Unchecked
            )
            if r.status in ("diverged", "interrupted"):
                it.setForeground(1, QColor(ERROR_RED))
            self.addTopLevelItem(it)
        self._fit_columns()
        self._filling = False

    def _fit_columns(self) -> None:
        for c in range(len(COLUMNS) - 1):
            self.resizeColumnToContents(c)
        if any(r.status == "running" for r in self.rows.values()):  # room for "running · 100%"
            wide = self.fontMetrics().horizontalAdvance(RUNNING_WIDEST) + 24
            self.setColumnWidth(1, max(self.columnWidth(1), wide))

    def changeEvent(self, ev) -> None:  # noqa: N802 (Qt)
        """A new type size (lecturer mode's style sheet): the columns fit their words again,
        or the names and statuses were cut short ("fin…")."""
        super().changeEvent(ev)
        if ev.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            QTimer.singleShot(0, self, self._fit_columns)

    def set_progress(self, run_id: int, fraction: float) -> None:
        """A running run's progress in its status cell ("running · 42%")."""
        for k in range(self.topLevelItemCount()):
            it = self.topLevelItem(k)
            if it.data(0, Qt.ItemDataRole.UserRole) == run_id:
                if self.rows[run_id].status == "running":
                    self._filling = True
                    it.setText(1, f"running · {100 * min(1.0, max(0.0, fraction)):.0f}%")
                    self._filling = False
                return

    def ticked(self) -> list[int]:
        out = []
        for k in range(self.topLevelItemCount()):
            it = self.topLevelItem(k)
            if it.checkState(0) == Qt.CheckState.Checked:
                out.append(it.data(0, Qt.ItemDataRole.UserRole))
        return out

    def set_ticked(self, ids) -> None:
        ids = set(ids)
        self._filling = True
        for k in range(self.topLevelItemCount()):
            it = self.topLevelItem(k)
            on = it.data(0, Qt.ItemDataRole.UserRole) in ids
            it.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self._filling = False
        self.ticked_changed.emit()

    def select(self, run_id: int) -> None:
        """Select the run's row and scroll to it (a loaded checkpoint's run)."""
        for k in range(self.topLevelItemCount()):
            it = self.topLevelItem(k)
            if it.data(0, Qt.ItemDataRole.UserRole) == run_id:
                self.setCurrentItem(it)
                self.scrollToItem(it)
                return

    def selected_ids(self) -> list[int]:
        return [it.data(0, Qt.ItemDataRole.UserRole) for it in self.selectedItems()]

    def _item_changed(self, it: QTreeWidgetItem, column: int) -> None:
        if self._filling:
            return
        rid = it.data(0, Qt.ItemDataRole.UserRole)
        new = it.text(0).strip()  # "mlp (2) " is the shown name, not a new one
        if column == 0 and new != self.names[rid]:
            why = _bad_name(new)
            if why:  # the row shows the name the store keeps again, and says why
                self._filling = True
                it.setText(0, self.names[rid])
                self._filling = False
                self.rename_refused.emit(f"{why}: the run keeps its name “{self.names[rid]}”")
            else:
                self.renamed.emit(rid, new)
        self.ticked_changed.emit()

    def _menu(self, pos) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        m = QMenu(self)
        m.addAction("Rename", lambda: self.editItem(self.selectedItems()[0], 0))
        m.addAction("Use these settings", lambda: self.reuse_requested.emit(ids[0]))
        save = m.addAction("Save model…", lambda: self.save_requested.emit(ids[0]))
        save.setEnabled(bool(self.rows[ids[0]].checkpoint))
        what = "this run" if len(ids) == 1 else f"{len(ids)} runs"
        m.addAction(f"Delete {what}…", lambda: self.confirm_delete(ids))
        m.popup(self.viewport().mapToGlobal(pos))

    def confirm_delete(self, ids: list[int]) -> QMessageBox:
        """Ask before deleting: a run's records and model go, and nothing brings them back (it
        deleted at once). The box is not modal to the code that opens it (tests answer it)."""
        names = [self.names.get(r, str(r)) for r in ids]
        quoted = ", ".join(f"“{n}”" for n in names[:3])
        shown = quoted + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        what = (
            "Its records and saved model go"
            if len(names) == 1
            else ("Their records and saved models go")
        )
        box = QMessageBox(
            QMessageBox.Icon.Question, "Delete runs" if len(names) > 1 else "Delete a run",
            f"Delete {shown}? {what}, and this cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self,
        )  # fmt: skip
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered(_result: int) -> None:
            if box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes:
                self.delete_requested.emit(ids)
            box.deleteLater()

        box.finished.connect(answered)
        box.open()
        return box


NAME_MOST = 80  # characters: a 300-character name pushed the list's columns off the screen


def _bad_name(name: str) -> str:
    """Why a typed run name is refused ("" when it is taken)."""
    if not name:
        return "a run's name cannot be empty"
    if len(name) > NAME_MOST:
        return f"a run's name is at most {NAME_MOST} characters ({len(name)} typed)"
    if any(not c.isprintable() for c in name):
        return "a run's name is one line of printable characters"
    return ""
