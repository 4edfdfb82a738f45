"""The one table of actions: each action's title, menu, keys and handler declared once. Menus,
shortcuts, tooltips and the keys help are all made from it, so they never disagree.

A window declares `actions()` -> list[Action]; `install(window, table)` builds the menus and
shortcuts (window-wide, so the explainer's Space never fires in the trainer), and
`keys_html(table)` writes the help page's keys table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence


@dataclass(frozen=True)
class Action:
    name: str  # a stable id, e.g. "next"
    title: str  # what the menu and the keys help say
    menu: str  # "File", "File/Export", "View"...; "" for a key-only action
    keys: tuple[str, ...]  # shortcuts, the first is shown in the menu
    handler: Callable[[], object]  # called with no argument
    tip: str = ""  # a longer sentence for tooltips and the help page

    @property
    def key_text(self) -> str:
        return ", ".join(
            QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in self.keys
        )

    @property
    def tooltip(self) -> str:
        text = self.tip or self.title
        return f"{text} ({self.key_text})" if self.keys else text


def quit_action(window) -> Action:
    """File → Quit (Ctrl+Q), the same in both windows: every view closes (a run in progress is
    stopped and kept as cancelled) and the app ends. The window asks the app to close every
    view (view_requested("quit")); on its own it closes itself."""

    def quit_app() -> None:
        window.view_requested.emit("quit")
        window.close()

    tip = "Close both windows and end the app (a run in progress is stopped and kept)"
    return Action("quit", "Quit", "File", ("Ctrl+Q",), quit_app, tip)


def install(window, table: Sequence[Action]) -> dict[str, QAction]:
    """QActions for the table: in their menus (created on first use) and on the window itself,
    so key-only actions work too. Returns them by name."""
    menus: dict[str, object] = {}
    out: dict[str, QAction] = {}
    for a in table:
        qa = QAction(a.title.replace("&", "&&"), window)
        qa.setObjectName(f"action_{a.name}")
        qa.setShortcuts([QKeySequence(k) for k in a.keys])
        qa.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        qa.setToolTip(a.tooltip)
        qa.setStatusTip(a.tip or a.title)
        qa.triggered.connect(lambda _=False, h=a.handler: h())
        window.addAction(qa)
        if a.menu:
            _menu(window, menus, a.menu).addAction(qa)
        out[a.name] = qa
    return out


def _menu(window, menus: dict, path: str):
    if path not in menus:
        head, _, tail = path.rpartition("/")
        parent = _menu(window, menus, head) if head else window.menuBar()
        menus[path] = parent.addMenu(f"&{tail}" if not head else tail)
    return menus[path]


def keys_html(table: Sequence[Action]) -> str:
    """The keys help: one row per action that has a key, grouped by menu in the order the menus
    first appear (an action a part of the window adds later sits with its menu, not at the end)."""
    keyed = [a for a in table if a.keys]
    groups, first, group = [], {}, ""
    for i, a in enumerate(keyed):
        group = a.menu.split("/")[0] or group  # a key-only action stays with the one before it
        groups.append(group)
        first.setdefault(group, i)
    order = sorted(range(len(keyed)), key=lambda i: first[groups[i]])  # stable: in-menu order
    rows = "".join(
        f"<tr><td><b>{escape(a.key_text)}</b></td><td>{escape(a.tip or a.title)}</td></tr>"
        for a in (keyed[i] for i in order)
    )
    return f"<table cellspacing='6'>{rows}</table>"
