"""The initialisation schemes side by side at step 0: one column per scheme (zeros, N(0, σ²),
Xavier, He), its top plot the histogram of each layer's activations, its bottom plot the histogram
of each layer's ∂L/∂W entries, one colour per layer. It draws exactly what the engine computed
(engine/numpy_engine/landscape_depth.init_compare); the dock runs that off the GUI thread.

Each histogram is drawn as the share of the layer's numbers in each bin (counts / total), so a
layer of 16 units and one of 1 unit sit on one scale. A layer whose numbers are all one value (the
zeros scheme: every unit the same) is one bar at that value, and the column's title says so.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from app.shared.plot_style import plot_scale, style_scene
from app.shared.y_ticks import follow_log_ticks

# one colour per layer, distinct on white and on black
LAYER_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#17becf", "#bcbd22", "#7f7f7f")  # fmt: skip
TITLES = {"zeros": "zeros", "xavier_normal": "Xavier", "he_normal": "He"}


def title(scheme: str, sigma: float) -> str:
    return TITLES.get(scheme, f"N(0, σ²), σ = {sigma:g}" if scheme == "normal_sigma" else scheme)


def share(hist: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(bin edges, share of the numbers in each bin) of an np.histogram result."""
    counts, edges = hist
    total = counts.sum()
    return edges, counts / total if total else counts.astype(float)


def symmetric(layers) -> bool:
    """Every layer's activations (nearly) one number: the symmetry that never breaks."""
    return all(np.count_nonzero(r.act_hist[0]) <= 1 for r in layers)


def key_text(layers) -> str:
    """Each layer's colour, in one line under the plots (a legend inside a plot hid its bars)."""
    return "  ".join(f'<span style="color:{LAYER_COLOURS[k % len(LAYER_COLOURS)]}">■ layer '
                     f"{lay.layer}</span>" for k, lay in enumerate(layers))  # fmt: skip


class InitsView(pg.GraphicsLayoutWidget):
    """Two rows (activations, gradients) of one plot per scheme."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.curves: dict[tuple[str, str], list[pg.PlotDataItem]] = {}  # (scheme, row) -> lines
        self.plots: dict[tuple[str, str], pg.PlotItem] = {}
        self.lecturer = False
        self.key = None
        self.addLabel("Press “Inits at step 0” to compare the schemes on this net.", row=0, col=0)

    def show_compared(self, compared: dict, sigma: float) -> None:
        """{scheme: InitLayer per layer}: the histograms drawn anew."""
        self.clear()
        self.curves, self.plots = {}, {}
        for c, (scheme, layers) in enumerate(compared.items()):
            head = title(scheme, sigma) + (": every unit alike" if symmetric(layers) else "")
            for r, (row, xlabel) in enumerate((("act", "activation a"), ("grad", "∂L/∂W entry"))):
                p = self.addPlot(row=r, col=c, title=head if r == 0 else None)
                p.setLabel("bottom", xlabel)
                p.getAxis("bottom").enableAutoSIPrefix(False)  # 0.5, not 500 (×0.001)
                p.setLabel("left", "share" if c == 0 else "")
                p.showGrid(x=False, y=True, alpha=0.2)
                follow_log_ticks(p)  # its ticks fitted again once it has its height: fitted
                # while a second comparison's new plots were a few pixels tall, "0" alone stayed
                lines = []
                for k, lay in enumerate(layers):
                    edges, y = share(lay.act_hist if row == "act" else lay.grad_hist)
                    pen = pg.mkPen(LAYER_COLOURS[k % len(LAYER_COLOURS)], width=2)
                    lines.append(p.plot(edges, y, stepMode="center", pen=pen,
                                        name=f"layer {lay.layer}"))  # fmt: skip
                self.curves[(scheme, row)] = lines
                self.plots[(scheme, row)] = p
        layers = next(iter(compared.values()), ())
        self.key = self.addLabel(key_text(layers), row=2, col=0, colspan=max(1, len(compared)))
        self.set_lecturer(self.lecturer)

    def set_lecturer(self, on: bool) -> None:
        self.lecturer = on
        style_scene(self, dark=on, scale=plot_scale(on))
        for p in self.plots.values():  # fewer ticks at the lecturer's type size: no overlap
            p.getAxis("bottom").setTickDensity(0.4 if on else 1.0)
        if self.key is not None:
            self.key.setText(self.key.text, size=f"{10 * plot_scale(on):.0f}pt")
