"""Picking the landscape's two weights by clicking them: after "Pick two weights", the first weight
clicked is the map's α axis and the second its β axis; the plane becomes weights:L.J.I,L.J.I.

A weight is an edge of the network drawing (dense layers), a cell of a filter in the image
drawing (conv layers: L.F.C.I.J), or, in the image drawing, two units a dense weight joins (as the
map drawing's weight picker reads them). While picking, clicks on the drawings choose weights and
open no edit dialog; Esc, or the button pressed again, cancels.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication

from engine.numpy_engine.ids import FILTER, GridId

from .cell_pick import joining_weight, unit_of
from .layer_drawing import pairs
from .network_items import EdgeItem


def kernel_weight(grid: GridId, r: int, c: int) -> tuple[int, ...] | None:
    """(L, F, C, I, J) of a cell of one of the image drawing's filter grids; None for any other."""
    if grid.kind != FILTER:
        return None
    return grid.l, grid.f, grid.ch, r, c


def spelled(w: tuple[int, ...]) -> str:
    """The engine's plain name of a weight: w[L][J][I] (dense), k[L][F][C][I][J] (a filter) or
    γ[L][J] (a batch norm's one weight per unit)."""
    return {2: "γ", 3: "w"}.get(len(w), "k") + "".join(f"[{v}]" for v in w)


class WeightPick(QObject):
    """The two clicks, heard on the network drawing's viewport and on the image drawing."""

    said = Signal(str)  # what to do next, or what was chosen
    picked = Signal(str)  # "weights:L.J.I,L.J.I" once two weights are chosen
    ended = Signal()  # picking is over (picked or cancelled)

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.armed = False
        self.chosen: list[tuple[int, ...]] = []
        self.unit: tuple[int, int] | None = None  # the image drawing's first unit of a pair
        for target in (window.view.viewport(), window.conv_view):
            target.installEventFilter(self)

    def start(self) -> None:
        if self.w.explainer.net is None:
            return
        self.armed, self.chosen, self.unit = True, [], None
        QApplication.instance().installEventFilter(self)  # Esc, wherever the focus is
        self.said.emit("Click the first weight (an edge, or a filter's cell): it becomes α. "
                       "Esc cancels.")  # fmt: skip

    def cancel(self) -> None:
        if self.armed:
            self._disarm()
            self.said.emit("Picking cancelled; the plane is as it was.")
            self.ended.emit()

    def _disarm(self) -> None:
        self.armed = False
        QApplication.instance().removeEventFilter(self)

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 (Qt)
        if not self.armed:
            return False
        t = ev.type()
        if t in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and (
            ev.key() == Qt.Key.Key_Escape
        ):  # before lecturer mode's Esc shortcut sees it
            ev.accept()
            if t == QEvent.Type.KeyPress:
                self.cancel()
            return True
        if t not in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            return False
        if obj is self.w.view.viewport():
            self._on_network(ev.position().toPoint())
            return True  # no edit dialog while picking
        if obj is self.w.conv_view:
            self._on_image(ev.position().x(), ev.position().y())
            return True
        return False

    def _on_network(self, at) -> None:
        hit = [i for i in self.w.view.items(at) if isinstance(i, EdgeItem)]
        if hit:
            l, j, i = hit[0].key
            one_per_unit = pairs(self.w.explainer.net.model.layer(l - 1).kind)
            self._choose((l, j) if one_per_unit else (l, j, i))  # a batch norm's γ_j: L.J

    def _on_image(self, x: float, y: float) -> None:
        hit = self.w.conv_view.cell_at(x, y)
        if hit is None:
            return
        grid, r, c, wrap = hit
        k = kernel_weight(grid, r, c)
        if k is not None:
            self._choose(k)
            return
        model = self.w.explainer.net.model
        unit = unit_of(model, grid, r, c, wrap)
        if unit is None:
            return
        joined = joining_weight(model, self.unit, unit) if self.unit is not None else None
        if joined is None:
            self.unit = unit
            self.said.emit(f"unit {unit[1]} of layer {unit[0]} chosen: click a unit of the "
                           "layer it feeds (or that feeds it) to choose their weight")  # fmt: skip
            return
        self.unit = None
        self._choose(joined)

    def _choose(self, w: tuple[int, ...]) -> None:
        if self.chosen and self.chosen[0] == w:
            self.said.emit(f"{spelled(w)} is α already: click another weight for β")
            return
        self.chosen.append(w)
        if len(self.chosen) == 1:
            self.said.emit(f"α: {spelled(w)}. Now click the second weight: it becomes β.")
            return
        self._disarm()
        a, b = self.chosen
        self.said.emit(f"plane: {spelled(a)} (α) and {spelled(b)} (β), in their own units. "
                       "Press Race.")  # fmt: skip
        self.picked.emit("weights:" + ",".join(".".join(map(str, v)) for v in self.chosen))
        self.ended.emit()
