"""A sweep of any one setting, or a preset experiment, drawn as its runs arrive: each value (or
variant) in its own colour, its seeds drawn as one mean curve with a min–max band
(engine/torch_engine/spread.py computes both):
- the loss per epoch, validation solid and the training set dashed (both measured at each
  epoch's end in evaluation mode: aligned epoch by epoch, however fast a run went);
- accuracy per epoch, validation solid and the training set dashed; early stopping marked (a
  star on the epoch whose weights were kept, a cross where the run stopped);
- the generalisation gap, train minus validation accuracy in points, per epoch;
- the final test accuracy per value: the mean with min–max error bars over the seeds, one row
  per value (its name on the left axis: long names stay readable at lecturer size).
Each value's items are made once, when its first record comes; redraw only feeds them."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF

from app.shared.plot_style import style_text
from app.shared.theme import run_colour
from app.trainer.live_plots import make_plot, run_pen
from engine.torch_engine.curves import Series, log_safe
from engine.torch_engine.plot_ranges import accuracy_range
from engine.torch_engine.records import NO_RESULT, Done, Eval, Start
from engine.torch_engine.spread import band_aligned, gap, spread, spread_range

BAND_ALPHA = 80  # of 255: a band under its mean curve


class SweepPlots(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.type_scale = 1.0  # plot_style.style_scene sets it
        self.log_y = False
        self.begin("", ())

    # ---- building ----
    def begin(self, title: str, labels, name: str = "") -> None:
        """A new sweep: its values' labels in order, no runs yet; `name` says what the values
        are ("MLP hidden sizes", "cure"), on the final accuracy's value axis."""
        self.clear()
        self.title, self.labels, self.name = title, tuple(labels), name
        self.runs: dict[int, dict] = {}  # store run id -> value index, series, done
        self.items: dict[int, dict] = {}  # value index -> its curves and bands
        # short titles: at lecturer size a long one would set the plot's least width
        self.loss = make_plot(self, "loss per epoch", "epoch", "loss", 0, 0)
        self.acc = make_plot(self, "accuracy per epoch", "epoch", "accuracy", 0, 1)
        self.gap = make_plot(self, "gap: training − validation", "epoch", "points", 1, 0)
        self.final = make_plot(self, "final test accuracy", "accuracy", name, 1, 1)
        for p in (self.loss, self.acc, self.gap, self.final):
            if p.legend is not None:  # one legend, beside the plots
                p.legend.scene().removeItem(p.legend)
                p.legend = None
        self.legend_cell = pg.GraphicsWidget()
        self.addItem(self.legend_cell, row=0, col=2, rowspan=2)
        self.legend = pg.LegendItem(offset=(4, 30), labelTextSize="9pt")
        self.legend.setParentItem(self.legend_cell)
        self.legend_title = pg.TextItem(name, anchor=(0, 1))
        self.legend_title.base_pt, self.legend_title.follows_fg = 9.0, True  # plot_style
        bold = self.legend_title.textItem.font()
        bold.setBold(True)
        self.legend_title.setFont(bold)
        k = self.type_scale  # begun in lecturer mode: its type and colour at once
        style_text(self.legend_title, "w" if k > 1 else "k", k)
        self.legend_title.setParentItem(self.legend_cell)
        self.legend_title.setPos(4, 30)
        self.ci.layout.setColumnStretchFactor(0, 3)
        self.ci.layout.setColumnStretchFactor(1, 3)
        self._named = None  # whether the final accuracy's axis names its rows (_fit_names)
        self.final.setYRange(-max(0, len(self.labels) - 1) - 0.6, 0.6, padding=0)
        self.final_bars = pg.ErrorBarItem(beam=0.25, pen=pg.mkPen("#888888", width=2))
        self.final_points = pg.ScatterPlotItem(size=12)
        self.final.addItem(self.final_bars)
        self.final.addItem(self.final_points)
        self.stops = pg.ScatterPlotItem(size=16)  # early stopping: kept (star), stopped (x)
        self.acc.addItem(self.stops)
        self.gap.addLine(y=0, pen=pg.mkPen("#888888", width=1, style=Qt.PenStyle.DotLine))
        self.set_log(self.log_y)

    def _value(self, v: int) -> dict:
        """A value's curves: a mean and a band in each epoch plot, made at its first record."""
        if v in self.items:
            return self.items[v]
        colour = run_colour(v)
        fill = pg.mkBrush(*colour, BAND_ALPHA)
        out: dict = {}
        wide = 3.0 if self.type_scale > 1 else 1.0  # made in lecturer mode: its thick curves
        for key, plot, style in (
            ("val_loss", self.loss, None),
            ("train_loss", self.loss, Qt.PenStyle.DashLine),
            ("val", self.acc, None),
            ("train", self.acc, Qt.PenStyle.DashLine),
            ("gap", self.gap, None),
        ):
            mean = plot.plot(pen=run_pen(v, 2.0 * wide, style))  # its runs' colour (run_colours.py)
            mean._base_width = 2.0  # plot_style's normal width for it
            # an invisible pen, not None: a curve without a pen keeps no path, and the band
            # between two such curves stayed empty
            lo, hi = plot.plot(pen=pg.mkPen(None)), plot.plot(pen=pg.mkPen(None))
            band = pg.FillBetweenItem(lo, hi, brush=fill)
            plot.addItem(band)
            out[key] = (mean, lo, hi, band)
        label = self.labels[v] if v < len(self.labels) else f"value {v + 1}"
        self.legend.addItem(out["val"][0], html.escape(label))  # pyqtgraph draws it as HTML
        self._fit_legend_cell()
        self.items[v] = out
        return out

    # ---- records ----
    def add(self, value_index: int, tagged) -> None:
        """A record of run `tagged.run_id`, which runs value `value_index` with one seed."""
        rec = tagged.record
        run = self.runs.get(tagged.run_id)
        if run is None or isinstance(rec, Start):
            self._value(value_index)
            run = self.runs[tagged.run_id] = {
                "value": value_index,
                "index": tagged.run_index,  # in the job: value · repeats + repeat
                "records": [],  # its epoch-end Evals, for the engine's reading
                "evals": Series(("epoch", "train_acc", "val_acc", "train_loss", "val_loss")),
                "done": None,
            }
        if isinstance(rec, Eval) and float(rec.epoch).is_integer():
            run["records"].append(rec)
            run["evals"].append(
                rec.epoch,
                _num(rec.train_accuracy),
                _num(rec.val_accuracy),
                _num(rec.train_loss),
                _num(rec.val_loss),
            )
        elif isinstance(rec, Done):
            run["done"] = rec

    def value_runs(self, v: int) -> list[dict]:
        return [r for r in self.runs.values() if r["value"] == v]

    def finals(self) -> list:
        """Each value's final test accuracy over its finished seeds (spread.Spread), in order; a
        cancelled or diverged run is no result and is left out."""
        return [
            spread(
                [
                    r["done"].test_accuracy
                    for r in self.value_runs(v)
                    if r["done"] is not None and r["done"].status not in NO_RESULT
                ]
            )  # fmt: skip
            for v in range(len(self.labels))
        ]

    # ---- drawing ----
    def redraw(self) -> None:
        for v, items in self.items.items():
            runs = self.value_runs(v)
            e = [r["evals"] for r in runs]
            bands = {
                "val_loss": band_aligned([(s["epoch"], s["val_loss"]) for s in e]),
                "train_loss": band_aligned([(s["epoch"], s["train_loss"]) for s in e]),  # fmt: skip
                "val": band_aligned([(s["epoch"], s["val_acc"]) for s in e]),
                "train": band_aligned([(s["epoch"], s["train_acc"]) for s in e]),
                "gap": band_aligned(
                    [(s["epoch"], 100 * gap(s["train_acc"], s["val_acc"])) for s in e]
                ),
            }
            for key, (mean, lo, hi, _) in items.items():
                b = bands[key]
                if b is None:
                    continue
                y = log_safe if (self.log_y and key.endswith("loss")) else np.asarray
                mean.setData(b.x, y(b.mean))
                one = len(b.x) == 1  # one epoch: a point, which a line alone does not draw
                mean.setSymbol("o" if one else None)
                if one:
                    mean.setSymbolBrush(pg.mkPen(mean.opts["pen"]).color())
                    mean.setSymbolPen(None)
                lo.setData(b.x, y(b.lo))
                hi.setData(b.x, y(b.hi))
        self.legend.updateSize()  # its entries were remade at a new type size (plot_style)
        self._fit_legend_cell()
        self._draw_finals()
        self._fit_names()  # the type may have changed (lecturer mode)
        self._draw_stops()
        shown = [r["evals"][k] for r in self.runs.values() for k in ("val_acc", "train_acc")]
        self.acc.setYRange(*accuracy_range(np.concatenate(shown or [[]])), padding=0)

    def _fit_legend_cell(self) -> None:
        """The legend's column as wide as its entries and its title, and the entries below the
        title (its type grows in lecturer mode)."""
        title = self.legend_title.boundingRect()
        self.legend.setOffset((4, max(30.0, title.height() + 4)))
        self.legend_title.setPos(4, max(30.0, title.height() + 4))
        wide = max(self.legend.width(), title.width() if self.labels else 0.0)
        self.legend_cell.setMinimumWidth(wide + 12)

    def resizeEvent(self, ev) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(ev)
        if getattr(self, "final", None) is not None:  # (Qt sizes it before `begin` ran)
            self._fit_names()

    def _fit_names(self) -> None:
        """The final accuracy's rows named on its left axis, the first value on top, while a
        row is as tall as the axis's type; else unnamed, the legend's colours naming the points
        (in lecturer mode on a 768-line wall the five cures' names were written over each
        other, two of them dropped)."""
        axis = self.final.getAxis("left")
        font = axis.style.get("tickFont") or QFont()
        row = self.final.getViewBox().height() / max(1, len(self.labels))
        named = row >= 0.95 * QFontMetricsF(font).height()
        if named == self._named:
            return
        self._named = named
        ticks = [(-float(i), t if named else "") for i, t in enumerate(self.labels)]
        axis.setTicks([ticks, []])

    def _draw_finals(self) -> None:
        """Each value's mean final accuracy as a point, and a bar over its seeds' range where
        it has two or more (a bar of one seed drew its caps on the point: a spread it lacks)."""
        ys, mean, brushes, bars = [], [], [], []
        for v, s in enumerate(self.finals()):
            if s.n:
                ys.append(-float(v))
                mean.append(s.mean)
                brushes.append(pg.mkBrush(*run_colour(v)))
            if s.n > 1:
                bars.append((s.mean, -float(v), s.mean - s.lo, s.hi - s.mean))
        y, m = np.array(ys), np.array(mean)
        k = self.type_scale  # lecturer mode: thicker bars, larger points
        bar_pen = pg.mkPen("w" if k > 1 else "#555555", width=2 * k)
        bx, by, left, right = np.array(bars, float).reshape(-1, 4).T
        self.final_bars.setData(x=bx, y=by, left=left, right=right, pen=bar_pen)
        self.final_points.setData(x=m, y=y, brush=brushes, pen=None, size=12 * k)
        if len(m):
            self.final.setXRange(*spread_range(self.finals()), padding=0)

    def _draw_stops(self) -> None:
        """Each early-stopped run: a star on the kept epoch, a cross where it stopped (a run
        that kept an earlier epoch without stopping: the star only)."""
        spots = []
        for r in self.runs.values():
            d = r["done"]
            if d is None or d.best_epoch is None:
                continue
            s, colour = r["evals"], run_colour(r["value"])
            marks = [(d.best_epoch, "star")] if d.best_epoch < round(d.epochs) else []
            if d.status == "early stopped":
                marks.append((round(d.epochs), "x"))
            for epoch, symbol in marks:
                hit = np.flatnonzero(s["epoch"] == epoch) if epoch is not None else []
                if len(hit):
                    y = float(s["val_acc"][hit[-1]])
                    spots.append({"pos": (epoch, y), "symbol": symbol, "brush": colour})
        k = self.type_scale
        self.stops.setData(spots, pen=pg.mkPen("k" if k == 1.0 else "w"), size=16 * k)

    def set_log(self, on: bool) -> None:
        """The loss plot's y axis linear or log (L); what is drawn is drawn again."""
        self.log_y = on
        self.loss.setLogMode(y=on)
        self.redraw()


def _num(v) -> float:
    return float("nan") if v is None else float(v)
