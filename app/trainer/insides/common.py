"""What the insides views share: a tiled mosaic of small images, an image plot with no axes, a
softmax bar chart, and `Tasks`, which runs the engine's slow functions off the GUI thread."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import create_worker

from app.shared.plot_style import fit_title
from app.shared.y_ticks import follow_log_ticks

GREY = pg.colormap.get("CET-L1")  # black to white
HEAT = pg.colormap.get("viridis")


def sign_colormap(theme) -> pg.ColorMap:
    """The explainer's sign colours on an image: the theme's negative (orange) at the low end,
    its canvas (white, or black in lecturer mode) at 0, its positive (blue) at the high end."""
    return pg.ColorMap([0.0, 0.5, 1.0], [theme.negative, theme.canvas, theme.positive])


def mosaic(images: np.ndarray, cols: int, pad: int = 1, fill: float = np.nan) -> np.ndarray:
    """(n, h, w) images laid out row by row in `cols` columns, `pad` pixels apart: (H, W).
    Only a layout for the screen; the values are the images' own."""
    n, h, w = images.shape
    rows = max(1, -(-n // cols))
    out = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad), fill, np.float32)
    for k in range(n):
        r, c = divmod(k, cols)
        out[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = images[k]
    return out


def image_plot(layout: pg.GraphicsLayoutWidget, title: str, row: int, col: int, **kw):
    """A plot holding one image, y pointing down, no axes: (plot, image item)."""
    p = layout.addPlot(row=row, col=col, title=title, **kw)
    fit_title(p)
    p.invertY(True)
    p.setAspectLocked(True)
    p.hideAxis("left")
    p.hideAxis("bottom")
    p.setMenuEnabled(False)
    p.getViewBox().setBorder(pg.mkPen("#888888", width=1.5))  # a black image on black shows
    img = pg.ImageItem(axisOrder="row-major")
    p.addItem(img)
    return p, img


def bar_plot(layout: pg.GraphicsLayoutWidget, title: str, row: int, col: int, **kw):
    """Ten probability bars (classes 0-9): (plot, bar item)."""
    p = layout.addPlot(row=row, col=col, title=title, **kw)
    p.setYRange(0, 1, padding=0.02)
    p.setXRange(-0.6, 9.6, padding=0)
    p.setLabel("bottom", "digit")
    p.setLabel("left", "probability")
    p.getAxis("bottom").setTicks([[(k, str(k)) for k in range(10)], []])
    p.setMouseEnabled(x=False, y=False)
    p.setMenuEnabled(False)
    bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, brush="#1f63b4")
    p.addItem(bars)
    follow_log_ticks(p)  # only the probabilities its height has room for (at lecturer type
    return p, bars  # 1.0, 0.8 … 0 touched one another)


def set_bars(bars: pg.BarGraphItem, probs: np.ndarray, highlight: int | None = None) -> None:
    brushes = ["#1f63b4"] * len(probs)
    if highlight is not None:
        brushes[highlight] = "#e6760a"
    bars.setOpts(height=np.asarray(probs, float), brushes=brushes)


class Tasks(QObject):
    """Runs functions in superqt workers; each result goes to its callback on the GUI thread,
    each failure to `failed` as one sentence. A newer task of the same name supersedes an older
    one (the older's result is dropped). `shutdown` waits for every worker."""

    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._latest: dict[str, object] = {}
        self.running = 0

    def run(self, name: str, fn, *args, on_result=None, on_yield=None, **kwargs):
        # our errored handler says it in one sentence; without _ignore_errors superqt also
        # re-raised it on the GUI thread (a traceback on stderr when a run was selected with
        # MNIST missing)
        w = create_worker(fn, *args, _start_thread=False, _ignore_errors=True, **kwargs)
        self._latest[name] = w
        live = lambda: self._latest.get(name) is w  # noqa: E731

        if on_result is not None:
            w.returned.connect(lambda r: self._call(name, on_result, r) if live() else None)
        if on_yield is not None and hasattr(w, "yielded"):
            w.yielded.connect(lambda r: self._call(name, on_yield, r) if live() else None)
        w.errored.connect(lambda e: self.failed.emit(f"{name}: {e}") if live() else None)
        w.started.connect(self._started)
        w.finished.connect(self._finished)
        w.start()
        return w

    def _call(self, name: str, fn, value) -> None:
        """A callback whose failure becomes a message, never an exception in Qt's loop."""
        try:
            fn(value)
        except Exception as e:  # a view that cannot show what it got says so
            self.failed.emit(f"{name}: could not show the result ({type(e).__name__}: {e})")

    def _started(self) -> None:
        self.running += 1

    def _finished(self) -> None:
        self.running = max(0, self.running - 1)

    def cancel(self, name: str) -> None:
        w = self._latest.pop(name, None)
        if w is not None and hasattr(w, "quit"):
            w.quit()

    def shutdown(self, timeout_ms: int = 30000) -> None:
        for name in list(self._latest):
            self.cancel(name)
        QThreadPool.globalInstance().waitForDone(timeout_ms)
