"""Inside the model, as a student saw it in issue 23: the explainer's sign colours on the first
layer, a confusion colour bar that says what the cells show, every mistake reachable with the
true digit's probability, weights over time from epoch 0, a hint before gradient noise is
measured, and a drawn digit's true label asked before the explainer opens it."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from app.shared.theme import LECTURER, NORMAL
from engine.torch_engine.insides import Predictions
from tests.app.test_insides_window import trained, window  # noqa: F401 (fixtures)


def hex_of(qcolor) -> str:
    return qcolor.name()


def test_first_layer_images_use_the_explainers_sign_colours(window):  # noqa: F811
    filters = window.insides.filters
    for on, theme in ((False, NORMAL), (True, LECTURER)):
        window.set_lecturer(on)
        lut = filters.image.getColorMap().getLookupTable(nPts=3, alpha=False)
        assert "#{:02x}{:02x}{:02x}".format(*lut[0]) == theme.negative  # orange: -
        assert "#{:02x}{:02x}{:02x}".format(*lut[-1]) == theme.positive  # blue: +
        assert "#{:02x}{:02x}{:02x}".format(*lut[1]) == theme.canvas  # 0: the background
    window.set_lecturer(False)


def test_the_confusion_bar_says_what_the_cells_show(window):  # noqa: F811
    conf = window.insides.confusion
    conf.mode.setCurrentIndex(0)
    assert conf.bar.getAxis("left").labelText == "digits in the cell"
    assert not conf.bar.axis.label.isVisible()  # one label, not a second beside the ticks
    assert np.array_equal(conf.image.image, conf.counts)
    off = conf.counts[~np.eye(10, dtype=bool)]
    assert conf.bar.levels() == (
        0.0,
        float(off.max()) if off.max() > 0 else float(conf.counts.max()),
    )
    assert all(t.toPlainText().isdigit() for t in conf.texts)
    conf.mode.setCurrentIndex(1)
    assert conf.bar.getAxis("left").labelText == "% of the true digit's row"
    assert conf.image.image.max() <= 100 and conf.bar.levels()[1] <= 100
    # a tenth of a percent where "100.0" fits a cell, whole percents where it does not
    assert all(("." in t.toPlainText()) == (conf._short == 0) for t in conf.texts)


def fake_predictions(n=200, wrong=130):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, n)
    predicted = labels.copy()
    predicted[:wrong] = (labels[:wrong] + 1) % 10
    probs = np.full((n, 10), 0.02, np.float32)
    probs[np.arange(n), predicted] = 0.6
    probs[np.arange(wrong), labels[:wrong]] = rng.uniform(0.01, 0.3, wrong)
    probs /= probs.sum(1, keepdims=True)
    losses = -np.log(probs[np.arange(n), labels]).astype(np.float32)
    return Predictions(labels, probs, predicted, losses)


def test_every_mistake_is_reachable_with_the_true_digits_probability(qtbot, window):  # noqa: F811
    view = window.insides.mistakes
    p = fake_predictions()
    view.set_predictions(p, np.zeros((200, 28, 28), np.uint8))
    assert view.pages() == 3 and not view.prev_button.isEnabled()
    seen = []
    for page in range(3):
        seen += [m.index for m in view.on_page()]
        if page < 2:
            view.next_button.click()
    assert sorted(seen) == list(range(130))  # all 130, not only the first 48
    assert not view.next_button.isEnabled() and "97–130 worst (page 3 of 3)" in view.note.text()
    for m, t in zip(view.on_page(), view.texts, strict=True):  # with its probability where
        pct = 100 * m.true_prob  # the cells have room (test_small_cells_caption_...)
        whole = f"{m.true}→{m.predicted} " + (f"{pct:.0f}%" if pct >= 0.5 else "<1%")
        assert t.toPlainText() in (whole, f"{m.true}→{m.predicted}")
    m = view.on_page()[0]
    assert f"true {m.true} (p = {100 * p.probs[m.index, m.true]:.1f}%)" in (
        view.big_plot.titleLabel.text
    )
    view.prev_button.click()
    assert view.page == 1 and view.current == view.on_page()[0].index
    view.show_page(-5)  # out of range either way: the nearest page
    assert view.page == 0
    view.show_page(99)
    assert view.page == 2
    right = fake_predictions(wrong=0)  # no mistake at all: one empty page that says so
    view.set_predictions(right, np.zeros((200, 28, 28), np.uint8))
    assert (
        view.pages() == 1
        and view.on_page() == []
        and "0 of 200 test digits wrong; none" in (view.note.text())
    )
    assert not view.prev_button.isEnabled() and not view.next_button.isEnabled()


def test_weights_over_time_start_at_epoch_0(window):  # noqa: F811
    weights = window.insides.weights
    assert [r.epoch for r in weights.records] == [0.0, 1.0]
    assert "epochs 0 to 1 (0: the initial weights" in weights.note.text()
    x0 = weights.images["weight"].mapRectToParent(weights.images["weight"].boundingRect()).left()
    assert x0 == pytest.approx(-0.5)  # the first column is epoch 0
    ticks = weights.plots["weight"].getAxis("bottom")._tickLevels[0]
    assert [label for _, label in ticks] == ["0", "1"]  # a tick per column (it read −0.5 … 1.5)


def test_gradient_noise_says_press_measure_before_it_is_measured(window):  # noqa: F811
    noise = window.insides.noise
    assert noise.points == []
    assert all(h.isVisible() and "Measure gradient noise" in h.toPlainText() for h in noise.hints)
    (x0, x1), (y0, y1) = noise.cos.viewRange()
    assert x0 == pytest.approx(np.log10(8)) and x1 == pytest.approx(np.log10(2048))
    assert (y0, y1) == pytest.approx((0, 1))


def test_a_drawn_digit_asks_for_its_true_label_first(qtbot, window, monkeypatch, tmp_path):  # noqa: F811
    from app.trainer.insides import step_through

    monkeypatch.setattr(step_through, "digit_folder", lambda: tmp_path / "digits")
    ins = window.insides
    ins.tabs.setCurrentWidget(ins.draw)
    pad = np.zeros_like(ins.draw.canvas())
    pad[30:90, 50:60] = 1.0  # a stroke: something to step through
    monkeypatch.setattr(ins.draw, "canvas", lambda: pad)
    ins.draw.probs = np.eye(10)[4]  # the model says 4
    opened = []
    ins.open_network.connect(opened.append)
    ins.step_through()
    dlg = ins.label_dialog
    assert isinstance(dlg, QInputDialog) and dlg.isVisible() and dlg.intValue() == 4
    assert "answer, 4" in dlg.labelText() and not opened  # nothing opens before the answer
    dlg.setIntValue(1)
    dlg.accept()
    qtbot.waitUntil(lambda: bool(opened), timeout=30_000)
    import json
    from pathlib import Path

    net = json.loads(Path(opened[0]).read_text())
    assert np.argmax(net["data"]["targets"][0]) == 1  # the label given, not the model's answer


def test_in_lecturer_type_the_mistakes_captions_stay_in_their_cells(qtbot, window):  # noqa: F811
    """Eight captions a row at lecturer type ran into each other ("3→7 <11%→2 <1…"): each is
    fitted to its digit's cell on the screen, and none overlaps the next."""
    window.insides.tabs.setCurrentWidget(window.insides.mistakes)
    window.set_lecturer(True)
    try:
        view = window.insides.mistakes
        view.set_predictions(fake_predictions(), np.zeros((200, 28, 28), np.uint8))
        qtbot.wait(50)
        vb = view.grid_plot.getViewBox()
        for a, b in zip(view.texts[:7], view.texts[1:8], strict=True):  # the first row
            ra, rb = (vb.mapFromItemToView(t, t.boundingRect()).boundingRect() for t in (a, b))
            assert ra.right() <= rb.left(), (a.toPlainText(), b.toPlainText())
    finally:
        window.set_lecturer(False)


@pytest.mark.parametrize("lecturer", [True, False])
def test_feature_maps_made_in_lecturer_mode_take_its_look(qtbot, lecturer):
    """Feature maps are made anew for each digit: opened in lecturer mode they were black
    titles and axes on the black wall until F11 was pressed twice."""
    import pyqtgraph as pg

    from app.trainer.insides.features_view import FeaturesView
    from engine.torch_engine.insides import LayerOutput

    view = FeaturesView()
    qtbot.addWidget(view)
    view.set_theme(LECTURER if lecturer else NORMAL)
    view.set_digits(np.zeros((4, 28, 28), np.uint8), np.arange(4))
    outs = [LayerOutput("conv 1", "conv", np.ones((4, 6, 6), np.float32), "relu"),
            LayerOutput("dense 1", "dense", np.arange(10, dtype=np.float32))]  # fmt: skip
    view.show_maps((2, outs, np.full(10, 0.1, np.float32)))
    want = "#ffffff" if lecturer else "#000000"
    plots = [i for i in view.scene.scene().items() if isinstance(i, pg.PlotItem)]
    assert len(plots) == 4
    for p in plots:
        assert p.getAxis("bottom").pen().color().name() == want


def test_the_confusion_numbers_grow_with_their_cells_and_fit_them(qtbot):
    """A lecturer's matrix was a third of the screen's height with 11 pt numbers: it takes the
    height until a cell is clicked, and its numbers are as large as four digits fit a cell."""
    from PySide6.QtGui import QFontMetricsF

    from app.trainer.insides.confusion_view import CELL_PT_FLOOR, ConfusionView

    conf = ConfusionView()
    qtbot.addWidget(conf)
    conf.resize(1400, 1000)
    conf.show()
    qtbot.waitExposed(conf)
    conf.set_predictions(fake_predictions(n=2000, wrong=300), np.zeros((2000, 28, 28), np.uint8))
    layout = conf.scene.ci.layout
    assert layout.rowStretchFactor(0) > 4 * layout.rowStretchFactor(1)  # before a click
    sizes = []
    for height in (1000, 500):
        conf.resize(1400, height)
        qtbot.wait(200)
        side, size = conf.cell_px(), conf.texts[0].textItem.font().pointSizeF()
        sizes.append((side, size))
        for t in conf.texts:  # above the floor, every number fits its cell
            advance = QFontMetricsF(t.textItem.font()).horizontalAdvance(t.toPlainText())
            assert size <= CELL_PT_FLOOR or advance <= 0.92 * side, (t.toPlainText(), side)
    (side1, size1), (side2, size2) = sizes
    assert side1 > side2 and size1 > size2 and size1 > 8 * 1.4  # larger cells, larger numbers
    conf.set_scale(2.0)  # lecturer type: never under its floor
    assert conf.texts[0].textItem.font().pointSizeF() >= CELL_PT_FLOOR * 1.4
    conf.select_cell(3, 5)
    assert layout.rowStretchFactor(1) * 5 == layout.rowStretchFactor(0) * 2  # digits get room
    x, y = conf.mark.getData()  # the clicked cell outlined: column 5 (predicted), row 3 (true)
    assert (min(x), max(x), min(y), max(y)) == (5, 6, 3, 4)


def test_cells_too_small_for_four_digits_write_them_short(qtbot):
    """On a 1366 x 768 laptop a cell is about 18 px: at the type's floor "1092" spilled into the
    next cell. Such cells write "1.1k", or "1k" (percent: "99"); larger again, whole numbers."""
    from PySide6.QtGui import QFontMetricsF

    from app.trainer.insides.confusion_view import ConfusionView, short_count

    assert [short_count(n) for n in (0, 7, 999, 1000, 1092, 9949, 9950, 12000)] == [
        "0", "7", "999", "1.0k", "1.1k", "9.9k", "10k", "12k",
    ]  # fmt: skip
    assert [short_count(n, 2) for n in (999, 1092, 1500, 2500, 12000)] == [
        "999", "1k", "2k", "3k", "12k",
    ]  # fmt: skip
    assert [short_count(n) for n in (1050, 1049, 2250)] == ["1.1k", "1.0k", "2.3k"]
    assert short_count(1092, 0) == "1092"
    conf = ConfusionView()
    qtbot.addWidget(conf)
    conf.resize(1400, 1000)
    conf.show()
    qtbot.waitExposed(conf)
    preds = fake_predictions(n=12000, wrong=300)
    preds.predicted[-1] = (preds.labels[-1] + 5) % 10  # one mistake: under 0.5% of its row
    conf.set_predictions(preds, np.zeros((12000, 28, 28), np.uint8))
    assert max(conf.counts.max(), 0) >= 1000

    def texts():
        return {t.toPlainText() for t in conf.texts}

    qtbot.wait(100)
    assert all(t.isdigit() for t in texts()) and any(len(t) == 4 for t in texts())
    conf.resize(640, 400)  # cells of about 18 px, as on the laptop
    qtbot.waitUntil(lambda: any(t.endswith("k") for t in texts()), timeout=3000)
    side = conf.cell_px()
    assert 14 < side < 24, side
    for t in conf.texts:
        assert QFontMetricsF(t.textItem.font()).horizontalAdvance(t.toPlainText()) <= 0.92 * side
    conf.mode.setCurrentIndex(1)  # percent: whole percents, and under one "<1", never "0"
    assert all("." not in t for t in texts()) and "0" not in texts()
    small = [(r, c) for (r, c), v in np.ndenumerate(conf.values) if 0 < v < 0.5]
    assert small and "<1" in texts()
    conf.mode.setCurrentIndex(0)
    conf.resize(1400, 1000)
    qtbot.waitUntil(lambda: all(t.isdigit() for t in texts()), timeout=3000)


def test_small_cells_caption_the_mistakes_with_their_digits_alone(qtbot):
    """On a 1366 x 768 laptop "2→7 <1%" was fitted into 40-pixel cells at 5 pt: unreadable.
    Below 7 pt a caption drops the probability (shown beside the digit clicked) and keeps its
    digits larger; wide again, the whole caption."""
    from app.trainer.insides.mistakes_view import SHORT_BELOW_PT, MistakesView

    view = MistakesView()
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    view.set_predictions(fake_predictions(), np.zeros((200, 28, 28), np.uint8))

    def size():
        return view.texts[0].textItem.font().pointSizeF()

    qtbot.waitUntil(lambda: view.texts[0].toPlainText().endswith("%"), timeout=3000)
    view.resize(700, 420)
    qtbot.waitUntil(lambda: "%" not in view.texts[0].toPlainText(), timeout=3000)
    assert all(t.toPlainText().count("→") == 1 and " " not in t.toPlainText() for t in view.texts)
    short = size()
    full = view._caption_font(["2→7 <1%"]).pointSizeF()
    assert full < SHORT_BELOW_PT and short > full
    view.resize(1400, 900)
    qtbot.waitUntil(lambda: view.texts[0].toPlainText().endswith("%"), timeout=3000)
    assert size() >= SHORT_BELOW_PT


def test_on_a_1366_wall_in_lecturer_mode_every_view_fits_its_plots(qtbot, window):  # noqa: F811
    """At lecturer type "gradients: epoch 0 (initial), then each end" made Weights over time's
    plots wider than a 1366-px wall: the right one ran off the screen, its title cut. Every
    view's plots fit the width they are given there."""
    import pyqtgraph as pg
    from PySide6.QtCore import QRect, Qt

    window.lecture.set(True, QRect(0, 0, 1366, 768))
    try:
        qtbot.waitUntil(lambda: window.width() == 1366, timeout=3000)
        for name, view in window.insides.views.items():
            window.insides.tabs.setCurrentWidget(view)
            qtbot.wait(30)
            for scene in view.findChildren(pg.GraphicsLayoutWidget):
                if not scene.isVisible():
                    continue
                least = scene.ci.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
                assert least <= scene.width() + 1, (name, least, scene.width())
    finally:
        window.lecture.set(False)


def test_numbers_written_into_an_empty_matrix_fit_their_cells(qtbot):
    """Inside the model → Confusion seen before a run was chosen, then a run: the numbers were
    written while the matrix's range was still the empty one (−0.4 to 0.4), at 28 pt, and stayed
    so (941, 927 and 70 across several cells); the empty matrix read "true digit (x0.001)"."""
    from PySide6.QtGui import QFontMetricsF

    from app.trainer.insides.confusion_view import CELL_PT_FLOOR, ConfusionView

    conf = ConfusionView()
    qtbot.addWidget(conf)
    vb = conf.matrix.getViewBox()
    (x0, x1), (y0, y1) = vb.viewRange()
    assert (y0, y1) == (0, 10) and x0 <= 0 and x1 >= 10  # (x widened: the cells are square)
    assert not conf.matrix.getAxis("left").autoSIPrefix
    conf.resize(900, 420)  # laid out empty (the tab seen before a run was chosen)
    conf.show()
    qtbot.waitExposed(conf)
    qtbot.wait(50)
    conf.set_predictions(fake_predictions(n=2000, wrong=300), np.zeros((2000, 28, 28), np.uint8))
    qtbot.wait(100)
    side = conf.cell_px()
    for t in conf.texts:
        size = t.textItem.font().pointSizeF()
        advance = QFontMetricsF(t.textItem.font()).horizontalAdvance(t.toPlainText())
        assert size <= CELL_PT_FLOOR or advance <= 0.92 * side, (t.toPlainText(), side, size)


def test_feature_maps_wider_than_the_tab_scroll_rather_than_cut(qtbot):
    """At 1366 x 768 the fast CNN's six panels were wider than the tab: the last layer's panel
    read "de…" and the softmax's bar of digit 9 was never seen. The panels keep their least
    widths and the tab scrolls sideways."""
    from app.trainer.insides.features_view import FeaturesView
    from engine.torch_engine.insides import LayerOutput

    view = FeaturesView()
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    qtbot.waitExposed(view)
    view.set_digits(np.zeros((4, 28, 28), np.uint8), np.arange(4))
    outs = [LayerOutput(f"conv {k}", "conv", np.ones((16, 12, 12), np.float32), "bn relu")
            for k in range(1, 5)] + [LayerOutput("dense 5", "dense", np.arange(10, dtype=np.float32))]  # fmt: skip
    view.show_maps((2, outs, np.full(10, 0.1, np.float32)))
    qtbot.wait(50)
    least = view.scene.ci.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
    assert least > view.box.viewport().width()  # the case: wider than the tab
    assert view.scene.width() >= least and view.box.horizontalScrollBar().maximum() > 0


def test_another_runs_model_drops_the_last_ones_noise_and_stroke_timing(qtbot, window):  # noqa: F811
    """After a new run, "Batch size noise" still said the last model's "B = 8: error 2.48 ×
    ‖g‖…" under the new one's title, and "Draw a digit" timed its rescore from a stroke
    minutes old ("349249 ms from stroke to bars"); a newcomer's walk."""
    from engine.torch_engine.gradient_noise import NoisePoint

    ins = window.insides
    noise, draw = ins.noise, ins.draw
    noise.begin(100)
    noise.add(NoisePoint(batch_size=8, draws=10, rel_error=2.48, rel_error_std=0.1, cosine=0.56,
                         law=0.35))  # fmt: skip
    noise.done()
    assert "B = 8" in noise.note.text()
    draw.pad.last_dab = 0.0  # a stroke long ago
    with qtbot.waitSignal(ins.loaded, timeout=30_000):  # the same run, loaded again
        ins.show_run(window.run_list.rows[next(iter(window.run_list.rows))], window.data.folder)
    assert noise.points == [] and "B = 8" not in noise.note.text()
    qtbot.wait(300)  # the rescore of the pad (a task) comes back
    assert "ms from stroke" not in draw.answer.text()


def test_the_insides_say_what_there_is(window):  # noqa: F811
    """A newcomer's walk: "Step through this digit" was enabled on Weights over time (it then
    said to go elsewhere); "the first 64" was offered for a CNN's 16 kernels; a feature map's
    "digit 0 (label 7)" read as a contradiction."""
    ins = window.insides
    for name, view in ins.views.items():
        ins.tabs.setCurrentWidget(view)
        digit = view in (ins.mistakes, ins.confusion, ins.features, ins.draw)
        assert ins.step_button.isEnabled() is digit, name
    title = ins.filters.plot.titleLabel.text  # "first layer: 4 kernels (3 × 3)"
    n = int(title.split(":")[1].split()[0])
    assert n < 64 and ins.filters.order.itemText(0) == f"all {n} kernels", title


def test_probability_bars_name_only_the_ticks_their_height_fits(qtbot):
    """Feature maps on a 1920 wall: the softmax's 1.0, 0.8 … 0 touched one another."""
    import pyqtgraph as pg
    from PySide6.QtGui import QFont

    from app.trainer.insides.common import bar_plot

    scene = pg.GraphicsLayoutWidget()
    qtbot.addWidget(scene)
    p, _ = bar_plot(scene, "softmax output", 0, 0)
    font = QFont()
    font.setPointSizeF(9 * 2.0)  # the lecturer's type
    p.getAxis("left").setStyle(tickFont=font)
    scene.resize(500, 170)
    scene.show()
    qtbot.waitExposed(scene)
    qtbot.wait(50)
    height = p.getViewBox().boundingRect().height()
    (_, _), (y0, y1) = p.getViewBox().viewRange()
    spacing = p.getAxis("left")._tickSpacing
    assert spacing, "pyqtgraph's own ticks kept where they touch"
    step_px = spacing[0][0] * height / (y1 - y0)
    assert step_px >= pg.QtGui.QFontMetricsF(font).height()
