"""A log-scale axis names only the decades its height fits at its type size: the labels pyqtgraph
draws never overlap (the Landscape panel's loss per step at lecturer size wrote "10", "1", "0.1"
and "0.01" over one another), a tall axis names every decade, the labels are written out."""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QFont, QImage, QPainter

from app.shared.y_ticks import LABEL_ROOM, decade_labels, decade_step, follow_log_ticks


@pytest.mark.parametrize(
    "decades, height, label",
    [(4, 60, 18), (4, 300, 14), (12, 100, 10), (1, 20, 30), (0.5, 400, 12), (40, 900, 16)],
)
def test_the_step_is_the_least_that_leaves_each_label_its_room(decades, height, label):
    step = decade_step(decades, height, label)
    per_decade = height / decades
    assert step * per_decade >= LABEL_ROOM * label  # room for each label
    assert step == 1 or (step - 1) * per_decade < LABEL_ROOM * label  # and no more than that


@pytest.mark.parametrize("bad", [(0, 100, 10), (np.inf, 100, 10), (np.nan, 100, 10), (3, 0, 10)])
def test_a_degenerate_axis_names_every_decade(bad):
    assert decade_step(*bad) == 1


def test_the_labels_are_written_out_between_a_thousandth_and_a_thousand():
    assert decade_labels([-5, -3, -1, 0, 1, 2, 3, 4]) == [
        "10⁻⁵", "0.001", "0.1", "1", "10", "100", "1000", "10⁴",
    ]  # fmt: skip
    assert decade_labels([np.log10(2), np.log10(300)]) == ["2", "300"]
    assert decade_labels([np.log10(2e-5), np.log10(3e-5), -5, np.log10(5e6)]) == [
        "2·10⁻⁵", "3·10⁻⁵", "10⁻⁵", "5·10⁶",
    ]  # fmt: skip


def drawn_label_rects(plot):
    axis = plot.getAxis("left")
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [rect for rect, _, _ in specs[2]] if specs else []


def assert_apart(rects):
    """At least two labels drawn, none over another."""
    assert len(rects) >= 2
    for k, a in enumerate(rects):
        for b in rects[k + 1 :]:
            assert not a.intersects(b), (a, b)


def log_plot(qtbot, height, point_size):
    w = pg.PlotWidget()
    qtbot.addWidget(w)
    w.resize(300, height)
    plot = w.getPlotItem()
    plot.setLogMode(y=True)
    font = QFont()
    font.setPointSizeF(point_size)
    plot.getAxis("left").setStyle(tickFont=font)
    follow_log_ticks(plot)
    plot.plot(np.arange(5.0), [1e-3, 1e-2, 1e-1, 1, 1e2])
    w.show()
    qtbot.waitExposed(w)
    qtbot.wait(50)
    plot.widget = w  # the widget lives as long as the test holds the plot
    return plot


def test_a_short_axis_at_lecturer_size_draws_no_label_over_another(qtbot):
    """The Landscape panel's decades() named four decades whatever the height."""
    from app.explainer.landscape_strip import decades

    plot = log_plot(qtbot, 80, 18)  # the race plot at lecturer size: about 60 px of axis
    decades(plot, [0.01, 0.1, 1, 10])
    qtbot.wait(50)
    assert_apart(drawn_label_rects(plot))


def test_a_tall_axis_names_every_decade(qtbot):
    plot = log_plot(qtbot, 700, 9)
    assert len(drawn_label_rects(plot)) >= 6  # 0.001 ... 100
    plot.setLogMode(y=False)  # linear again: pyqtgraph's own ticks
    qtbot.wait(50)
    assert plot.getAxis("left")._tickSpacing is None


def test_a_narrow_log_range_keeps_labels_between_the_decades(qtbot):
    """A loss from 0.3 to 2 spans less than a decade: whole decades alone named one tick, or
    none (the trainer's loss per epoch on a log axis in lecturer mode)."""
    plot = log_plot(qtbot, 300, 18)
    plot.listDataItems()[0].setData(np.arange(4.0), [2.0, 1.1, 0.6, 0.3])
    plot.setYRange(np.log10(0.3), np.log10(2.0))
    qtbot.wait(100)
    assert len(drawn_label_rects(plot)) >= 2


@pytest.mark.parametrize("height, size", [(90, 9), (80, 18), (300, 18), (700, 9)])
def test_a_narrow_log_range_names_what_fits_between_the_decades(qtbot, height, size):
    """The Landscape panel's layer strip, 0.8 to 100 in a short plot: pyqtgraph's own ticks
    wrote "100", "90", "80"... over one another. Labels are 1-9, 1-2-5, 1-3 or 1 x 10^k, the
    densest that fits; the others' places are unlabelled ticks."""
    plot = log_plot(qtbot, height, size)
    plot.listDataItems()[0].setData(np.arange(3.0), [0.8, 18.0, 2.0])
    plot.setYRange(np.log10(0.8), np.log10(100.0), padding=0)
    qtbot.wait(100)
    rects = drawn_label_rects(plot)
    assert_apart(rects)
    levels = plot.getAxis("left")._tickLevels
    if levels is None:  # not even 1, 10 and 100 fit: every other decade, decade_step's
        assert height < 100 and size > 9
        return
    named = [t for v, t in levels[0]]
    assert set(named) <= {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "20", "30", "40",
                          "50", "60", "70", "80", "90", "100"}  # fmt: skip
    assert ("100" in named and "10" in named) or height < 100
    if height >= 700:
        assert len(named) >= 7  # a tall axis: 1-2-5 at least
    plot.setYRange(-3, 2, padding=0)  # five decades again: whole decades, no fixed ticks
    qtbot.wait(50)
    assert plot.getAxis("left")._tickLevels is None
    assert_apart(drawn_label_rects(plot))


def test_between_decades_picks_the_densest_that_fits():
    from app.shared.y_ticks import between_decades

    lo, hi = np.log10(0.3), np.log10(2.0)
    named = [t for _, t in between_decades(lo, hi, 600, 14)[0]]
    assert named == ["0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1", "2"]
    named = [t for _, t in between_decades(lo, hi, 60, 14)[0]]
    assert named in (["0.5", "1", "2"], ["1", "2"], ["0.3", "1"])
    named = [t for _, t in between_decades(lo, hi, 300, 14)[0]]
    assert named == ["0.5", "1", "2"]  # 0.9 and 1 would be 17 px apart: 1-2-5
    assert between_decades(0.0, 2.0, 20, 14) is None  # not even 1 and 10 fit: whole decades
    for bad in ((0.0, 0.0), (1.0, 0.0), (0.0, np.inf), (np.nan, 1.0)):
        assert between_decades(*bad, 300, 14) is None


def test_a_short_linear_axis_at_lecturer_size_draws_no_label_over_another(qtbot):
    """The trainer's learning rate, 0 to 0.0011, in a plot about 60 px tall at 18 pt."""
    plot = log_plot(qtbot, 80, 18)
    plot.setLogMode(y=False)
    plot.setYRange(0, 1, padding=0)  # first another range (the live plots' reset: 0 to 1)
    qtbot.wait(50)
    plot.listDataItems()[0].setData(np.arange(4.0), [0.001] * 4)
    plot.setYRange(0, 0.0011, padding=0)
    qtbot.wait(100)
    assert_apart(drawn_label_rects(plot))


@pytest.mark.parametrize("lecturer", [False, True])
def test_a_left_axis_title_keeps_clear_of_its_tick_labels(qtbot, lecturer):
    """pyqtgraph reserves 0.8 of the title's height: at lecturer size the descender of "‖g‖"
    touched the tick labels; plot_style gives the title its whole line."""
    from app.shared.plot_style import plot_scale, style_scene

    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    plot = w.addPlot()
    plot.setLabel("left", "‖g‖")
    plot.plot([0, 1, 2], [0.5, 3.5, 1.0])
    w.resize(500, 300)
    w.show()
    qtbot.waitExposed(w)
    for _ in range(2):  # styled twice: the room is given once, and follows the type
        style_scene(w, dark=lecturer, scale=plot_scale(lecturer))
    qtbot.wait(10)
    axis = plot.getAxis("left")
    rect = axis.mapRectToScene(axis.boundingRect()).toRect().intersected(w.rect())
    image = w.grab(rect).toImage()
    ground = image.pixelColor(0, image.height() // 2).lightness()
    inked = [
        any(abs(image.pixelColor(x, y).lightness() - ground) > 60 for y in range(image.height()))
        for x in range(image.width())
    ]
    first_gap = inked.index(False, inked.index(True))  # the title's ink ends
    next_ink = inked.index(True, first_gap)  # the tick labels' begins
    assert next_ink - first_gap >= 3, (first_gap, next_ink)


def test_log_off_with_the_range_unchanged_drops_the_log_labels(qtbot):
    """L twice before a run: the linear 0 to 1 axis kept the log range's "1, 2, 5, 10"."""
    plot = log_plot(qtbot, 300, 9)
    plot.setYRange(np.log10(0.8), np.log10(20.0), padding=0)
    qtbot.wait(50)
    assert plot.getAxis("left")._tickLevels is not None  # a narrow log range: ours
    plot.setLogMode(y=False)
    assert plot.getAxis("left")._tickLevels is None


def test_ticks_the_app_gave_an_axis_stay(qtbot):
    """The noise view names its error axis 0.01, 0.02, 0.05...: a narrow range replaced them,
    and a wide one then cleared them for good."""
    plot = log_plot(qtbot, 300, 9)
    given = [[(float(np.log10(v)), f"{v:g}") for v in (0.01, 0.02, 0.05, 0.1, 1)], []]
    plot.getAxis("left").setTicks(given)
    for lo, hi in ((np.log10(0.05), np.log10(1.5)), (-2.0, 1.0), (-5.0, 2.0)):
        plot.setYRange(lo, hi, padding=0)
        qtbot.wait(20)
        assert plot.getAxis("left")._tickLevels is given


def test_a_narrow_range_with_room_for_one_label_names_one():
    from app.shared.y_ticks import between_decades

    one = between_decades(np.log10(0.15), np.log10(0.45), 60, 28)
    assert [t for _, t in one[0]] == ["0.2"] and len(one[1]) >= 2  # 0.3, 0.4 unlabelled
    none_inside = between_decades(np.log10(0.31), np.log10(0.39), 60, 14)
    assert [t for _, t in none_inside[0]] == ["0.35"] and none_inside[1] == []


def test_the_unlabelled_ticks_follow_the_range(qtbot):
    plot = log_plot(qtbot, 200, 9)
    plot.setYRange(np.log10(0.45), np.log10(2.95), padding=0)
    qtbot.wait(20)
    plot.setYRange(np.log10(0.45), np.log10(3.5), padding=0)
    qtbot.wait(20)
    levels = plot.getAxis("left")._tickLevels
    assert any(abs(v - np.log10(3)) < 1e-9 for level in levels for v, _ in level)
