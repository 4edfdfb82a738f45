"""The experiment plots fed records by hand (issue 23, defects 11-12): the loss axis around the
runs that learned, a blown-up run named, accuracy inside [0, 1], the legend off the data,
colours readable on white and black, the LR range test's note inside its plot."""

import numpy as np
import pytest

from app.shared.theme import LECTURER, NORMAL, contrast_ratio
from engine.torch_engine.jobs import Tagged
from engine.torch_engine.plot_ranges import HEADROOM
from engine.torch_engine.records import Done, LrPoint, LrSuggestion, Step

LRS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)


@pytest.fixture
def plots(qtbot):
    from app.trainer.experiment_plots import ExperimentPlots

    p = ExperimentPlots()
    qtbot.addWidget(p)
    p.resize(1400, 700)
    p.show()
    qtbot.waitExposed(p)
    return p


def step(i, loss):
    return Step(i, i / 50, loss, 0.5, 0.01, 1000.0, 1.0, (1.0,), i * 0.1)


def feed_sweep(p, finish=True):
    """Four runs that learn, and lr = 1 that climbs from 2.3 to 16 (the issue's sweep)."""
    p.begin("lr-sweep", LRS)
    for k in range(len(LRS)):
        losses = np.linspace(2.3, 16, 40) if k == 4 else np.geomspace(2.3, 2.0 / (k + 1), 40)
        for i, v in enumerate(losses):
            p.add(Tagged(k + 1, k, f"lr={LRS[k]:g}", step(i, float(v))))
        if finish:
            acc = 0.1 if k == 4 else 0.9 + 0.02 * k
            done = Done("finished", 40, 1.0, 0.3, acc, 4.0, None, "cpu")
            p.add(Tagged(k + 1, k, f"lr={LRS[k]:g}", done))
    p.redraw()


def test_a_diverging_run_does_not_squash_the_others_and_is_named(plots, qtbot):
    feed_sweep(plots, finish=False)
    loss_plot = plots.loss_plots[0][1]
    (_, _), (y0, y1) = loss_plot.viewRange()
    assert y0 == pytest.approx(0) and y1 == pytest.approx(2.3 * HEADROOM, rel=1e-3)
    assert "lr=1 blew up: off the scale" in loss_plot.titleLabel.text
    plots.set_log(True)
    plots.redraw()
    (_, _), (y0, y1) = loss_plot.viewRange()
    assert y1 == pytest.approx(np.log10(2.3 * HEADROOM), rel=1e-3) and -1 < y0 < np.log10(0.7)


def test_the_accuracy_axis_stays_inside_0_1_while_running(plots):
    plots.begin("lr-sweep", LRS)
    done = Done("finished", 40, 1.0, 0.3, 0.95, 4.0, None, "cpu")
    plots.add(Tagged(1, 0, "lr=0.0001", step(1, 2.0)))
    plots.add(Tagged(1, 0, "lr=0.0001", done))  # one point: auto-range gave 0.5-1.4
    _, (y0, y1) = plots.final.viewRange()
    assert 0.0 <= y0 < 0.95 < y1 <= 1.0
    feed_sweep(plots)
    _, (y0, y1) = plots.final.viewRange()
    assert 0.0 <= y0 <= 0.1 and y1 <= 1.0


def test_the_sweep_legend_sits_off_the_data_in_readable_colours(plots, qtbot):
    feed_sweep(plots)
    qtbot.wait(50)  # the layout settles
    legend, loss_plot = plots.sweep_legend, plots.loss_plots[0][1]
    data_area = loss_plot.getViewBox().sceneBoundingRect()
    assert len(legend.items) == len(LRS)
    assert not legend.sceneBoundingRect().intersects(data_area)
    assert not legend.sceneBoundingRect().intersects(plots.final.getViewBox().sceneBoundingRect())
    white, black = (255, 255, 255), (0, 0, 0)
    assert NORMAL.canvas == "#ffffff" and LECTURER.canvas == "#000000"
    for run in plots.runs.values():
        rgb = run["curves"][0].opts["pen"].color().getRgb()[:3]
        assert min(contrast_ratio(rgb, white), contrast_ratio(rgb, black)) >= 3.0, rgb


@pytest.mark.parametrize("best", [2, 60])  # the suggestion near the left end, near the right
def test_the_lr_range_note_stays_inside_its_plot(plots, qtbot, best):
    plots.begin("lr-find", ())
    lrs = np.geomspace(1e-5, 1.0, 64)
    smooth = 2.3 - 0.5 * np.tanh((np.arange(64) - best) / 4)
    for i, (lr, v) in enumerate(zip(lrs, smooth, strict=True)):
        plots.add(Tagged(1, 0, "", LrPoint(i, float(lr), float(v), float(v))))
    plots.redraw()
    rule = "the learning rate where the smoothed loss falls fastest (steepest slope against log LR)"
    plots.add(Tagged(1, 0, "", LrSuggestion(float(lrs[best]), rule, tuple(lrs), tuple(smooth))))
    qtbot.wait(50)  # the view settles its range
    view = plots.range_plot.getViewBox().sceneBoundingRect()
    note = plots.note.sceneBoundingRect()
    assert view.contains(note), (note, view)
    assert "steepest slope" in plots.note.toPlainText()


def test_the_range_note_follows_a_resize_and_the_lecturer_type(plots, qtbot):
    """F11 resized the scene: GraphicsView keeps its own `range`, which once replaced the plot
    of that name, and the note's slot raised. The note also takes the lecturer size."""
    from app.shared.plot_style import style_scene

    plots.begin("lr-find", ())
    lrs = np.geomspace(1e-5, 1.0, 40)
    smooth = 2.3 - 0.5 * np.tanh((np.arange(40) - 25) / 4)
    for i, (lr, v) in enumerate(zip(lrs, smooth, strict=True)):
        plots.add(Tagged(1, 0, "", LrPoint(i, float(lr), float(v), float(v))))
    plots.redraw()
    style_scene(plots, dark=True, scale=2.0)
    plots.add(Tagged(1, 0, "", LrSuggestion(float(lrs[25]), "a rule", tuple(lrs), tuple(smooth))))
    assert plots.note.textItem.font().pointSizeF() == pytest.approx(18)
    plots.resize(1900, 1000)
    qtbot.wait(100)
    assert (
        plots.range_plot.getViewBox().sceneBoundingRect().contains(plots.note.sceneBoundingRect())
    )
    style_scene(plots, dark=False, scale=1.0)
    assert plots.note.textItem.font().pointSizeF() == pytest.approx(9)


def test_a_diverged_run_is_dashed_and_named_in_the_legend(plots):
    from PySide6.QtCore import Qt

    from engine.torch_engine.records import Diverged

    plots.begin("lr-sweep", LRS[:2])
    plots.add(Tagged(1, 0, "lr=0.0001", step(1, 2.3)))
    plots.add(Tagged(2, 1, "lr=0.001", step(1, 2.3)))
    plots.add(Tagged(2, 1, "lr=0.001", Diverged(2, 0.1, 1, "diverged at step 2")))
    plots.redraw()
    labels = [label.text for _, label in plots.sweep_legend.items]
    assert labels == ["lr=0.0001", "lr=0.001 (diverged)"]
    assert plots.runs[1]["curves"][0].opts["pen"].style() == Qt.PenStyle.DashLine
    assert plots.runs[0]["curves"][0].opts["pen"].style() == Qt.PenStyle.SolidLine
