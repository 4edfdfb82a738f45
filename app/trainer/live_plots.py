"""The live run's plots, one scene (so one PNG/SVG export holds them all): training loss per
record (raw and smoothed), training-set, validation and test loss and accuracy per epoch, the
generalisation gap (training set minus validation, in points) per epoch, early stopping marked
(where the run stopped, which epoch's weights it kept), the learning rate, and the gradient norm
overall and per layer. Each curve is created once and fed with setData from the
engine's growing arrays; the view clips to what is visible and downsamples by peaks, so a run of
100,000 steps draws as fast as a short one."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from app.shared.legend_place import follow, place_legend
from app.shared.plot_style import fit_title, legend_brush
from app.shared.theme import ERROR_RED, run_colour, series_colour
from app.shared.y_ticks import follow_log_ticks
from engine.torch_engine.curves import Ema, Series, ema, log_safe
from engine.torch_engine.plot_ranges import accuracy_range
from engine.torch_engine.records import Done, Eval, Start, Step
from engine.torch_engine.spread import gap

STOP_COLOUR = "#{:02x}{:02x}{:02x}".format(*series_colour(5))  # vermillion: where it stopped
KEPT_COLOUR = "#{:02x}{:02x}{:02x}".format(*series_colour(2))  # bluish green: the epoch kept


def pen(i: int, width: float = 2.0, style=None):
    p = pg.mkPen(series_colour(i), width=width)
    if style is not None:
        p.setStyle(style)
    return p


def run_pen(colour_index: int, width: float = 2.0, style=None):
    """A run's pen: its colour of the run list (run_colours.py), readable on white and black."""
    p = pg.mkPen(run_colour(colour_index), width=width)
    if style is not None:
        p.setStyle(style)
    return p


LEGEND_MARGINS = (5, 3, 5, 3)  # left, top, right, bottom, in pixels


def make_plot(
    layout: pg.GraphicsLayoutWidget,
    title: str,
    x: str,
    y: str,
    row: int,
    col: int,
    colspan: int = 1,
    grid: bool = True,
    legend_at: tuple[int, int] = (-8, 8),
) -> pg.PlotItem:
    """A plot of the scene. Live plots go without a grid: its lines are repainted with every
    new point and cost more than the curves (bench/gui_latency.py --trainer)."""
    p = layout.addPlot(row=row, col=col, colspan=colspan, title=title)
    p.setLabel("bottom", x)
    p.setLabel("left", y)
    p.showGrid(x=grid, y=grid, alpha=0.25)
    for side in ("left", "bottom"):
        p.getAxis(side).enableAutoSIPrefix(False)  # "0.03", never "30 (x0.001)"
    p.setClipToView(True)
    p.setDownsampling(auto=True, mode="subsample")  # the raw loss and gradient norms: peaks
    p.addLegend(offset=legend_at, labelTextSize="9pt", brush=legend_brush(dark=False))
    # pyqtgraph's 9-pixel margins made a two-row legend 58 pixels tall; a live plot at 768
    # pixels has about 54 for it, and a legend that does not fit is hidden
    p.legend.layout.setContentsMargins(*LEGEND_MARGINS)
    # where the legend starts; place_legend moves it to the corner that hides the least
    p.legend_corner = f"{'bottom' if legend_at[1] < 0 else 'top'} " + (
        "right" if legend_at[0] < 0 else "left"
    )
    follow(p)
    follow_log_ticks(p)  # the log y axis (L) names only the decades its height fits
    return p


CURVES = (  # key, the plot it is on, its series_colour, its legend name
    ("raw", "loss", 7, "per record"),
    ("smooth", "loss", 0, "smoothed"),
    ("set_loss", "eval_loss", 3, "training set"),
    ("val_loss", "eval_loss", 1, "validation"),
    ("test_loss", "eval_loss", 0, "test"),
    ("train_acc", "acc", 7, "training batches (smoothed)"),
    ("set_acc", "acc", 3, "training set"),
    ("val_acc", "acc", 1, "validation"),
    ("test_acc", "acc", 0, "test"),
    ("gap", "gap", 5, "accuracy gap"),
    ("lr", "lr", 2, "lr"),
    ("grad", "grad", 0, "all layers"),
)


class LivePlots(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.smoothing = 0.9
        self.log_y = False
        self.loss = make_plot(self, "training loss", "step", "loss", 0, 0, grid=False)
        self.eval_loss = make_plot(self, "loss per epoch", "epoch", "loss", 0, 1, grid=False)
        self.acc = make_plot(  # the legend bottom right: the curves end near 1, top right
            self, "accuracy", "epoch", "accuracy", 1, 0, grid=False, legend_at=(-8, -8)
        )
        self.lr = make_plot(self, "learning rate", "step", "lr", 1, 1, grid=False)
        self.grad = make_plot(
            self, "gradient norm (overall and per layer)", "step", "‖g‖", 2, 0, grid=False
        )
        self.gap = make_plot(
            self, "generalisation gap: training set − validation", "epoch", "points", 2, 1,
            grid=False,
        )  # fmt: skip
        self.gap.legend.scene().removeItem(self.gap.legend)  # one curve: its title says it
        self.gap.legend = None
        self.columns = 2  # set_columns: 3 on a low, wide wall
        self._curves()
        self._stop_marks()
        self.stopped: tuple[float, int | None] | None = None  # (stopped at, kept epoch)
        self.reset()

    def _curves(self) -> None:
        """One curve per CURVES row; the per-epoch ones with a dot at each evaluation."""
        self.curves: dict[str, pg.PlotDataItem] = {}
        for key, plot_name, i, name in CURVES:
            plot = getattr(self, plot_name)
            # thin pens: a wide line costs Qt several times a thin one (lecturer mode widens them)
            self.curves[key] = plot.plot(name=name, pen=pen(i, 1.0 if key == "raw" else 1.5))
        for key in ("raw", "grad"):  # spikes must survive downsampling: a diverging step
            self.curves[key].setDownsampling(auto=True, method="peak")
        for key in ("set_loss", "val_loss", "test_loss", "set_acc", "val_acc", "test_acc", "gap"):
            colour = self.curves[key].opts["pen"].color()
            self.curves[key].setSymbol("o")
            self.curves[key].setSymbolSize(8)
            self.curves[key].setSymbolBrush(pg.mkBrush(colour))
            self.curves[key].setSymbolPen(pg.mkPen(colour))

    def _stop_marks(self) -> None:
        """Where a run diverged, and early stopping's two lines (stopped, kept) on three plots."""
        self.diverged_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(ERROR_RED, width=2))
        self.diverged_text = pg.TextItem(color=ERROR_RED, anchor=(1, 0))
        self.stop_marks = [  # early stopping: (line, its words) on the accuracy and loss plots
            (
                pg.InfiniteLine(angle=90, pen=pg.mkPen(colour, width=2, style=style)),
                pg.TextItem(color=colour, anchor=anchor),
                plot,
            )
            for plot in (self.acc, self.eval_loss, self.gap)
            for colour, style, anchor in (
                (STOP_COLOUR, Qt.PenStyle.DashLine, (0, 0)),
                (KEPT_COLOUR, Qt.PenStyle.SolidLine, (1, 0)),
            )
        ]
        for _, text, _ in self.stop_marks:
            text.base_pt = 9.0  # lecturer mode scales it (plot_style)

    def reset(self, start: Start | None = None) -> None:
        """A new run: empty series, one curve per layer for the gradient norms."""
        self.steps = Series(("step", "epoch", "loss", "smooth", "acc", "lr", "grad"))
        self.evals = Series(
            ("epoch", "test_loss", "test_acc", "val_loss", "val_acc", "set_loss", "set_acc")
        )
        self._ema, self._acc_ema = Ema(self.smoothing), Ema(self.smoothing)
        names = start.layer_names if start is not None else ()
        self._loss_title(start.label_smoothing if start is not None else 0.0)
        self.layer_norms = Series(tuple(names) or ("none",))
        for item in getattr(self, "layer_curves", []):
            self.grad.removeItem(item)
        wide = 3.0 if getattr(self, "type_scale", 1.0) > 1 else 1.0  # made in lecturer mode
        self.layer_curves = [  # as many as layers: the runs' table reads on both canvases
            self.grad.plot(name=n, pen=run_pen(i + 1, 1.2 * wide)) for i, n in enumerate(names)
        ]
        for curve in self.layer_curves:
            curve._base_width = 1.2  # plot_style's normal width for it
        for item in (self.diverged_line, self.diverged_text):
            if item.scene() is not None:
                self.loss.removeItem(item)
        for line, text, plot in self.stop_marks:
            for item in (line, text):
                if item.scene() is not None:
                    plot.removeItem(item)
        self.stopped = None
        self.ended = False  # a Done came: the step axes end at its last step
        for plot in (self.loss, self.eval_loss, self.acc, self.lr, self.grad, self.gap):
            plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)  # not the last run's ranges
            plot.enableAutoRange()  # (an empty plot keeps whatever range it has)
        self.redraw()

    def _loss_title(self, smoothing: float) -> None:
        """With label smoothing the training loss is the smoothed targets' cross-entropy, whose
        floor is above 0; the title says so (the loss per epoch stays plain cross-entropy)."""
        words = f"training loss (smoothed labels, ε = {smoothing:g})" if smoothing else ""
        self.loss.full_title = words or "training loss"
        self._fit_title(self.loss)

    def _fit_title(self, plot: pg.PlotItem) -> None:
        """The plot's title, in two lines where three plots share the width (title_lines)."""
        text = getattr(plot, "full_title", None) or plot.titleLabel.text
        plot.full_title = text
        shown = title_lines(text) if self.columns == 3 else text
        if plot.titleLabel.text != shown:
            plot.setTitle(shown)  # (its colour and size are kept: LabelItem's opts)
            fit_title(plot)

    def set_columns(self, cols: int) -> None:
        """The six plots in 2 columns of 3 rows, or in 3 columns of 2 rows. In lecturer type on
        a 1366 x 768 wall, three rows left each plot about 90 px of curves under its title and
        axis, and every legend covered curves; two rows give them about 200 px."""
        if cols == self.columns or cols not in (2, 3):
            return
        self.columns = cols
        plots = (self.loss, self.eval_loss, self.acc, self.lr, self.grad, self.gap)
        for plot in plots:
            self.ci.removeItem(plot)
        for i, plot in enumerate(plots):
            self.ci.addItem(plot, *divmod(i, cols))
            self._fit_title(plot)

    def add(self, rec) -> None:
        """One record from the engine; drawing waits for `redraw` (called from a timer)."""
        if isinstance(rec, Start):
            self.reset(rec)
        elif isinstance(rec, Step):
            self.steps.append(
                rec.step,
                rec.epoch,
                rec.loss,
                self._ema(rec.loss),
                self._acc_ema(rec.accuracy),
                rec.lr,
                rec.grad_norm,
            )
            if self.layer_curves and len(rec.layer_grad_norms) == len(self.layer_curves):
                self.layer_norms.append(*rec.layer_grad_norms)
        elif isinstance(rec, Eval):
            self.evals.append(
                rec.epoch,
                rec.test_loss,
                rec.test_accuracy,
                _num(rec.val_loss),
                _num(rec.val_accuracy),
                _num(rec.train_loss),  # the training set, in eval mode
                _num(rec.train_accuracy),
            )
        elif isinstance(rec, Done):
            self.ended = True
            if _kept_earlier(rec):
                self.mark_early_stop(rec.epochs, rec.best_epoch, rec.status == "early stopped")

    def mark_early_stop(self, epochs: float, kept: int | None, stopped: bool = True) -> None:
        """Where the run ended (early stopping: where it stopped) and the epoch whose weights it
        kept (early stopping keeps the best validation loss's even when patience never ran out)."""
        self.stopped = (epochs, kept)
        end = f"stopped at epoch {epochs:g}" if stopped else f"ended at epoch {epochs:g}"
        for k, (line, text, plot) in enumerate(self.stop_marks):
            is_kept = k % 2 == 1
            if is_kept and kept is None:
                continue
            x = float(kept) if is_kept else float(epochs)
            line.setValue(x)
            text.setText(f"kept epoch {kept}" if is_kept else end)
            plot.addItem(line, ignoreBounds=True)
            plot.addItem(text, ignoreBounds=True)
        self._place_stop_words()

    def _place_stop_words(self) -> None:
        """The words at the top of each plot, beside their line."""
        if self.stopped is None:
            return
        epochs, kept = self.stopped
        for k, (_, text, plot) in enumerate(self.stop_marks):
            (_, _), (_, top) = plot.viewRange()
            text.setPos(float(kept if k % 2 and kept is not None else epochs), top)

    def mark_diverged(self, step: int, message: str) -> None:
        self.diverged_line.setValue(step)
        self.diverged_text.setText(f"diverged at step {step}")
        finite = self.steps["loss"][np.isfinite(self.steps["loss"]) & (self.steps["loss"] > 0)]
        top = float(finite.max()) if finite.size else 1.0
        self.diverged_text.setPos(step, np.log10(top) if self.log_y else top)  # view coordinates
        self.loss.addItem(self.diverged_line, ignoreBounds=True)
        self.loss.addItem(self.diverged_text, ignoreBounds=True)

    def set_smoothing(self, weight: float) -> None:
        """The slider moved: recompute the smoothed curves once, then keep appending."""
        self.smoothing = weight
        s = self.steps
        if len(s):
            s["smooth"][:] = ema(s["loss"], weight)
        self._ema = Ema.resume(weight, s["smooth"][-1] if len(s) else None)
        self.redraw()

    def set_log(self, on: bool) -> None:
        self.log_y = on
        for p in (self.loss, self.eval_loss, self.lr, self.grad):
            p.setLogMode(y=on)
        self.redraw()

    def redraw(self) -> None:
        """Every plot at once (a finished run, a changed axis, an export)."""
        for part in ("loss", "grad", "lr", "epochs"):
            self.redraw_part(part)

    def redraw_next(self) -> None:
        """One plot per call, in turn, the training loss every other call: while training, a
        tick repaints one plot's area instead of the whole scene (bench/gui_latency.py)."""
        self._turn = (getattr(self, "_turn", -1) + 1) % len(LIVE_ORDER)
        self.redraw_part(LIVE_ORDER[self._turn])

    def redraw_part(self, part: str) -> None:
        s, e, c = self.steps, self.evals, self.curves
        y = log_safe if self.log_y else np.asarray
        x = s["step"]
        if part == "loss":
            c["raw"].setData(x, y(s["loss"]))
            c["smooth"].setData(x, y(s["smooth"]))
            grow_x(self.loss, x, self.ended)
        elif part == "grad":
            c["grad"].setData(x, y(s["grad"]))
            n = len(self.layer_norms)
            for k, curve in enumerate(self.layer_curves):
                curve.setData(x[-n:] if n else [], y(self.layer_norms[self.layer_norms.names[k]]))
            grow_x(self.grad, x, self.ended)
        elif part == "lr":
            c["lr"].setData(x, y(s["lr"]))
            grow_x(self.lr, x, self.ended)
            top = float(np.nanmax(s["lr"])) if len(x) else float("nan")
            if not self.log_y and np.isfinite(top) and top > 0:  # from 0: a constant 0.001 was a
                self.lr.setYRange(0, 1.1 * top, padding=0)  # flat line on a -0.4 to 0.4 axis
        else:
            c["train_acc"].setData(s["epoch"], s["acc"])
            points = 100 * gap(e["set_acc"], e["val_acc"])  # the engine's subtraction
            for key, v in (
                ("set_loss", y(e["set_loss"])),
                ("val_loss", y(e["val_loss"])),
                ("test_loss", y(e["test_loss"])),
                ("set_acc", e["set_acc"]),
                ("val_acc", e["val_acc"]),
                ("test_acc", e["test_acc"]),
                ("gap", points),
            ):
                keep = np.isfinite(v)  # no validation set: no points (and no all-NaN bounds)
                c[key].setData(e["epoch"][keep], v[keep])
            acc = np.concatenate([s["acc"], e["val_acc"], e["test_acc"], e["set_acc"]])
            self.acc.setYRange(*accuracy_range(acc), padding=0)  # never beyond [0, 1]
            self._place_stop_words()
        for plot in PART_PLOTS[part](self):
            place_legend(plot)  # the curves moved under it


LIVE_ORDER = ("loss", "grad", "loss", "lr", "loss", "epochs")
PART_PLOTS = {  # the plots with a legend each part of redraw_part draws on
    "loss": lambda w: (w.loss,),
    "grad": lambda w: (w.grad,),
    "lr": lambda w: (w.lr,),
    "epochs": lambda w: (w.eval_loss, w.acc),
}


def title_lines(text: str) -> str:
    """A long title in two lines, broken before its bracket or after its colon."""
    if " (" in text:
        return text.replace(" (", "<br>(", 1)
    return text.replace(": ", ":<br>", 1)


def _kept_earlier(done: Done) -> bool:
    """Whether the run ends with an earlier epoch's weights than its last (early stopping)."""
    return done.status == "early stopped" or (
        done.best_epoch is not None and done.best_epoch < round(done.epochs)
    )


def _num(v) -> float:
    return float("nan") if v is None else float(v)


def grow_x(plot: pg.PlotItem, x: np.ndarray, ended: bool = False) -> None:
    """The x range grows in doublings instead of following every point: a new range re-lays
    the axis out, the costliest part of a repaint. A run that `ended` ends its axis at its last
    step (an 8-step run's axis went to 15, a 640-step run's to 1,000: it looked cut short)."""
    if not len(x):
        return
    hi = float(x[-1])
    (_, x1), _ = plot.viewRange()
    if ended:
        if x1 != hi:
            plot.enableAutoRange(x=False)
            plot.setXRange(0, max(hi, 1.0), padding=0)
        return
    if plot.getViewBox().autoRangeEnabled()[0] or hi > x1 or hi < x1 / 4:
        plot.enableAutoRange(x=False)
        plot.setXRange(0, max(8.0, 2.0 ** np.ceil(np.log2(hi * 1.05))), padding=0)
