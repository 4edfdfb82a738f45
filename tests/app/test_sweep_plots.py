"""The sweep plots and the Experiment tab fed records by hand: each value's seeds drawn as one
mean curve with its min–max band, the final accuracy as a mean with error bars, the overlap table,
early stopping marked, the reading shown, and lecturer mode's larger type."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF

from app.shared.plot_style import plot_scale, style_scene
from engine.torch_engine.jobs import Tagged
from engine.torch_engine.records import Done, Eval, Start, Step

LABELS = ("batch=32", "batch=128", "batch=512")
FINAL = {0: (0.970, 0.972, 0.974), 1: (0.973, 0.976, 0.978), 2: (0.950, 0.952, 0.955)}


@pytest.fixture
def tab(qtbot):
    from app.trainer.experiment_plots import ExperimentPlots
    from app.trainer.experiment_tab import ExperimentTab
    from app.trainer.sweep_plots import SweepPlots

    t = ExperimentTab(ExperimentPlots(), SweepPlots())
    qtbot.addWidget(t)
    t.resize(1600, 800)
    t.show()
    qtbot.waitExposed(t)
    return t


def start():
    return Start("cpu", "no GPU", "CPU", 1000, 10, 30, 1000, ("dense 1",))


def step(i, loss):
    return Step(i, i / 10, loss, 0.5, 0.01, 1000.0, 1.0, (1.0,), i * 0.1)


def ev(epoch, train, val):
    return Eval(epoch * 10, float(epoch), 0.3, 0.9, 0.3, val, epoch * 1.0,
                train_loss=1 - train, train_accuracy=train)  # fmt: skip


def feed(sweep, early=False):
    """Three values x three seeds; run ids 1..9; value v's seed k ends at FINAL[v][k]."""
    sweep.begin("batch size", LABELS)
    rid = 0
    for v in range(3):
        for k in range(3):
            rid += 1
            sweep.add(v, Tagged(rid, rid - 1, f"{LABELS[v]} · seed {k}", start()))
            for i in range(1, 31):
                sweep.add(v, Tagged(rid, rid - 1, "", step(i, 2.3 / i + 0.01 * k)))
            epochs = 2 if (early and v == 0 and k == 0) else 3
            for e in range(1, epochs + 1):
                train, val = 0.9 + 0.03 * e, 0.88 + 0.01 * e + 0.005 * k
                sweep.add(v, Tagged(rid, rid - 1, "", ev(e, train, val)))
            status = "early stopped" if epochs == 2 else "finished"
            done = Done(status, epochs * 10, float(epochs), 0.3, FINAL[v][k], 3.0, None, "cpu",
                        best_epoch=1 if epochs == 2 else epochs)  # fmt: skip
            sweep.add(v, Tagged(rid, rid - 1, "", done))
    sweep.redraw()


def test_each_value_is_one_mean_curve_with_its_min_max_band(tab):
    sweep = tab.sweep
    feed(sweep)
    assert sorted(sweep.items) == [0, 1, 2] and len(sweep.runs) == 9
    mean, lo, hi, band = sweep.items[0]["val"]
    x, y = mean.getData()
    assert list(x) == [1, 2, 3]
    want = [np.mean([0.88 + 0.01 * e + 0.005 * k for k in range(3)]) for e in (1, 2, 3)]
    assert y == pytest.approx(want)
    assert lo.getData()[1] == pytest.approx([0.89, 0.90, 0.91])
    assert hi.getData()[1] == pytest.approx([0.90, 0.91, 0.92])
    _, g = sweep.items[1]["gap"][0].getData()  # points: 100 x (train - val), mean over seeds
    assert g == pytest.approx([100 * (0.02 + 0.02 * e - 0.005) for e in (1, 2, 3)])
    assert band.curves[0] is lo and band.curves[1] is hi
    assert not band.path().isEmpty()  # the shading is drawn, not only its edges computed
    assert band.path().boundingRect().height() == pytest.approx(0.92 - 0.89, abs=1e-6)
    _, loss = sweep.items[2]["train_loss"][0].getData()  # the training set's, per epoch
    assert loss == pytest.approx([1 - (0.9 + 0.03 * e) for e in (1, 2, 3)])


def test_the_final_accuracy_is_a_mean_with_min_max_error_bars(tab):
    feed(tab.sweep)
    acc, rows = tab.sweep.final_points.getData()  # one row per value, the first on top
    assert list(rows) == [0, -1, -2]
    assert acc == pytest.approx([np.mean(FINAL[v]) for v in range(3)])
    bars = tab.sweep.final_bars.opts
    assert bars["right"] == pytest.approx([max(FINAL[v]) - np.mean(FINAL[v]) for v in range(3)])
    assert bars["left"] == pytest.approx([np.mean(FINAL[v]) - min(FINAL[v]) for v in range(3)])
    ticks = tab.sweep.final.getAxis("left")._tickLevels[0]
    assert [t for _, t in ticks] == list(LABELS)


def test_the_table_says_which_ranges_overlap(tab):
    tab.show_sweep(True)
    feed(tab.sweep)
    tab.update_table()
    assert tab.table.isVisible()
    t = tab.table
    rows = {(t.item(r, 0).text(), t.item(r, 1).text()): t.item(r, 2).text() for r in range(3)}
    assert rows[("batch=32", "batch=128")] == "overlap: not told apart"  # 0.970..0.974 vs 0.973..
    assert rows[("batch=32", "batch=512")] == "differ: nearest seeds 1.50 accuracy points apart"
    assert rows[("batch=128", "batch=512")] == "differ: nearest seeds 1.80 accuracy points apart"
    f = tab.finals_table
    cells = [[f.item(r, c).text() for c in range(4)] for r in range(3)]
    assert cells[0] == ["batch=32", "97.20%", "97.00–97.40%", "3"]
    assert cells[2] == ["batch=512", f"{100 * np.mean(FINAL[2]):.2f}%", "95.00–95.50%", "3"]


def test_early_stopping_is_marked_where_it_stopped_and_what_was_kept(tab):
    feed(tab.sweep, early=True)
    spots = tab.sweep.stops.data
    assert len(spots) == 2
    kept = [tuple(s) for s in zip(spots["x"], spots["y"], spots["symbol"], strict=True)]
    assert (1.0, pytest.approx(0.89), "star") in kept
    assert (2.0, pytest.approx(0.90), "x") in kept


def test_the_reading_and_the_switch_back_to_the_one_click_plots(tab):
    tab.show_sweep(True)
    tab.set_reading("dropout 0.5 closed the gap from 9.1 to 2.3 points")
    assert tab.reading.isVisible() and tab.current_scene() is tab.sweep
    assert tab.side.isVisible()
    tab.show_sweep(False)
    assert tab.current_scene() is tab.experiment
    assert not tab.reading.isVisible() and not tab.side.isVisible()


def test_lecturer_mode_doubles_the_reading_and_the_table(tab):
    tab.show_sweep(True)
    tab.set_reading("a reading")
    tab.set_lecturer(True)
    assert "font-size: 26pt" in tab.reading.styleSheet()
    assert "font-size: 18pt" in tab.table.styleSheet()
    assert "font-size: 18pt" in tab.finals_table.styleSheet()
    tab.resize(1360, 560)  # a 768-line projector: the reading at the tables' 18 pt
    assert "font-size: 18pt" in tab.reading.styleSheet()
    tab.resize(1600, 800)
    assert "font-size: 26pt" in tab.reading.styleSheet()
    tab.set_lecturer(False)
    assert "font-size: 13pt" in tab.reading.styleSheet()
    tab.resize(1360, 560)
    assert "font-size: 13pt" in tab.reading.styleSheet()


def test_a_sweep_with_no_records_yet_draws_nothing_and_does_not_raise(tab):
    tab.sweep.begin("lr", ("lr=0.1",))
    tab.sweep.redraw()
    tab.update_table()
    assert tab.table.rowCount() == 0
    x, _ = tab.sweep.final_points.getData()
    assert x is None or len(x) == 0
    tab.sweep.begin("lr", ("lr=0.1", "lr=0.01"))  # one seed each: no spread to compare
    for rid, acc in ((1, 0.9), (2, 0.95)):
        tab.sweep.add(rid - 1, Tagged(rid, rid - 1, "", start()))
        tab.sweep.add(rid - 1, Tagged(rid, rid - 1, "", Done("finished", 1, 1.0, 0.3, acc, 1.0,
                                                             None, "cpu", best_epoch=1)))  # fmt: skip
    tab.show_sweep(True)
    tab.update_table()
    assert tab.table.item(0, 2).text() == "one seed each: no spread to judge by"
    assert not tab.table.isVisible()  # every value ran one seed: no verdicts to show
    assert tab.finals_table.isVisible()


def test_too_narrow_for_both_the_plots_and_tables_are_two_pages(tab, qtbot):
    """Lecturer mode on a 1366-px wall: the plots need about 1,190 px, and beside the tables
    they were cut off under them. They are then two pages, each whole; wide again, side by
    side."""
    feed(tab.sweep)
    tab.show_sweep(True)
    tab.update_table()
    style_scene(tab.sweep, dark=True, scale=plot_scale(True))  # as the window's lecturer mode
    tab.set_lecturer(True)
    tab.resize(1360, 560)
    qtbot.wait(20)
    need = tab.sweep.ci.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
    assert need > 1360 - 640  # beside the tables they would not fit
    assert tab.pages.isVisible() and tab.pages.count() == 2
    assert tab.pages.currentWidget() is tab.plots and tab.stack.width() >= need
    assert tab.titles[2].isVisible() and "dashed" in tab.titles[2].text()  # the key by its lines
    tab.resize(1360, 330)  # and low: a row of the final accuracy lower than its axis's type
    qtbot.wait(20)
    axis = tab.sweep.final.getAxis("left")
    assert (
        tab.sweep.final.getViewBox().height() / 3 < QFontMetricsF(axis.style["tickFont"]).height()
    )
    assert [t for _, t in axis._tickLevels[0]] == ["", "", ""]  # the legend's colours name them
    tab.pages.setCurrentIndex(1)
    qtbot.wait(10)
    assert tab.side.isVisible() and not tab.stack.isVisible() and not tab.titles[2].isVisible()
    assert tab.finals_table.rowCount() == 3
    style_scene(tab.sweep, dark=False)
    tab.set_lecturer(False)
    tab.resize(1600, 800)
    qtbot.wait(20)
    assert not tab.pages.isVisible() and tab.stack.isVisible() and tab.side.isVisible()
    assert tab.titles[2].isVisible() and tab.titles[2].y() > tab.stack.geometry().bottom()
    assert tab.side.width() == 470 and tab.stack.width() >= 1600 - 470 - 20
    assert [t for _, t in tab.sweep.final.getAxis("left")._tickLevels[0]] == list(LABELS)


def test_one_epoch_and_one_seed_draw_points_without_a_spread(tab):
    """A one-epoch sweep of one seed a value: each curve is one point, drawn as one (a line of
    one point drew nothing, and the plots looked empty); the final accuracies have no bars (a
    bar of one seed drew its caps on the point)."""
    tab.sweep.begin("lr", ("lr=0.1", "lr=0.01"))
    for rid, acc in ((1, 0.91), (2, 0.95)):
        v = rid - 1
        tab.sweep.add(v, Tagged(rid, v, "", start()))
        tab.sweep.add(v, Tagged(rid, v, "", ev(1, acc + 0.01, acc)))
        done = Done("finished", 10, 1.0, 0.3, acc, 1.0, None, "cpu", best_epoch=1)
        tab.sweep.add(v, Tagged(rid, v, "", done))
    tab.sweep.redraw()
    for v in range(2):
        for key, (mean, *_rest) in tab.sweep.items[v].items():
            assert mean.opts["symbol"] == "o", key
            assert len(mean.getData()[0]) == 1
    assert len(tab.sweep.final_points.getData()[0]) == 2
    assert len(tab.sweep.final_bars.opts["x"]) == 0
    feed(tab.sweep)  # three epochs, three seeds: lines and bars again
    assert all(m.opts["symbol"] is None for m, *_ in tab.sweep.items[0].values())
    assert len(tab.sweep.final_bars.opts["x"]) == 3


def test_the_legend_says_what_its_values_are(tab, qtbot):
    """The legend's entries are values ("0", "0.5"): a title above them names the setting, in
    the axes' colour and type, normal and lecturer mode, and the column is wide enough for it."""
    s = tab.sweep
    s.begin("dropout sweep", ("0", "0.5"), "dropout before the output layer")
    for v in (0, 1):
        s.add(v, Tagged(v + 1, v, "", start()))
    tab.show_sweep(True)
    qtbot.wait(10)
    title, legend = s.legend_title, s.legend
    assert title.textItem.toPlainText() == "dropout before the output layer"
    for dark in (True, False):
        style_scene(s, dark=dark, scale=plot_scale(dark))
        s.redraw()
        head = title.mapRectToItem(s.legend_cell, title.boundingRect())
        body = legend.mapRectToItem(s.legend_cell, legend.boundingRect())
        assert head.bottom() <= body.top() + 0.5 and head.left() >= 0  # above, not over, them
        assert s.legend_cell.minimumWidth() >= head.width()
        assert title.textItem.font().pointSizeF() == 9.0 * plot_scale(dark)
        assert title.color.name() == ("#ffffff" if dark else "#000000")
    s.begin("", (), "")
    assert s.legend_title.textItem.toPlainText() == ""


def test_in_lecturer_type_a_long_verdict_wraps_inside_the_table(tab, qtbot):
    """At lecturer type, fitting the columns to their contents widened the verdicts' column
    past the table: "differ: nearest seeds 1.50 accurac" and the rest out of sight."""
    tab.resize(1920, 900)
    feed(tab.sweep)
    tab.show_sweep(True)
    tab.update_table()
    style_scene(tab.sweep, dark=True, scale=plot_scale(True))
    tab.set_lecturer(True)
    t = tab.table
    head = t.horizontalHeader()
    qtbot.waitUntil(lambda: head.length() <= t.viewport().width(), timeout=3000)
    one_line = t.fontMetrics().height() + 12
    long_rows = [r for r in range(t.rowCount()) if t.item(r, 2).text().startswith("differ")]
    assert long_rows and all(t.rowHeight(r) > one_line for r in long_rows)  # wrapped, whole
    tab.set_lecturer(False)
    style_scene(tab.sweep, dark=False)


def test_the_key_names_only_what_the_sweep_can_draw(tab):
    """Bands and bars need seeds, the ★ and ✕ early stopping; a sweep of one seed without
    patience drew neither, and the whole key took two lines under the plots on a 1366 wall."""
    from types import SimpleNamespace

    from app.trainer import sweep_runs
    from app.trainer.experiment_tab import KEY_LINES, KEY_SEEDS, KEY_STOPS
    from engine.torch_engine.jobs import Job
    from engine.torch_engine.presets import PRESETS, preset_job
    from engine.torch_engine.train_config import TrainConfig

    w = SimpleNamespace(tabs=SimpleNamespace(exp_tab=tab))
    key = tab.titles[2]
    sweep_runs.show_key(w, Job("sweep", TrainConfig(), None, values=(0.0, 0.5), param="dropout"))
    assert key.text() == KEY_LINES + "."
    sweep_runs.show_key(w, Job("sweep", TrainConfig(patience=2), None, values=(0.0, 0.5),
                               param="dropout", repeats=3))  # fmt: skip
    assert key.text() == f"{KEY_LINES}; {KEY_SEEDS}; {KEY_STOPS}."
    said = []
    for name in PRESETS:  # a preset whose variants stop early says so, whatever its base
        job = preset_job(name, TrainConfig(), None)
        stops = any(v.config.patience > 0 for v in sweep_runs.variants(job))
        sweep_runs.show_key(w, job)
        assert (KEY_STOPS in key.text()) == stops and (KEY_SEEDS in key.text()) == (job.repeats > 1)
        said.append(stops)
    assert any(said) and not all(said)  # the overfitting cures stop early; others do not
