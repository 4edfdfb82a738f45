"""Legends go to the corner of their plot that hides the least of the curves (their markers
above all), take two columns where one would fill a short plot, never reach past the plot, and
do not hop while nothing changes."""

import numpy as np
import pyqtgraph as pg

from app.shared import legend_place as lp
from engine.torch_engine.records import Eval, Start, Step


def test_sampled_points_lie_on_the_segments_and_skip_non_finite():
    x, y = lp.sampled([0.0, 1.0, np.nan, 3.0], [0.0, 2.0, 5.0, 0.0], n=50)
    assert len(x) == 50 and x[0] == 0 and x[-1] == 3 and np.all(np.isfinite(y))
    first = x <= 1.0  # on y = 2x, then on the segment from (1, 2) to (3, 0): y = 3 - x
    assert np.allclose(y[first], 2 * x[first]) and np.allclose(y[~first], 3 - x[~first])
    long_x = np.arange(500.0)
    assert lp.sampled(long_x, long_x)[0] is not None and len(lp.sampled(long_x, long_x)[0]) == 500
    assert len(lp.sampled([1.0], [np.inf])[0]) == 0


def test_hidden_counts_against_a_count_by_hand():
    w, h, size = 200.0, 100.0, (50.0, 20.0)  # boxes: x 8-58 or 142-192, y 8-28 or 72-92 (±4)
    pts = np.array(
        [
            [10, 10, 1.0],  # top left
            [150, 80, 1.0],  # bottom right
            [150, 85, 20.0],  # bottom right, a marker
            [100, 50, 1.0],  # the middle: no corner
            [190, 31, 1.0],  # top right's margin (28 + 4 = 32)
            [190, 33, 1.0],  # just below it
        ]
    )
    counts = dict(zip(lp.CORNERS, lp.hidden_counts(pts, size, w, h), strict=True))
    assert counts == {"top right": 1, "bottom right": 21, "top left": 1, "bottom left": 0}


def test_corner_anchors_point_into_the_view():
    assert lp.corner_anchor("top left") == ((0, 0), (lp.MARGIN, lp.MARGIN))
    assert lp.corner_anchor("bottom right") == ((1, 1), (-lp.MARGIN, -lp.MARGIN))


def feed(live, acc_at, steps=24):
    """A 3-epoch run whose accuracies are acc_at(epoch) (training, validation, test)."""
    live.add(Start("cpu", "", "CPU", 1000, 8, steps, 1000, ("dense 1", "dense 2", "dense 3")))
    for s in range(1, steps + 1):
        live.add(Step(s, s / 8, 2.0 - s / 20, 0.55 + 0.15 * s / steps, 1e-3, 1e3, 1.5 + s / 30,
                      (0.8, 1.0, 1.2 + s / 20), 0.1))  # fmt: skip
    for e in (1, 2, 3):
        tr, va, te = acc_at(e)
        live.add(Eval(8 * e, float(e), 1 - te, te, 1 - va, va, 0.1, 1 - tr, tr))
    live.redraw()


def settle(qtbot, live):
    qtbot.wait(50)
    live.redraw()  # the auto-ranges of the last setData are in now
    qtbot.wait(50)


def marker_pixels(plot):
    pts = lp.curve_pixels(plot)
    return pts[pts[:, 2] == lp.MARKER_WEIGHT]


def legend_rect_in_view(plot):
    """The legend's box in the view box's pixels."""
    vb = plot.getViewBox()
    return plot.legend.mapRectToItem(vb, plot.legend.boundingRect())


def test_the_accuracy_legend_leaves_the_evaluations_markers_seen(qtbot, live):
    """Falling accuracies end in the bottom right, where the legend starts: it moves."""
    feed(live, lambda e: (0.97 - 0.12 * e, 0.95 - 0.12 * e, 0.96 - 0.12 * e))
    settle(qtbot, live)
    assert live.acc.legend.corner != "bottom right"
    box = legend_rect_in_view(live.acc).adjusted(-2, -2, 2, 2)
    hidden = [p for p in marker_pixels(live.acc) if box.contains(pg.QtCore.QPointF(p[0], p[1]))]
    assert hidden == []
    view = live.acc.getViewBox().boundingRect()
    assert box.left() >= view.left() and box.right() <= view.right()  # within the plot


def test_the_gradient_legend_leaves_the_rising_curves(qtbot, live):
    feed(live, lambda e: (0.9, 0.9, 0.9))
    settle(qtbot, live)
    assert live.grad.legend.corner in ("top left", "bottom left")  # the curves rise on the right
    pts = lp.curve_pixels(live.grad)
    rect = legend_rect_in_view(live.grad)
    inside = [p for p in pts if rect.contains(pg.QtCore.QPointF(p[0], p[1]))]
    assert inside == []


def test_lecturer_type_never_pushes_a_legend_past_its_plot(qtbot, live):
    from app.shared.plot_style import style_scene

    feed(live, lambda e: (0.6 + 0.08 * e, 0.62 + 0.08 * e, 0.6 + 0.08 * e))
    live.resize(900, 440)
    style_scene(live, True, 2.0)
    settle(qtbot, live)
    for plot in (live.loss, live.eval_loss, live.acc, live.lr, live.grad):
        view = plot.getViewBox().boundingRect()
        box = legend_rect_in_view(plot)
        if box.width() + 2 * lp.MARGIN <= view.width():  # a legend that fits stays inside
            assert view.left() <= box.left() and box.right() <= view.right() + 0.5, plot


def test_a_placed_legend_stays_put_when_placed_again(qtbot, live):
    feed(live, lambda e: (0.6 + 0.08 * e, 0.62 + 0.08 * e, 0.6 + 0.08 * e))
    settle(qtbot, live)
    before = {n: (getattr(live, n).legend.corner, getattr(live, n).legend.columnCount)
              for n in ("loss", "acc", "grad", "lr", "eval_loss")}  # fmt: skip
    for n in before:
        lp.place_legend(getattr(live, n))
        assert (getattr(live, n).legend.corner, getattr(live, n).legend.columnCount) == before[n]


def test_a_tie_keeps_the_corner_it_has(qtbot):
    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    w.resize(500, 400)
    w.show()
    plot = w.addPlot()
    plot.addLegend(offset=(-8, 8))
    plot.plot([0, 1], [0.5, 0.5], name="flat in the middle")
    qtbot.waitExposed(w)
    plot.legend.corner = "bottom left"
    assert lp.place_legend(plot) == "bottom left"  # nothing is hidden anywhere: no hop


def test_an_empty_or_missing_legend_is_left_alone(qtbot):
    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    plot = w.addPlot()
    assert lp.place_legend(plot) is None  # no legend
    plot.addLegend()
    assert lp.place_legend(plot) is None  # no entries
    plot.plot([np.nan, np.inf], [1.0, np.nan], name="nothing finite")
    w.resize(300, 200)
    w.show()
    qtbot.waitExposed(w)
    assert lp.place_legend(plot) in lp.CORNERS


def test_in_a_short_plot_the_choice_hides_the_least_of_every_layout_that_fits(qtbot, live):
    feed(live, lambda e: (0.6 + 0.08 * e, 0.62 + 0.08 * e, 0.6 + 0.08 * e))
    live.resize(1000, 560)
    settle(qtbot, live)
    plot = live.acc
    view = plot.getViewBox().boundingRect()
    pts = lp.curve_pixels(plot)
    shrink, sizes = lp.layouts(plot.legend, view.width(), view.height())
    assert shrink == plot.legend.shrink
    scores = {
        (c, k): dict(
            zip(lp.CORNERS, lp.hidden_counts(pts, size, view.width(), view.height()), strict=True)
        )[k]  # fmt: skip
        for c, size in sizes.items()
        for k in lp.CORNERS
    }
    chosen = (plot.legend.columnCount, plot.legend.corner)
    assert scores[chosen] == min(scores.values())


def test_a_legend_taller_than_its_plot_shrinks_until_every_name_shows(qtbot, live):
    """On a 1366 x 768 laptop the accuracy plot's four names ran under the view's edge ("test"
    was gone) and the gradient plot showed three of its four layers."""
    feed(live, lambda e: (0.6 + 0.08 * e, 0.62 + 0.08 * e, 0.6 + 0.08 * e))
    live.resize(700, 520)  # views about 80 px tall, as on the laptop
    settle(qtbot, live)
    for plot in (live.acc, live.grad, live.eval_loss):
        assert plot.legend.isVisible(), plot
        view = plot.getViewBox().boundingRect()
        box = plot.legend.mapRectToItem(plot.getViewBox(), plot.legend.boundingRect())
        assert box.height() <= view.height() + 0.5 and box.width() <= view.width() + 0.5, plot
        assert box.top() >= -0.5 and box.bottom() <= view.height() + 0.5
    assert min(p.legend.shrink for p in (live.acc, live.grad)) < 1.0  # some had to shrink
    live.resize(500, 300)  # views a few pixels tall: no legend rather than a cut one
    settle(qtbot, live)
    assert not live.acc.legend.isVisible()
    live.resize(1400, 900)
    settle(qtbot, live)
    assert live.acc.legend.isVisible() and live.acc.legend.shrink == 1.0  # the theme's type


def test_views_70_pixels_tall_keep_every_legend(qtbot, live):
    """The trainer at 1366 x 768 with its run list: views about 70 px tall. pyqtgraph's 9-px
    legend margins and one name per row made the loss's two names and the accuracy's four too
    tall, and they were hidden: the student saw curves without their names."""
    feed(live, lambda e: (0.6 + 0.08 * e, 0.62 + 0.08 * e, 0.6 + 0.08 * e))
    live.resize(900, 445)
    settle(qtbot, live)
    heights = [p.getViewBox().boundingRect().height() for p in (live.loss, live.acc, live.grad)]
    assert all(60 <= h <= 75 for h in heights), heights
    for plot in (live.loss, live.eval_loss, live.acc, live.grad, live.lr):
        assert plot.legend.isVisible(), plot.titleLabel.text
