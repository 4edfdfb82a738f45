"""One look for every plot scene of both windows: normal, or lecturer mode (black background,
large tick labels, curves three times as thick). Applied to whole scenes, so new curves only need
the call repeated. A TextItem given a `base_pt` (its normal point size) scales with the type, and
one given `follows_fg` takes the axes' colour."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QFont

from app.shared.legend_place import place_legend
from app.shared.y_ticks import fit_log_ticks

LECTURER_PLOT_SCALE = 2.0  # type on the plots in lecturer mode, times the normal size


def plot_scale(lecturer: bool) -> float:
    return LECTURER_PLOT_SCALE if lecturer else 1.0


def style_scene(layout: pg.GraphicsLayoutWidget, dark: bool, scale: float = 1.0) -> None:
    fg = "w" if dark else "k"
    layout.type_scale = scale  # for notes the scene adds later
    layout.setBackground("k" if dark else "w")
    font = QFont()
    font.setPointSizeF(9 * scale)
    for item in layout.scene().items():
        if isinstance(item, pg.PlotItem):
            for side in ("left", "bottom"):
                ax = item.getAxis(side)
                ax.setPen(fg)
                ax.setTextPen(fg)
                ax.setStyle(tickFont=font)
                ax.label.setFont(font)
                if side == "left":
                    label_room(ax)
            _title(item, fg, f"{11 * scale:.0f}pt")
        elif isinstance(item, pg.PlotDataItem):
            pen = pg.mkPen(item.opts["pen"])
            base = getattr(item, "_base_width", None)
            if base is None:
                base = item._base_width = pen.widthF() or 1.0
            pen.setWidthF(base * (3.0 if scale > 1 else 1.0))
            item.setPen(pen)
        elif isinstance(item, pg.TextItem) and hasattr(item, "base_pt"):
            style_text(item, fg, scale)
        elif isinstance(item, pg.LegendItem):
            restyle_legend(item, fg, f"{9 * scale:.0f}pt")
    for item in layout.scene().items():
        if isinstance(item, pg.PlotItem):
            place_legend(item)  # its legend's box changed size
            fit_log_ticks(item)  # and its labels' height


def style_text(item: pg.TextItem, fg: str, scale: float) -> None:
    """A note on a plot (a TextItem with `base_pt`) at the plot's type size; one that
    `follows_fg` (a title) in the axes' colour."""
    font = item.textItem.font()
    font.setPointSizeF(item.base_pt * scale)
    item.setFont(font)
    if getattr(item, "follows_fg", False):
        item.setColor(fg)


def label_room(ax: pg.AxisItem) -> None:
    """A left axis one fifth of its title's line wider. pyqtgraph reserves 0.8 of the title's
    height and sets it 5 px out; at lecturer size a descender ("‖g‖") touched the tick labels."""
    if getattr(ax, "_label_room", False):
        ax._updateWidth()
        return
    plain = ax._updateWidth

    def wider() -> None:
        plain()
        if ax.isVisible() and ax.fixedWidth is None and ax.label.isVisible():
            w = ax.maximumWidth() + max(0.0, 0.2 * ax.label.boundingRect().height() - 1.0)
            ax.setMaximumWidth(w)
            ax.setMinimumWidth(w)

    ax._updateWidth, ax._label_room = wider, True
    ax._updateWidth()


def legend_brush(dark: bool) -> pg.QtGui.QBrush:
    """A legend's box: the background at 80% opacity (matplotlib's framealpha), so the curves
    it must cover when every corner holds some stay faintly seen and its words stay legible."""
    return pg.mkBrush(0, 0, 0, 204) if dark else pg.mkBrush(255, 255, 255, 204)


def restyle_legend(legend: pg.LegendItem, colour: str, size: str) -> None:
    """The legend's entries made anew in this colour and size: a label restyled in place keeps
    its old box, so after lecturer mode the rows kept their large spacing and a long name was
    cut off (issue 23)."""
    legend.setLabelTextColor(colour)
    legend.setLabelTextSize(size)
    legend.theme_pt, legend.shrink = float(size.rstrip("pt")), 1.0  # legend_place may shrink it
    legend.setBrush(legend_brush(dark=colour in ("w", "#ffffff", "white")))
    entries = [(sample.item, label.text) for sample, label in legend.items]
    legend.clear()
    for item, name in entries:
        legend.addItem(item, name)


def _title(item: pg.PlotItem, fg: str, size: str) -> None:
    """A plot's title in the look's colour and size."""
    item.titleLabel.setText(item.titleLabel.text, color=fg, size=size)
    fit_title(item)


def fit_title(item: pg.PlotItem) -> None:
    """The title's row as tall as its text: pyqtgraph fixes it at 30 px, which let a two-line
    title (the feature maps') run into the plot, and clipped it in lecturer type."""
    label = item.titleLabel
    if label.isVisible():
        tall = max(30.0, label.item.boundingRect().height())
        label.setMaximumHeight(tall)
        item.layout.setRowFixedHeight(0, tall)
