"""One experiment's plots, drawn as its runs arrive:
- learning-rate sweep: loss curves overlaid, and final accuracy against the LR (log axis), a
  diverged run marked as such;
- batch-size sweep: loss against steps, epochs and wall-clock seconds side by side, then final
  accuracy and samples/s against the batch size;
- LR range test: smoothed loss against the LR (log axis), the suggested LR marked with the rule
  that chose it.
The layout is built once per experiment; each run's curves once, when its first record comes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from app.shared.theme import series_colour
from app.trainer.live_plots import make_plot, pen
from engine.torch_engine.curves import Ema, Series
from engine.torch_engine.records import Diverged, Done, LrPoint, LrSuggestion, Step

SWEEP_X = (("step", "steps"), ("epoch", "epochs"), ("elapsed", "seconds"))


class ExperimentPlots(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.kind = ""
        self.log_y = False
        self.suggestion: LrSuggestion | None = None
        self.begin("", ())

    def begin(self, kind: str, values: tuple[float, ...]) -> None:
        """A new experiment: its own layout, no runs yet."""
        self.clear()
        self.kind, self.values, self.suggestion = kind, tuple(values), None
        self.runs: dict[int, dict] = {}  # run index -> series, curves, final figures
        self.loss_plots: list[tuple[str, pg.PlotItem]] = []
        if kind == "lr-sweep":
            self.loss_plots = [
                ("step", make_plot(self, "training loss per LR", "step", "loss", 0, 0))
            ]
            self.final = make_plot(self, "final test accuracy", "learning rate", "accuracy", 0, 1)
            self.final.setLogMode(x=True)
        elif kind == "batch-sweep":
            for col, (key, label) in enumerate(SWEEP_X):
                p = make_plot(self, f"training loss against {label}", label, "loss", 0, col)
                self.loss_plots.append((key, p))
            self.final = make_plot(self, "final test accuracy", "batch size", "accuracy", 1, 0)
            self.speed = make_plot(self, "throughput", "batch size", "samples/s", 1, 1)
            for p in (self.final, self.speed):
                p.setLogMode(x=True)
        elif kind == "lr-find":
            self.range = make_plot(self, "LR range test", "learning rate", "smoothed loss", 0, 0)
            self.range.setLogMode(x=True)
            self.range_curve = self.range.plot(name="smoothed loss", pen=pen(0, 2.5))
            self.points = Series(("lr", "smoothed"))
        if kind in ("lr-sweep", "batch-sweep"):
            for p in [self.final] + ([self.speed] if kind == "batch-sweep" else []):
                ticks = [(float(np.log10(v)), f"{v:g}") for v in values if v > 0]
                p.getAxis("bottom").setTicks([ticks, []])  # one label per swept value
            self.final_curve = self.final.plot(pen=pen(7, 1.5), symbol="o", symbolSize=10)
            self.marks = pg.TextItem(color="#c0392b", anchor=(0.5, 1))
        self.set_log(self.log_y)
        if kind == "batch-sweep":
            self.speed_curve = self.speed.plot(pen=pen(7, 1.5), symbol="s", symbolSize=10)

    def _run(self, index: int, label: str, run_id: int) -> dict:
        """A run's curves, in its colour of the run list (the store's run id picks it)."""
        if index not in self.runs:
            colour = series_colour(run_id)
            curves = [
                p.plot(name=label if k == 0 else None, pen=pen(run_id, 2.0))
                for k, (_, p) in enumerate(self.loss_plots)
            ]
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
        run = self._run(tagged.run_index, tagged.label, tagged.run_id)
        if isinstance(rec, Step):
            run["series"].append(rec.step, rec.epoch, rec.elapsed, run["ema"](rec.loss))
            run["speed"].append(rec.samples_per_s)
        elif isinstance(rec, Diverged):
            run["diverged"] = rec
        elif isinstance(rec, Done):
            run["done"] = rec
            self._finals()

    def _mark_suggestion(self, s: LrSuggestion) -> None:
        line = pg.InfiniteLine(np.log10(s.lr), angle=90, pen=pg.mkPen("#c0392b", width=2))
        text = pg.TextItem(f"suggested {s.lr:.2g}\n({s.rule})", color="#c0392b", anchor=(0, 0))
        self.range.addItem(line, ignoreBounds=True)
        self.range.addItem(text, ignoreBounds=True)
        finite = np.asarray(s.smoothed, float)
        finite = finite[np.isfinite(finite)]
        text.setPos(np.log10(s.lr), float(finite.max()) if finite.size else 1.0)

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
        brushes = [pg.mkBrush("#c0392b" if k in bad else c) for k, c in enumerate(colours)]
        self.final_curve.setData(xs, acc, symbolBrush=brushes)
        if bad:
            self.marks.setText("red: diverged (the last good weights were kept)")
            if self.marks.scene() is None:
                self.final.addItem(self.marks)
            self.marks.setPos(np.log10(xs[bad[0]]), float(np.nanmax(acc)) if acc else 1.0)
        if self.kind == "batch-sweep":
            self.speed_curve.setData(xs, speed)

    def set_log(self, on: bool) -> None:
        """Log y for the loss curves (a diverging run no longer flattens the others)."""
        self.log_y = on
        for _, p in self.loss_plots:
            p.setLogMode(y=on)
        if self.kind == "lr-find":
            self.range.setLogMode(x=True, y=on)

    def redraw(self) -> None:
        if self.kind == "lr-find":
            self.range_curve.setData(self.points["lr"], self.points["smoothed"])
            return
        for run in self.runs.values():
            s = run["series"]
            for (key, _), curve in zip(self.loss_plots, run["curves"], strict=True):
                curve.setData(s[key], s["smooth"])
