"""The step's events as a tree model: phase → layer → unit → its events.

Rows are made only when the view asks for them: the four phases, a phase's layers when it is
expanded, a layer's units when they are shown, and an event row (no object at all: its index and
its unit) only while it is on screen. A unit of more than CHUNK_ROWS events (a wide batch) shows
them in chunks, so opening it never lists more than that many rows (Qt's tree visits every row
of what it opens). A 27,275-event step costs a few dozen nodes up front. The
grouping and the numbers come from the engine (event_groups.py); this model only hands them on.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

from engine.numpy_engine.event_groups import StepGroups
from engine.numpy_engine.fmt import num
from engine.numpy_engine.trace import PHASES

ROOT, PHASE, LAYER, UNIT, CHUNK = range(5)  # node levels; an event row has no node
CHUNK_ROWS = 500  # a unit with more events shows them in rows of this many (events 1–500, …)


class Node:
    """A row that has rows below it. `row` is its place under `parent`."""

    __slots__ = ("parent", "row", "level", "kids")

    def __init__(self, parent: Node | None, row: int, level: int):
        self.parent, self.row, self.level = parent, row, level
        self.kids: dict[int, Node] = {}


class EventTreeModel(QAbstractItemModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.trace = None
        self.groups: StepGroups | None = None
        self.root = Node(None, 0, ROOT)
        self.nodes_made = 0  # nodes made since the last step was shown (a test reads them)
        self.event_rows_asked = 0  # indexes of event rows the view asked for
        self.hide_from: int | None = None  # a question asks this event: its number and later "?"

    def show_step(self, trace, groups: StepGroups) -> None:
        self.beginResetModel()
        self.trace, self.groups = trace, groups
        self.root = Node(None, 0, ROOT)
        self.nodes_made = self.event_rows_asked = 0
        self.endResetModel()

    # ---- nodes ----
    def child(self, node: Node | None, row: int) -> Node | None:
        """The node of row `row` under `node`; None for an event row."""
        if node is None or node.level == CHUNK or (node.level == UNIT and not self.chunked(node)):
            return None
        kid = node.kids.get(row)
        if kid is None:
            kid = node.kids[row] = Node(node, row, node.level + 1)
            self.nodes_made += 1
        return kid

    def node(self, index: QModelIndex) -> Node | None:
        """The node an index shows (the root for an invalid one; None for an event row)."""
        if not index.isValid():
            return self.root
        return self.child(index.internalPointer(), index.row())

    def path(self, node: Node) -> list[int]:
        rows = []
        while node.parent is not None:
            rows.append(node.row)
            node = node.parent
        return rows[::-1]

    def unit(self, node: Node):
        """The engine's group of a unit node (or of a chunk's unit)."""
        ph, layer, u = self.path(node)[:3]
        return self.groups.unit(PHASES[ph], layer, u)

    def chunked(self, unit: Node) -> bool:
        return len(self.unit(unit).events) > CHUNK_ROWS

    def event_at(self, parent: Node, row: int) -> int:
        """The event index of event row `row` under a unit or chunk node."""
        pos = row + (parent.row * CHUNK_ROWS if parent.level == CHUNK else 0)
        return self.unit(parent).events.at(pos)

    def size(self, node: Node) -> int:
        g = self.groups
        if g is None:
            return 0
        if node.level == ROOT:
            return len(PHASES)
        path = self.path(node)
        phase = PHASES[path[0]]
        if node.level == PHASE:
            return len(g.layers[phase])
        if node.level == LAYER:
            return g.layers[phase][path[1]].n_units
        n = len(self.unit(node).events)
        if node.level == CHUNK:
            return min(CHUNK_ROWS, n - node.row * CHUNK_ROWS)
        return n if n <= CHUNK_ROWS else -(-n // CHUNK_ROWS)

    def first_event(self, index: QModelIndex) -> int | None:
        """The event a row stands for: its own, or the first below it."""
        if not index.isValid():
            return None
        parent, node = index.internalPointer(), self.node(index)
        if node is None:
            return self.event_at(parent, index.row())
        while node is not None:
            if self.size(node) == 0:
                return None
            parent, node = node, self.child(node, 0)
        return self.event_at(parent, 0)

    def index_of(self, loc: tuple[int, int, int, int]) -> QModelIndex:
        """The index of an event row from its (phase, layer, unit, position) place."""
        node = self.root
        for row in loc[:3]:
            node = self.child(node, row)
        pos = loc[3]
        if self.chunked(node):
            node, pos = self.child(node, pos // CHUNK_ROWS), pos % CHUNK_ROWS
        return self.createIndex(pos, 0, node)

    # ---- QAbstractItemModel ----
    def index(self, row, column, parent=QModelIndex()):  # noqa: B008 (Qt's signature)
        if column != 0 or row < 0:
            return QModelIndex()
        node = self.node(parent)
        if node is None or row >= self.size(node):
            return QModelIndex()
        self.event_rows_asked += self.child(node, row) is None
        return self.createIndex(row, 0, node)

    def parent(self, index=QModelIndex()):  # noqa: B008 (Qt's signature)
        if not index.isValid():
            return QModelIndex()
        p = index.internalPointer()
        if p is None or p.parent is None:
            return QModelIndex()
        return self.createIndex(p.row, 0, p.parent)

    def rowCount(self, parent=QModelIndex()):  # noqa: N802, B008 (Qt's signature)
        if isinstance(parent, QPersistentModelIndex):
            parent = QModelIndex(parent)
        if parent.column() > 0:
            return 0
        node = self.node(parent)
        return 0 if node is None else self.size(node)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802, B008 (Qt's signature)
        return 1

    def hasChildren(self, parent=QModelIndex()):  # noqa: N802, B008 (Qt's signature)
        if isinstance(parent, QPersistentModelIndex):
            parent = QModelIndex(parent)
        return self.groups is not None and self.node(parent) is not None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        parent, node = index.internalPointer(), self.node(index)
        if node is None:
            i = self.event_at(parent, index.row())
            ev = self.trace[i]
            every = self.groups.sample is None  # with one sample chosen, the panel names it
            who = f" · sample {ev.sample}" if every and ev.sample is not None else ""
            hidden = self.hide_from is not None and i >= self.hide_from
            after = " after dropout" if ev.kind == "dropout" else ""  # a[1][0] twice, told apart
            return f"{ev.symbol}{after} = {'?' if hidden else num(ev.value)}{who}"
        path, g = self.path(node), self.groups
        phase = PHASES[path[0]]
        if node.level == PHASE:
            return f"{phase} · {g.phase_count(phase):,} events"
        if node.level == LAYER:
            lg = g.layers[phase][path[1]]
            return f"{lg.label} · {lg.count:,} events"
        ug = self.unit(node)
        n = len(ug.events)
        if node.level == CHUNK:
            lo = node.row * CHUNK_ROWS
            return f"events {lo + 1:,}–{lo + self.size(node):,} of {n:,}"
        return f"{ug.label} · {n:,} event{'s' if n != 1 else ''}"
