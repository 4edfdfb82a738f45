"""The trainer's lecturer mode (issue 23, defect 6): the screen filled as the explainer fills it,
the toolbar readable, the large readout, and the normal look back after Esc."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from engine.torch_engine.curves import readout_text, run_of_job
from tests.app.test_trainer_window import make_trainer  # noqa: F401 (a fixture)


def luminance(c: QColor) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def contrast_in(widget) -> float:
    """The contrast ratio between the widget's background (a corner pixel) and the pixel most
    unlike it: its text, when it has any."""
    img = widget.grab().toImage()
    bg = luminance(img.pixelColor(1, 1))
    lums = [
        luminance(img.pixelColor(x, y))
        for x in range(0, img.width(), 2)
        for y in range(0, img.height(), 2)
    ]
    far = max(lums, key=lambda v: abs(v - bg))
    hi, lo = max(bg, far), min(bg, far)
    return (hi + 0.05) / (lo + 0.05)


def legends_fitted(w) -> list[bool]:
    """Each live legend in the normal type, fitted to its view as legend_place fits it (issue
    23: after lecturer mode the rows kept their large spacing and a long name was cut off)."""
    from app.shared.legend_place import layouts

    out = []
    for p in (w.live.loss, w.live.grad, w.live.acc):
        view = p.getViewBox().boundingRect()
        box = p.legend.mapRectToItem(p.getViewBox(), p.legend.boundingRect())
        shrink, _ = layouts(p.legend, view.width(), view.height())
        inside = view.adjusted(-0.5, -0.5, 0.5, 0.5).contains(box)
        out.append(p.legend.theme_pt == 9.0 and (shrink is None or p.legend.shrink == shrink)
                   and (not p.legend.isVisible() or inside))  # fmt: skip
    return out


def test_f11_fills_the_screen_and_esc_puts_everything_back(qtbot, make_trainer):  # noqa: F811
    w = make_trainer()
    qtbot.wait(200)  # laid out
    before = w.geometry()
    assert legends_fitted(w) == [True, True, True]
    qtbot.keyClick(w, Qt.Key.Key_F11)
    assert w.theme.name == "lecturer"
    qtbot.waitUntil(lambda: w.geometry() == w.screen().geometry())  # as the explainer's F11
    assert not any(d.isVisible() for d in w.docks.values())
    assert w.lecture.readout.isVisible() and "epoch" in w.lecture.readout.text()
    assert contrast_in(w.log_box) >= 4.5  # "log y axis (L)" readable on the dark toolbar
    qtbot.keyClick(w, Qt.Key.Key_R)  # Compare runs needs the run list: R shows it
    assert w.docks["Runs"].isVisible() and not w.docks["Setup"].isVisible()
    qtbot.keyClick(w, Qt.Key.Key_R)
    assert not w.docks["Runs"].isVisible()
    qtbot.keyClick(w, Qt.Key.Key_R)
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert w.theme.name == "normal"
    qtbot.waitUntil(lambda: w.geometry() == before)
    assert all(d.isVisible() for d in w.docks.values())
    assert not w.lecture.readout.isVisible()
    qtbot.wait(200)  # the docks back, the plots at their size again
    assert legends_fitted(w) == [True, True, True]  # the normal type, no name cut off
    assert contrast_in(w.log_box) >= 4.5


def test_a_legend_is_as_wide_as_its_longest_name_after_lecturer_mode(qtbot, make_trainer):  # noqa: F811
    from engine.torch_engine.records import Start

    w = make_trainer()
    w.live.reset(Start("cpu", "", "CPU", 10, 5, 10, 100, ("dense 0", "dense 1", "dense 2")))
    w.set_lecturer(True)
    w.set_lecturer(False)
    legend = w.live.grad.legend
    for _, label in legend.items:
        assert label.item.boundingRect().width() <= legend.width()
        assert label.height() < 30  # 9 pt rows, not the lecturer's 18 pt


@pytest.mark.parametrize(
    "args, text",
    [
        (
            (1.5, 2.0, 0.23456, 0.9712),
            "epoch 1.50 / 2   ·   smoothed loss 0.2346   ·   test accuracy 97.12%",
        ),
        (
            (float("nan"), float("nan"), float("nan"), None),
            "epoch —   ·   smoothed loss —   ·   test accuracy —",
        ),
        (
            (0.0, 3.0, float("inf"), float("nan")),
            "epoch 0.00 / 3   ·   smoothed loss —   ·   test accuracy —",
        ),
        (
            (1.0, 2.0, 0.5, 0.9, run_of_job("lr=0.01, seed=1", 3, 4)),
            "lr=0.01, seed=1 · run 4 of 4\nepoch 1.00 / 2   ·   smoothed loss 0.5000   ·   test accuracy 90.00%",
        ),
        (
            (1.0, 2.0, 0.5, 0.9, run_of_job("", 0, 2)),
            "run 1 of 2\nepoch 1.00 / 2   ·   smoothed loss 0.5000   ·   test accuracy 90.00%",
        ),  # fmt: skip
        (
            (1.0, 2.0, 0.5, 0.9, run_of_job("lr=0.01", 0, 1)),
            "epoch 1.00 / 2   ·   smoothed loss 0.5000   ·   test accuracy 90.00%",
        ),  # fmt: skip  (a job of one run says nothing more)
        (
            (0.5, 1.0, 0.3551, None, "", 0.05),
            "epoch 0.50 / 1   ·   smoothed loss 0.3551 (ε 0.05)   ·   test accuracy —",
        ),  # fmt: skip  (label smoothing: the loss cannot reach 0)
    ],
)
def test_the_readout_says_what_is_known_and_dashes_the_rest(args, text):
    assert readout_text(*args) == text


def test_the_lr_sweep_says_what_it_will_run_and_how_long_before_it_starts(qtbot, make_trainer):  # noqa: F811
    w = make_trainer()
    plan = w.experiments.plan

    def says(text):
        qtbot.waitUntil(lambda: plan.text() == text, timeout=3000)

    w.experiments.lrs.setText("0.001, 0.01, 0.1")
    says("3 runs, lr = 0.001, 0.01, 0.1; time: not known yet (no run of these settings to go by)")
    cfg = w.form.check().config
    rid = w.store.create_run("earlier", "train", cfg)
    w.store.finish(rid, "finished", {"wall_seconds": 40.0, "epochs": cfg.epochs}, None)
    w.refresh_runs()
    says("3 runs, lr = 0.001, 0.01, 0.1; about 2 min")  # 3 runs of 40 s
    w.experiments.lrs.setText("0.01")
    says("1 run, lr = 0.01; about 40 s")
    w.experiments.lrs.setText("0.01, nan")
    says("")  # the box names the problem when the sweep is asked for


def test_inside_the_model_fits_a_1920_screen_in_lecturer_mode(make_trainer):  # noqa: F811
    w = make_trainer()
    w.tabs.setCurrentWidget(w.insides)
    w.insides.title.setText("inside fast-cnn lr sweep · lr=0.01 (fast-cnn): 98.79% on test")
    w.insides.confusion.note.setText("9879 of 10000 test digits right (98.79%)")
    w.insides.mistakes.note.setText(
        "121 of 10000 test digits wrong; the 1–48 worst (page 1 of 3); under each: true → "
        "predicted, and where the cells have room the probability given to the true digit"
    )
    w.set_lecturer(True)
    from PySide6.QtWidgets import QLabel

    assert all(label.wordWrap() for label in w.insides.findChildren(QLabel))  # notes wrap
    for k in range(w.insides.tabs.count()):
        w.insides.tabs.setCurrentIndex(k)
        assert w.minimumSizeHint().width() <= 1920, w.insides.tabs.tabText(k)
    w.set_lecturer(False)


def test_closing_in_lecturer_mode_saves_the_normal_geometry(qtbot, make_trainer):  # noqa: F811
    w = make_trainer()
    qtbot.waitUntil(lambda: w.geometry().width() > 0)
    normal = w.geometry()
    w.set_lecturer(True)
    qtbot.waitUntil(lambda: w.geometry() == w.screen().geometry())
    w.close()
    assert w.theme.name == "normal"
    from PySide6.QtCore import QByteArray

    saved = w.settings.value("geometry")
    assert isinstance(saved, QByteArray) and saved == w.saveGeometry()
    assert w.geometry() == normal


def test_a_new_run_blanks_the_banner_before_its_first_numbers(make_trainer, monkeypatch):  # noqa: F811
    """Pressing Run in lecturer mode: while the child loads MNIST the banner shows dashes, not
    the last run's epoch, loss and accuracy."""
    from engine.torch_engine.jobs import Job, Tagged
    from engine.torch_engine.records import Eval, Start, Step
    from engine.torch_engine.training import TrainConfig

    w = make_trainer()
    w.set_lecturer(True)
    w.on_record(Tagged(1, 0, "", Start("cpu", "", "CPU", 10, 10, 10, 100, ("dense 1",))))
    w.on_record(Tagged(1, 0, "", Step(10, 1.0, 0.5, 0.9, 0.01, 100.0, 1.0, (1.0,), 1.0)))
    w.on_record(Tagged(1, 0, "", Eval(10, 1.0, 0.3, 0.97, None, None, 1.0)))
    w.live.redraw()
    w.lecture.update()
    assert "97.00%" in w.lecture.readout.text()
    monkeypatch.setattr(w.runner, "start", lambda job: None)  # no child process
    w.start_job(Job("train", TrainConfig(), None), tab=0)
    assert "97.00%" not in w.lecture.readout.text() and "—" in w.lecture.readout.text()
    w.set_lecturer(False)


def test_a_low_wall_takes_the_readout_smaller_and_in_one_line_where_it_fits(make_trainer):  # noqa: F811
    """At 1366x768 the readout's two lines of 30 pt took 130 px and left a sweep's plots about
    80 px each: a window lower than 850 px writes it in 22 pt, and in one line where the wall is
    wide enough. A tall wall keeps 30 pt and two lines."""
    from PySide6.QtCore import QRect

    from app.trainer.lecturer import LOW_READOUT_PT, READOUT_PT
    from engine.torch_engine.jobs import Job, Tagged
    from engine.torch_engine.records import Eval, Start, Step
    from engine.torch_engine.training import TrainConfig

    w = make_trainer()
    w.job = Job("sweep", TrainConfig(), None, values=(0.0, 0.5), param="dropout", repeats=2)
    label = "dropout=0.5, seed=1"
    w.on_record(Tagged(1, 3, label, Start("cpu", "", "CPU", 10, 10, 10, 100, ("dense 1",))))
    w.on_record(Tagged(1, 3, label, Step(10, 1.0, 0.5, 0.9, 0.01, 100.0, 1.0, (1.0,), 1.0)))
    w.on_record(Tagged(1, 3, label, Eval(10, 1.0, 0.3, 0.97, None, None, 1.0)))
    w.live.redraw()
    readout = w.lecture.readout
    for rect, pt, lines in ((QRect(0, 0, 1920, 1080), READOUT_PT, 2),
                            (QRect(0, 0, 2400, 768), LOW_READOUT_PT, 1)):  # fmt: skip
        w.lecture.set(True, rect)
        assert w.height() == rect.height() and f"font-size: {pt}pt" in readout.styleSheet()
        text = readout.text()
        assert text.startswith(f"{label} · run 4 of 4") and "97.00%" in text
        assert len(text.split("\n")) == lines
        w.lecture.set(False)
    w.lecture.set(True, QRect(0, 0, 2400, 768))
    w.live_run = ("hidden=512,256,128,64,32, seed=1" * 3, 3)  # too long for one line: two
    w.lecture.update()
    assert len(readout.text().split("\n")) == 2
    w.lecture.set(False)


def _grid(live) -> dict:
    """Each live plot's (row, column) in the scene's layout."""
    plots = (live.loss, live.eval_loss, live.acc, live.lr, live.grad, live.gap)
    return {p.titleLabel.text.split("<br>")[0]: tuple(live.ci.items[p][0]) for p in plots}


def test_a_low_wide_wall_lays_the_live_plots_in_two_rows_of_three(make_trainer):  # noqa: F811
    """At 1366x768 in lecturer type three rows left each plot about 90 px of curves and every
    legend over them: a low, wide wall takes two rows of three, the long titles in two lines;
    a tall wall and leaving lecturer mode keep (or put back) three rows of two."""
    from PySide6.QtCore import QRect

    w = make_trainer()
    live = w.live
    normal = _grid(live)
    assert max(r for r, _ in normal.values()) == 2 and live.columns == 2
    titles = {p: p.titleLabel.text for p in (live.grad, live.gap, live.loss)}
    w.lecture.set(True, QRect(0, 0, 1920, 1080))
    assert _grid(live) == normal  # a tall wall: as it was
    w.lecture.set(False)
    w.lecture.set(True, QRect(0, 0, 1366, 768))
    grid = _grid(live)
    assert live.columns == 3 and sorted(grid.values()) == [
        (r, c) for r in (0, 1) for c in (0, 1, 2)
    ]
    assert live.grad.titleLabel.text == "gradient norm<br>(overall and per layer)"
    assert live.gap.titleLabel.text == "generalisation gap:<br>training set − validation"
    assert live.loss.titleLabel.text == "training loss"
    live._loss_title(0.1)  # a run with label smoothing: its longer title in two lines too
    assert live.loss.titleLabel.text == "training loss<br>(smoothed labels, ε = 0.1)"
    live._loss_title(0.0)
    heights = [p.getViewBox().boundingRect().height() for p in (live.loss, live.grad)]
    assert min(heights) > 0
    w.lecture.set(False)
    assert _grid(live) == normal and live.columns == 2
    assert {p: p.titleLabel.text for p in titles} == titles


def test_an_exported_png_draws_the_legends_at_its_scale(qtbot, monkeypatch, tmp_path):
    """pyqtgraph's legends ignore transformations: in a PNG drawn at twice the screen's pixels
    their type came out half the axes'. During the export they scale; after it, as before."""
    import pyqtgraph as pg
    import pyqtgraph.exporters

    from app.trainer.files import export_scene
    from app.trainer.live_plots import LivePlots

    live = LivePlots()
    qtbot.addWidget(live)
    live.resize(900, 600)
    live.show()
    qtbot.waitExposed(live)
    flag = pg.QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
    legends = [i for i in live.scene().items() if isinstance(i, pg.LegendItem)]
    assert legends and all(i.flags() & flag for i in legends)
    seen = []
    real = pg.exporters.ImageExporter.export

    def spy(self, *a, **k):
        seen.append([bool(i.flags() & flag) for i in legends])
        return real(self, *a, **k)

    monkeypatch.setattr(pg.exporters.ImageExporter, "export", spy)
    export_scene(live, tmp_path / "plots.png", "png")
    assert seen == [[False] * len(legends)]  # scaled with the rest while drawn
    assert all(i.flags() & flag for i in legends)  # and as on the screen again
    assert (tmp_path / "plots.png").stat().st_size > 0


def test_the_wall_readout_never_sets_the_windows_width(make_trainer):  # noqa: F811
    """At 1366 the readout's one line ("epoch 1.00 / 1 · smoothed loss … · test accuracy
    99.12%") at 22 pt was wider than the screen: the window grew to 1565 px, its right column
    and the "%" off the wall (a newcomer's walk). It wraps instead."""
    w = make_trainer()
    w.set_lecturer(True)
    try:
        label = w.lecture.readout
        label.setText("epoch 1.00 / 1   ·   smoothed loss 0.3565 (ε 0.05)   ·   " * 4)
        assert label.minimumSizeHint().width() < 600
    finally:
        w.set_lecturer(False)
