"""The live plots' training-set curves, the generalisation gap and the early-stopping marks, fed
records by hand (issue 20)."""

import pytest

from engine.torch_engine.records import Done, Eval, Start, Step


def ev(epoch, train, val, test=0.95):
    return Eval(epoch * 10, float(epoch), 1 - test, test, 1 - val, val, epoch * 1.0,
                train_loss=None if train is None else 1 - train, train_accuracy=train)  # fmt: skip


def feed(live, evals, done=None):
    live.add(Start("cpu", "no GPU", "CPU", 1000, 10, 50, 1000, ("dense 1",)))
    for i in range(1, 11):
        live.add(Step(i, i / 10, 2.0 / i, 0.5, 0.01, 1000.0, 1.0, (1.0,), i * 0.1))
    for e in evals:
        live.add(e)
    if done is not None:
        live.add(done)
    live.redraw()


def test_training_set_curves_and_the_gap_in_points(live):
    feed(live, [ev(1, 0.95, 0.90), ev(2, 0.99, 0.92), ev(3, 1.0, 0.91)])
    x, y = live.curves["set_acc"].getData()
    assert list(x) == [1, 2, 3] and list(y) == [0.95, 0.99, 1.0]
    _, loss = live.curves["set_loss"].getData()
    assert loss == pytest.approx([0.05, 0.01, 0.0])
    x, g = live.curves["gap"].getData()
    assert list(x) == [1, 2, 3] and g == pytest.approx([5.0, 7.0, 9.0])
    _, (lo, hi) = live.acc.viewRange()
    assert lo <= 0.9 and hi <= 1.0


def test_records_without_training_set_figures_draw_no_gap(live):
    feed(live, [ev(1, None, 0.90), ev(2, None, 0.92)])
    x, _ = live.curves["gap"].getData()
    assert x is None or len(x) == 0
    x, _ = live.curves["val_acc"].getData()
    assert list(x) == [1, 2]


def test_early_stopping_marks_where_it_stopped_and_the_kept_epoch(live):
    done = Done("early stopped", 50, 5.0, 0.1, 0.96, 5.0, None, "cpu", best_epoch=2)
    vals = (0.9, 0.93, 0.92, 0.92, 0.91)
    evals = [ev(e, 0.9 + 0.02 * e, v) for e, v in enumerate(vals, 1)]
    feed(live, evals, done)
    lines = [(line.value(), text.toPlainText()) for line, text, _ in live.stop_marks]
    assert lines.count((5.0, "stopped at epoch 5")) == 3  # accuracy, loss and gap plots
    assert lines.count((2.0, "kept epoch 2")) == 3
    assert all(line.scene() is not None for line, _, _ in live.stop_marks)
    live.reset()  # a new run: no marks left over
    assert all(line.scene() is None for line, _, _ in live.stop_marks)


def test_a_finished_run_is_not_marked(live):
    done = Done("finished", 10, 1.0, 0.1, 0.96, 1.0, None, "cpu", best_epoch=1)
    feed(live, [ev(1, 0.95, 0.9)], done)
    assert all(line.scene() is None for line, _, _ in live.stop_marks)


def test_a_run_that_kept_an_earlier_epoch_without_stopping_says_so(live):
    """Patience never ran out, but the best validation loss's weights were put back."""
    done = Done("finished", 30, 3.0, 0.1, 0.96, 3.0, None, "cpu", best_epoch=2)
    feed(live, [ev(1, 0.95, 0.9), ev(2, 0.97, 0.93), ev(3, 0.99, 0.92)], done)
    words = {text.toPlainText() for _, text, _ in live.stop_marks}
    assert words == {"ended at epoch 3", "kept epoch 2"}


def test_a_smoothed_training_loss_says_so_in_its_title(live):
    """With label smoothing the training loss cannot reach 0; its title names ε, and a run
    without it (or a record stored before the field) gets the plain title back."""
    from engine.torch_engine.records import from_dict

    smooth = Start("cpu", "no GPU", "CPU", 1000, 10, 50, 1000, ("dense 1",), 0.05)
    live.add(smooth)
    assert live.loss.titleLabel.text == "training loss (smoothed labels, ε = 0.05)"
    old = smooth.to_dict()
    del old["label_smoothing"]
    live.add(from_dict(old))
    assert live.loss.titleLabel.text == "training loss"
    assert from_dict(smooth.to_dict()) == smooth


def test_a_new_run_starts_from_empty_ranges_not_the_last_runs(live, qtbot):
    """The plots of a finished run had their own ranges; a new run's empty plots show 0..1 until
    its own numbers arrive (in lecturer mode the last run's loss range stayed on screen)."""
    feed(live, [ev(1, 0.95, 0.90), ev(2, 0.99, 0.92), ev(3, 1.0, 0.91)])
    qtbot.waitUntil(lambda: live.eval_loss.viewRange()[0][1] > 2, timeout=2000)  # this run's
    live.add(Start("cpu", "no GPU", "CPU", 1000, 10, 50, 1000, ("dense 1",)))
    for plot in (live.loss, live.eval_loss, live.gap):
        (x0, x1), (y0, y1) = plot.viewRange()
        assert (x0, x1, y0, y1) == pytest.approx((0, 1, 0, 1))
    live.add(ev(1, 0.9, 0.8))
    live.redraw()
    qtbot.waitUntil(lambda: live.eval_loss.viewRange()[1][1] < 0.5, timeout=2000)  # its own


def test_a_finished_runs_step_axes_end_at_its_last_step_and_the_lr_starts_at_zero(live):
    """While it runs the step axes grow in doublings (0 to 16 for 10 steps); finished, they end
    at the last step (it looked cut short). A constant learning rate of 0.01 is drawn on an axis
    from 0 (it was a flat line on a -0.4 to 0.4 axis, read as 0)."""
    feed(live, [ev(1, 0.95, 0.90)])
    assert live.loss.viewRange()[0][1] == 16
    live.add(Done("finished", 10, 1.0, 0.05, 0.95, 1.0, None, "cpu", best_epoch=1))
    live.redraw()
    for plot in (live.loss, live.lr, live.grad):
        assert plot.viewRange()[0] == [0, 10]
    lo, hi = live.lr.viewRange()[1]
    assert lo == 0 and 0.01 < hi <= 0.0111
    live.reset()  # a new run grows again
    assert live.ended is False


def test_a_run_started_in_lecturer_mode_has_thick_layer_curves(live):
    """Its per-layer gradient norms stayed 1.2 px beside the other curves' 4.5."""
    from app.shared.plot_style import style_scene

    style_scene(live, dark=True, scale=2.0)
    live.add(Start("cpu", "no GPU", "CPU", 1000, 10, 50, 1000, ("dense 1", "dense 2")))
    assert [c.opts["pen"].widthF() for c in live.layer_curves] == pytest.approx([3.6, 3.6])
    style_scene(live, dark=False, scale=1.0)
    assert [c.opts["pen"].widthF() for c in live.layer_curves] == pytest.approx([1.2, 1.2])
