"""One experiment's plots, drawn as its runs arrive:
- learning-rate sweep: loss curves overlaid, and final accuracy against the LR (log axis), a
  diverged run marked as such;
- batch-size sweep: loss against steps, epochs and wall-clock seconds side by side, then final
  accuracy and samples/s against the batch size;
- LR range test: smoothed loss against the LR (log axis), the suggested LR marked with the rule
  that chose it.
The layout is built once per experiment; each run's curves once, when its first record comes."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from app.shared.theme import SERIES_COLOURS, run_colour
from app.trainer.live_plots import make_plot, pen, run_pen
from engine.torch_engine.curves import Ema, Series
from engine.torch_engine.plot_ranges import accuracy_range, loss_view
from engine.torch_engine.records import Diverged, Done, LrPoint, LrSuggestion, Step

WARN = "#{:02x}{:02x}{:02x}".format(*SERIES_COLOURS[5])  # vermillion: diverged, the suggested LR
NOTE_SHARE = 0.45  # of the plot's width: the LR range test's note, wrapped

SWEEP_X = (("step", "steps"), ("epoch", "epochs"), ("elapsed", "seconds"))


class ExperimentPlots(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.kind = ""
        self.log_y = False
        self.type_scale = 1.0  # plot_style.style_scene sets it: 2 in lecturer mode
        self.suggestion: LrSuggestion | None = None
        self.begin("", ())

    def begin(self, kind: str, values: tuple[float, ...]) -> None:
        """A new experiment: its own layout, no runs yet."""
        self.clear()
        self.kind, self.values, self.suggestion = kind, tuple(values), None
        self.sweep_legend: pg.LegendItem | None = None  # the LR sweep's, beside its plot
        self.runs: dict[int, dict] = {}  # run index -> series, curves, final figures
        self.loss_plots: list[tuple[str, pg.PlotItem]] = []
        if kind == "lr-sweep":
            self.loss_plots = [
                ("step", make_plot(self, "training loss per LR", "step", "loss", 0, 0))
            ]
            self.final = make_plot(self, "final test accuracy", "learning rate", "accuracy", 0, 2)
            self.final.setLogMode(x=True)
            self._legend_beside(self.loss_plots[0][1], 0, 1)
        elif kind == "batch-sweep":
            for col, (key, label) in enumerate(SWEEP_X):
                p = make_plot(self, f"training loss against {label}", label, "loss", 0, col)
                self.loss_plots.append((key, p))
            self.final = make_plot(self, "final test accuracy", "batch size", "accuracy", 1, 0)
            self.speed = make_plot(self, "throughput", "batch size", "samples/s", 1, 1)
            for p in (self.final, self.speed):
                p.setLogMode(x=True)
        elif kind == "lr-find":
            self.range_plot = make_plot(
                self, "LR range test", "learning rate", "smoothed loss", 0, 0
            )
            self.range_plot.legend.scene().removeItem(
                self.range_plot.legend
            )  # one curve: its axis says it
            self.range_plot.legend = None
            self.range_plot.setLogMode(x=True)
            self.range_curve = self.range_plot.plot(pen=pen(0, 2.5))
            self.points = Series(("lr", "smoothed"))
        if kind in ("lr-sweep", "batch-sweep"):
            for p in [self.final] + ([self.speed] if kind == "batch-sweep" else []):
                ticks = [(float(np.log10(v)), f"{v:g}") for v in values if v > 0]
                p.getAxis("bottom").setTicks([ticks, []])  # one label per swept value
            self.final_curve = self.final.plot(pen=pen(7, 1.5), symbol="o", symbolSize=10)
            self.marks = pg.TextItem(color=WARN, anchor=(0.5, 1))
            self.final.setYRange(0, 1, padding=0)
        self.off_scale = ""  # the runs named in the loss plot's title as off its scale
        self.set_log(self.log_y)
        if kind == "batch-sweep":
            self.speed_curve = self.speed.plot(pen=pen(7, 1.5), symbol="s", symbolSize=10)

    def _legend_beside(self, plot: pg.PlotItem, row: int, col: int) -> None:
        """The plot's legend in a column of its own, off the data (the runs that learn slowly end
        high at the right, where a legend inside would sit)."""
        if plot.legend is not None:  # make_plot's, inside the plot
            plot.legend.scene().removeItem(plot.legend)
            plot.legend = None
        self.legend_cell = pg.GraphicsWidget()  # a legend sets its own geometry: it needs a host
        self.addItem(self.legend_cell, row=row, col=col)
        legend = pg.LegendItem(offset=(4, 30), labelTextSize="9pt")
        legend.setParentItem(self.legend_cell)
        self.ci.layout.setColumnStretchFactor(0, 3)
        self.ci.layout.setColumnStretchFactor(2, 2)
        self.sweep_legend = legend

    def _fit_legend(self) -> None:
        """The legend's column as wide as its longest name (also after a change of type size)."""
        if self.sweep_legend is not None:
            self.legend_cell.setMinimumWidth(self.sweep_legend.width() + 12)

    def _run(self, index: int, label: str) -> dict:
        """A run's curves, in its colour of the run list (its value's place in the sweep:
        run_colours.py)."""
        if index not in self.runs:
            colour = run_colour(index)
            curves = [p.plot(pen=run_pen(index, 2.0)) for k, (_, p) in enumerate(self.loss_plots)]
            legend = self.sweep_legend or self.loss_plots[0][1].legend
            legend.addItem(curves[0], html.escape(label))  # pyqtgraph draws it as HTML
            self._fit_legend()
            self.runs[index] = {
                "label": label,
                "colour": colour,
                "series": Series(("step", "epoch", "elapsed", "smooth")),
                "ema": Ema(0.8),
                "curves": curves,
                "done": None,
                "diverged": None,
                "speed": [],
            }
        return self.runs[index]

    def add(self, tagged) -> None:
        rec = tagged.record
        if isinstance(rec, LrPoint):
            self.points.append(rec.lr, rec.smoothed)
            return
        if isinstance(rec, LrSuggestion):
            self.suggestion = rec
            self._mark_suggestion(rec)
            return
        if self.kind not in ("lr-sweep", "batch-sweep"):
            return
        run = self._run(tagged.run_index, tagged.label)
        if isinstance(rec, Step):
            run["series"].append(rec.step, rec.epoch, rec.elapsed, run["ema"](rec.loss))
            run["speed"].append(rec.samples_per_s)
        elif isinstance(rec, Diverged):
            run["diverged"] = rec
            for curve in run["curves"]:  # dashed: it stopped on a non-finite loss
                curve.setPen(run_pen(tagged.run_index, 2.0, Qt.PenStyle.DashLine))
            self._rename(run, f"{run['label']} (diverged)")
        elif isinstance(rec, Done):
            run["done"] = rec
            self._finals()

    def _rename(self, run: dict, name: str) -> None:
        legend = self.sweep_legend or self.loss_plots[0][1].legend
        for sample, label in legend.items:
            if sample.item is run["curves"][0]:
                label.setText(name)
        legend.updateSize()

    def _mark_suggestion(self, s: LrSuggestion) -> None:
        line = pg.InfiniteLine(np.log10(s.lr), angle=90, pen=pg.mkPen(WARN, width=2))
        self.note = pg.TextItem(color=WARN)
        self.note.base_pt = 9.0  # lecturer mode scales it (plot_style)
        font = self.note.textItem.font()
        font.setPointSizeF(self.note.base_pt * self.type_scale)  # the look now
        self.note.setFont(font)
        self.note.setHtml(f"<b>suggested {s.lr:.2g}</b>: {s.rule}")
        self.range_plot.addItem(line, ignoreBounds=True)
        self.range_plot.addItem(self.note, ignoreBounds=True)
        self.range_plot.getViewBox().sigResized.connect(self._place_note)
        self.range_plot.getViewBox().sigRangeChanged.connect(self._place_note)
        self._place_note()

    def _place_note(self, *_) -> None:
        """The note wrapped to part of the plot's width, where the curve is not: the line sits
        on the falling slope, so the curve runs above it on the left and below it on the right.
        A line in the right half: the note below and left of it; else above and right."""
        s = self.suggestion
        if s is None or self.kind != "lr-find":
            return
        vb = self.range_plot.getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        x = float(np.log10(s.lr))
        right = (x - x0) / ((x1 - x0) or 1.0) > 0.5
        self.note.setTextWidth(max(60.0, NOTE_SHARE * vb.width()))
        self.note.setAnchor((1, 1) if right else (0, 0))
        self.note.setPos(x, y0 if right else y1)

    def _finals(self) -> None:
        """Final accuracy (and speed) against the swept value, one point per finished run."""
        xs, acc, speed, bad = [], [], [], []
        for i, run in sorted(self.runs.items()):
            if run["done"] is None or i >= len(self.values):
                continue
            xs.append(self.values[i])
            acc.append(run["done"].test_accuracy)
            speed.append(float(np.median(run["speed"])) if run["speed"] else np.nan)
            if run["done"].status == "diverged":
                bad.append(len(xs) - 1)
        colours = [r["colour"] for i, r in sorted(self.runs.items()) if r["done"] is not None]
        brushes = [pg.mkBrush(WARN if k in bad else c) for k, c in enumerate(colours)]
        self.final_curve.setData(xs, acc, symbolBrush=brushes)
        self.final.setYRange(*accuracy_range(acc), padding=0)  # never beyond [0, 1]
        lx = np.log10([v for v in self.values if v > 0] or [1.0])
        self.final.setXRange(lx.min() - 0.5, lx.max() + 0.5, padding=0)  # end points inside
        if bad:
            self.marks.setText("vermillion: diverged (the last good weights were kept)")
            if self.marks.scene() is None:
                self.final.addItem(self.marks, ignoreBounds=True)
            lo, hi = accuracy_range(acc)
            self.marks.setPos(np.log10(xs[bad[0]]), (lo + hi) / 2)
        if self.kind == "batch-sweep":
            self.speed_curve.setData(xs, speed)

    def set_log(self, on: bool) -> None:
        """Log y for the loss curves (a diverging run no longer flattens the others)."""
        self.log_y = on
        for _, p in self.loss_plots:
            p.setLogMode(y=on)
        if self.kind == "lr-find":
            self.range_plot.setLogMode(x=True, y=on)

    def redraw(self) -> None:
        if self.kind == "lr-find":
            self.range_curve.setData(self.points["lr"], self.points["smoothed"])
            return
        self._fit_legend()
        for run in self.runs.values():
            s = run["series"]
            for (key, _), curve in zip(self.loss_plots, run["curves"], strict=True):
                curve.setData(s[key], s["smooth"])
        self._loss_range()

    def _loss_range(self) -> None:
        """The loss axis around the runs that learned (plot_ranges.loss_view); a run that blew up
        past the top is named in the plot's title."""
        runs = list(self.runs.values())
        view = loss_view([r["series"]["smooth"] for r in runs], [bool(r["diverged"]) for r in runs])
        if view is None or not self.loss_plots:
            return
        lo, hi = (np.log10(view.bottom) - 0.05, np.log10(view.top)) if self.log_y else (0, view.top)
        for _, p in self.loss_plots:
            p.enableAutoRange(y=False)
            p.setYRange(lo, hi, padding=0)
        names = ", ".join(html.escape(runs[i]["label"]) for i in view.off_scale)
        if names != self.off_scale:  # in the title: off the data, at the plot's type size
            self.off_scale = names
            first = self.loss_plots[0][1]
            base = first.titleLabel.text.split(" <span")[0]
            note = f" <span style='color: {WARN}'>· ↑ {names} blew up: off the scale</span>"
            first.setTitle(base + (note if names else ""))
