"""The optimizer race as the Landscape panel draws it: each racer's path on the map (its points'
hovers tell their losses; Nesterov's look-ahead points beside them), its loss per step, the race
table, and the current step marked on every path; and what a question hides of them. A racer of the window's own optimizer and η
passes through the window's own weights step by step (full batch), so while a question asks a
number of step t the race shows what came before it only: the paths up to the weights before
step t (and their look-ahead points), the curves up to the loss before it (one point fewer when the step's loss is hidden),
and no losses in the table. It only draws; the engine computed the race."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem

from .landscape_strip import decades

# one colour per racer, seen on viridis (purple to yellow) and on a white or black ground (the
# seventh was white: Nadam's curve and its key vanished on the loss-per-step plot's white)
COLOURS = ("#e6194b", "#ff7f0e", "#17becf", "#f032e6", "#8c564b", "#bcbd22", "#4363d8", "#7f7f7f")
HIDDEN = "?"
PATHS_Z = 10  # above the map's image and contours


def _tip(name: str, losses, on_plane, asked):
    """A path point's hover: its true loss and the loss at its projection on the plane. While
    a question asks a number of step t (`asked()`: (t, whether the step's loss is hidden), or
    None), the points after step t say "?" for every number (their weights are the update's),
    the point before it for its losses when the loss is hidden."""

    def tip(x, y, data) -> str:
        k, a = int(data), asked()
        true, on, at = f"{losses[k]:.4g}", f"{on_plane[k]:.4g}", f"({x:.3g}, {y:.3g})"
        if a is not None and k >= a[0]:
            true = on = at = HIDDEN
        elif a is not None and k == a[0] - 1 and a[1]:
            true = on = HIDDEN
        return (f"{name}, before step {k + 1}: true loss {true}; "
                f"loss at its projection {at} {on}")  # fmt: skip

    return tip


def key_entry(path, colour: str) -> str:
    """One optimizer in the key under the race: its swatch, name and η, never broken across
    lines (a wrapped key left a swatch at one line's end and its name on the next)."""
    words = f"{path.racer.name} η={path.racer.lr:g}" + (" (diverged)" if path.diverged else "")
    swatch = f'<span style="color:{colour}">■</span>'
    return f"{swatch}\u00a0{words.replace(' ', chr(0xA0))}"


def path_width(k: int, n: int, lecturer: bool) -> float:
    """Racer k of n's line: the first the thinnest and on top, each later one wider and drawn
    under it, so paths on one line all show, the later as a rim (the ravine's momentum ran
    under SGD's zig-zag, the saddle's Adam under SGD) and the first racer's zig-zag stays thin
    enough to read (drawn wide it filled in). 2 px (3 in lecturer mode), each later 2.5 px
    wider, the last at most 6 px wider than the first; a path's points are 2 px wider than
    its line, so the first's points leave a later path's rim in sight."""
    return (3.0 if lecturer else 2.0) + min(2.5, 6.0 / max(1, n - 1)) * k


class RaceView:
    """The race on `map_plot` (paths) and `race_plot` (losses), in `table`, named in `key`."""

    def __init__(self, map_plot: pg.PlotItem, race_plot: pg.PlotItem, table: QTableWidget,
                 key: QLabel, ahead: pg.ScatterPlotItem):  # fmt: skip
        self.map, self.race, self.table, self.key = map_plot, race_plot, table, key
        self.ahead = ahead  # Nesterov's look-ahead points, on the map
        self.paths: list[pg.PlotDataItem] = []
        self.curves: list[pg.PlotDataItem] = []
        self.dots: list[pg.ScatterPlotItem] = []  # each path's points, their hover honest
        self.coords: list[tuple[np.ndarray, np.ndarray]] = []  # each path's (α, β)
        self._losses: list[np.ndarray] = []  # each path's loss per step
        self._looks: list[tuple[np.ndarray, np.ndarray]] = []  # a Nesterov path's, after k steps
        self._rows: list[dict] = []
        self.asked: tuple[int, bool] | None = None  # (step t, its loss hidden) while asked

    def forget(self) -> None:
        for item in (*self.paths, *self.dots):
            self.map.removeItem(item)
        for item in self.curves:
            self.race.removeItem(item)
        self.paths, self.curves, self.dots, self.coords = [], [], [], []
        self._losses, self._rows, self._looks = [], [], []
        self.ahead.setData([], [])
        self.table.setRowCount(0)
        self.key.setText("")

    def draw(self, ls, table: list[dict], lecturer: bool) -> None:
        """A Landscape's paths, curves and table (engine/numpy_engine/landscape_race.py)."""
        self.forget()
        self.coords = list(ls.coords)
        self._losses = [np.asarray(p.losses, float) for p in ls.paths]
        self._looks = [ls.plane.project(p.lookahead) for p in ls.paths if p.lookahead is not None]
        names = []
        for k, (p, on) in enumerate(zip(ls.paths, ls.loss_on_plane, strict=True)):
            name = f"{p.racer.name} η={p.racer.lr:g}" + (" (diverged)" if p.diverged else "")
            colour = COLOURS[k % len(COLOURS)]
            n = len(ls.paths)
            self.paths.append(self.map.plot(pen=pg.mkPen(colour, width=path_width(k, n, lecturer))))
            dots = pg.ScatterPlotItem(size=path_width(k, n, False) + 2, brush=colour, pen=None,
                                      hoverable=True, tip=_tip(name, p.losses, on,
                                                               lambda: self.asked))  # fmt: skip
            self.map.addItem(dots)
            for item in (self.paths[-1], dots):  # each later racer under the ones before
                item.setZValue(PATHS_Z + n - k)
            self.dots.append(dots)
            curve = self.race.plot(pen=pg.mkPen(colour, width=path_width(k, n, True)))
            curve.setZValue(n - k)  # as on the map: the first thinnest, on top
            self.curves.append(curve)
            names.append(key_entry(p, colour))
        self.key.setText("  ".join(names))
        self._rows = table
        self._redraw()
        decades(self.race, np.concatenate(self._losses))

    def set_lecturer(self, on: bool) -> None:
        for k, item in enumerate(self.paths):  # the map's paths stay thin enough to see zig-zags
            item.setPen(
                pg.mkPen(COLOURS[k % len(COLOURS)], width=path_width(k, len(self.paths), on))
            )

    def ask(self, t: int, asking: bool, hide_loss: bool) -> bool:
        """Step t is shown; `asking`: a question asks one of its numbers, `hide_loss`: its loss.
        True when that changed what is hidden."""
        asked = (t, hide_loss) if asking else None
        if asked == self.asked:
            return False
        self.asked = asked
        self._redraw()
        return True

    def marks(self, t: int) -> tuple[list[float], list[float]]:
        """Each path's point before step t (t − 1 steps done; the last if the race is shorter)."""
        xs, ys = [], []
        for al, be in self.coords:
            k = max(0, min(t - 1, len(al) - 1))
            xs.append(al[k])
            ys.append(be[k])
        return xs, ys

    def _redraw(self) -> None:
        """Paths, curves and table; while asked, only what came before the hidden numbers."""
        t, hide_loss = self.asked if self.asked is not None else (None, False)
        weights = t  # the points 0 … t − 1: the weights before step t, shown in the drawing
        losses = None if t is None else max(0, t - 1 if hide_loss else t)
        for path, dots, (al, be) in zip(self.paths, self.dots, self.coords, strict=True):
            path.setData(al[:weights], be[:weights])
            dots.setData(x=al[:weights], y=be[:weights], data=np.arange(len(al[:weights])))
        if self._looks:  # look-ahead k is worked out from the weights after k steps
            self.ahead.setData(np.concatenate([x[:weights] for x, _ in self._looks]),
                               np.concatenate([y[:weights] for _, y in self._looks]))  # fmt: skip
        else:
            self.ahead.setData([], [])
        for curve, v in zip(self.curves, self._losses, strict=True):
            curve.setData(np.arange(len(v[:losses])), v[:losses])
        if self._losses:  # the whole race's steps, the hidden ones too
            self.race.setXRange(0, max(1, max(len(v) for v in self._losses) - 1), padding=0.02)
        self._fill_table()

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self._rows))
        hide = self.asked is not None
        for r, row in enumerate(self._rows):
            hit = row["steps_to_target"]
            cells = (row["optimizer"], f"{row['lr']:g}",
                     HIDDEN if hide else "never" if hit is None else str(hit),
                     HIDDEN if hide else f"{row['final_loss']:.4g}",
                     "yes" if row["diverged"] else "no")  # fmt: skip
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
