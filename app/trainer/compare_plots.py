"""Runs overlaid: every ticked run of the run list, in its colour, on the same axes. The x axis is
steps, epochs (samples seen) or wall-clock seconds: the batch size's effect shows as more steps
per epoch, a noisier loss and a different speed."""

from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6.QtCore import Qt

from app.shared.legend_place import place_legend
from app.shared.theme import run_colour
from app.trainer.live_plots import make_plot, run_pen
from engine.torch_engine.curves import X_AXES, log_safe

LINE_STYLES = (
    Qt.PenStyle.SolidLine,
    Qt.PenStyle.DashLine,
    Qt.PenStyle.DotLine,
    Qt.PenStyle.DashDotLine,
)


def line_looks(runs: dict[int, tuple[str, int, dict]]) -> dict[int, tuple[str, int, int]]:
    """run id -> (name, colour index, line style index): the n-th ticked run (by run number)
    of a colour gets the n-th style, so runs of one colour never draw alike (up to four)."""
    seen: dict[tuple, int] = {}
    out = {}
    for rid in sorted(runs):
        name, colour, _ = runs[rid]
        rgb = run_colour(colour)  # indices a colour cycle apart wear the same colour
        k = seen.get(rgb, 0)
        seen[rgb] = k + 1
        out[rid] = (name, colour, k % len(LINE_STYLES))
    return out


X_LABELS = {
    "steps": "step",
    "epochs": "epoch (samples seen / training set)",
    "seconds": "seconds of training",
}


class ComparePlots(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.x_axis = "steps"
        self.log_y = False
        self.loss = make_plot(self, "training loss (smoothed)", "step", "loss", 0, 0)
        self.acc = make_plot(
            self, "test accuracy", "step", "accuracy", 0, 1, legend_at=(-8, -40)
        )  # accuracy curves rise to the top: the legend goes below them
        self.runs: dict[int, tuple[str, int, dict]] = {}  # run id -> (name, colour index, curves)
        self.items: dict[int, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self.looks: dict[int, tuple[str, int, int]] = {}  # run id -> (name, colour, style)

    def set_runs(self, runs: dict[int, tuple[str, int, dict]]) -> None:
        """The ticked runs, each (name, colour index, curves from engine.curves.run_curves).
        Ticked runs that wear the same colour (two sweeps' first values, run numbers a colour
        cycle apart) are told apart by their line: solid, then dashed, dotted, dash-dotted."""
        looks = line_looks(runs)
        for rid in list(self.items):
            if looks.get(rid) != self.looks.get(rid):  # gone, renamed or restyled
                for item, plot in zip(self.items.pop(rid), (self.loss, self.acc), strict=True):
                    plot.removeItem(item)
                    plot.legend.removeItem(item)
        self.runs, self.looks = runs, looks
        for rid, (name, colour, curves) in runs.items():
            name = html.escape(name)  # a legend is drawn as HTML: a run named "<img …>" loaded it
            if rid not in self.items:
                if not len(curves.get("loss", ())) and not len(curves.get("test_accuracy", ())):
                    name = f"{name} (no records)"  # a loaded model: a name but no curve
                style = LINE_STYLES[looks[rid][2]]
                self.items[rid] = (
                    self.loss.plot(name=name, pen=run_pen(colour, style=style)),
                    self.acc.plot(
                        name=name,
                        pen=run_pen(colour, style=style),
                        symbol="o",
                        symbolSize=5,
                        symbolBrush=pg.mkBrush(*run_pen(colour).color().getRgb()),
                    ),
                )
        self.redraw()

    def set_x_axis(self, name: str) -> None:
        self.x_axis = name
        self.redraw()

    def set_log(self, on: bool) -> None:
        self.log_y = on
        self.loss.setLogMode(y=on)
        self.redraw()

    def redraw(self) -> None:
        key = X_AXES[self.x_axis]
        for p in (self.loss, self.acc):
            p.setLabel("bottom", X_LABELS[self.x_axis])
        y = log_safe if self.log_y else (lambda v: v)
        for rid, (loss_item, acc_item) in self.items.items():
            c = self.runs[rid][2]
            loss_item.setData(c[key], y(c["smooth"]))
            acc_item.setData(c[f"eval_{key}"], c["test_accuracy"])
        for p in (self.loss, self.acc):
            place_legend(p)
