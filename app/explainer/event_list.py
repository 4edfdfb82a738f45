"""The Events panel: the step's events as a tree (phase → layer → unit → its events) that follows
the stepping, and a click that goes to a row's event. It respects the sample filter.

A key press selects the current event's row (the rows above it opened, those opened for the
event before closed again unless the user opened them) without rebuilding anything; a new step or filter replaces the model's groups, whose rows
are made as they are shown (event_tree.py).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTreeView, QVBoxLayout, QWidget

from engine.numpy_engine.event_groups import StepGroups

from .event_tree import EventTreeModel

FOLLOW_DELAY_MS = 80  # the tree shows the current event once the keys pause this long


class EventList(QWidget):
    goto = Signal(int)  # the user chose this event of the shown step

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAutoFillBackground(True)  # its own light ground, whatever the dock's theme
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.tree = QTreeView()
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)  # a unit of 6,400 events scrolls without measuring
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.model = EventTreeModel(self)
        self.tree.setModel(self.model)
        self.tree.selectionModel().currentChanged.connect(self._chosen)
        lay.addWidget(self.tree, 1)
        self._shown: tuple = ()  # (step, sample) whose groups the model holds
        self._opened: list[QModelIndex] = []  # rows opened to show the event (not by the user)
        self._syncing = False
        self._last = None  # (step, event index, filter) last shown
        self._follow = QTimer(self)  # the tree follows once the keys pause (a press stays quick)
        self._follow.setSingleShot(True)
        self._follow.setInterval(FOLLOW_DELAY_MS)
        self._explainer = None
        self._follow.timeout.connect(lambda: self.show_position(self._explainer))

    def follow(self, ex) -> None:
        """Show the explainer's event when the keys pause for FOLLOW_DELAY_MS (a tree that
        selects a row of a 500-event unit costs more than the rest of a key press)."""
        self._explainer = ex
        self._follow.start()

    def show_position(self, ex, again: bool = False) -> None:
        """Follow the explainer: new groups for a new step or filter, then select the event
        (`again`: scroll to it even if it was selected already, e.g. when the panel reappears)."""
        if ex.net is None or not ex.history:
            return
        r = ex.current
        s = ex.filter.applies_to(r)
        if not (self._shown and self._shown[0] is r and self._shown[1] == s):
            self._shown = (r, s)
            self.model.show_step(r.events, StepGroups(r.events.layout, s))
            self._opened = []
            self._last = None
            n, shown = len(r.events), ex.visible()
            self.summary.setText(
                f"step {r.t}: {len(shown):,} of {n:,} events ({ex.filter.who(r)}), by phase, "
                "layer and unit"
            )
        if again:
            self._last = None
        if self.isVisible():
            self._select(ex)

    def _select(self, ex) -> None:
        key = (ex.event_index, self._shown)
        if self._last is not None and self._last[0] == key[0] and self._last[1] is key[1]:
            return
        self._last = key
        loc = self.model.groups.locate(ex.event_index, ex.event)
        if loc is None:
            return
        index = self.model.index_of(loc)
        chain = []  # the rows above the event, from its unit (or chunk) up to its phase
        parent = index.parent()
        while parent.isValid():
            chain.append(parent)
            parent = parent.parent()
        for opened in self._opened:
            if opened not in chain:
                self.tree.collapse(opened)
        self._opened = [p for p in self._opened if p in chain]
        for row in reversed(chain):
            if not self.tree.isExpanded(row):  # opened here: closed again when stepping leaves
                self.tree.expand(row)
                self._opened.append(row)
        self._syncing = True
        try:
            self.tree.setCurrentIndex(index)
        finally:
            self._syncing = False
        self.tree.scrollTo(index)

    def _chosen(self, index: QModelIndex, _previous: QModelIndex) -> None:
        if self._syncing or not index.isValid():
            return
        if self._follow.isActive():  # the rows are a moment old: bring them up to date first
            self._follow.stop()
            self.show_position(self._explainer)
            return
        i = self.model.first_event(index)
        if i is not None:
            self.goto.emit(i)


def wire(w) -> None:
    """Connect the sample choice and the Events panel of window `w` to its explainer."""
    ex, c, g, events = w.explainer, w.controls, w.guard, w.events
    c.sample_chosen.connect(g(ex.set_sample))
    ex.sample_changed.connect(g(c.set_sample))
    ex.network_changed.connect(g(lambda: c.set_batch(ex.net.batch_size())))
    ex.changed.connect(g(lambda: events.follow(ex)))
    events.goto.connect(g(lambda i: ex.goto(ex.step_index, i)))
    w.docks["Events"].visibilityChanged.connect(
        g(lambda on: events.show_position(ex, again=True) if on else None)
    )
