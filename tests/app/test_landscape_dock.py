"""The Landscape dock: it draws exactly the engine's landscape, computed off the GUI thread; the
current step is marked on every path and follows stepping; bad input is one sentence in the panel;
a result computed for another network is dropped."""

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAction

from engine.numpy_engine.landscape_race import landscape, parse_racers

PRESETS = Path(__file__).parents[2] / "assets" / "presets"
RAVINE = str(PRESETS / "ravine_unnormalised.json")


def race(qtbot, w, names="sgd,momentum,adam", lrs="0.1,0.002,0.05", plane="weights:1.0.0,1.0.1"):
    p = w.landscape.panel
    p.optimizers.setText(names)
    p.lrs.setText(lrs)
    p.steps.setValue(12)
    p.plane.setCurrentText(plane)
    w.landscape.open()
    p.run.click()
    qtbot.waitUntil(lambda: w.landscape.worker is None and p.run.isEnabled(), timeout=20_000)
    return p


def test_the_dock_draws_the_engines_landscape_and_marks_the_step(qtbot, window):
    w = window
    assert w.open_network(RAVINE) is not False
    assert "Landscape" in w.docks
    p = race(qtbot, w)
    net = w.explainer.net
    want = landscape(net, parse_racers("sgd,momentum,adam", "0.1,0.002,0.05", net), 12,
                     "weights:1.0.0,1.0.1", side=41)  # fmt: skip
    np.testing.assert_allclose(p.image.image, np.log10(want.loss), rtol=1e-12)
    assert p.table.rowCount() == 3 and p.table.item(0, 0).text() == "sgd"
    text = p.race_view.dots[1].opts["tip"](
        x=0.5, y=0.25, data=4
    )  # the hover of momentum's 5th point
    assert f"true loss {want.paths[1].losses[4]:.4g}" in text
    assert f"{want.loss_on_plane[1][4]:.4g}" in text and "before step 5" in text
    for item, (a, b) in zip(p.race_view.paths, want.coords, strict=True):
        x, y = item.getData()
        np.testing.assert_allclose(x, a)
        np.testing.assert_allclose(y, b)
    # paths on one line all show: the first racer thinnest, on top, each later one wider under
    # it (the ravine's momentum ran under SGD, the saddle's Adam under SGD); each path's points
    # with it, the current step's marks over them all, the loss curves alike
    zs = [item.zValue() for item in p.race_view.paths]
    widths = [item.opts["pen"].widthF() for item in p.race_view.paths]
    assert zs == sorted(zs, reverse=True) and len(set(zs)) == 3
    assert widths == sorted(widths) and widths[0] == 2 and widths[-1] <= 8
    assert [d.opts["size"] for d in p.race_view.dots] == [w + 2 for w in widths]
    assert [d.zValue() for d in p.race_view.dots] == zs
    assert min(m.zValue() for m in (p.marks, p.you, p.ahead, p.start)) > zs[0]
    curves = [c.opts["pen"].widthF() for c in p.race_view.curves]
    assert curves == sorted(curves)
    for _ in range(3):
        w.explainer.next_training_step()
    qtbot.waitUntil(lambda: "step 4" in p.here.text(), timeout=5000)
    xs, ys = p.marks.getData()
    np.testing.assert_allclose(xs, [a[3] for a, _ in want.coords])  # the weights before step 4
    np.testing.assert_allclose(ys, [b[3] for _, b in want.coords])
    you_x, you_y = p.you.getData()
    assert (you_x[0], you_y[0]) == pytest.approx((want.coords[0][0][3], want.coords[0][1][3]))
    true = w.explainer.net.loss(w.explainer.current.before)
    assert f"true loss {true:.4g}" in p.here.text()


def test_nesterovs_look_ahead_points_are_drawn(qtbot, window):
    window.open_network(RAVINE)
    p = race(qtbot, window, "nesterov,sgd", "0.002,0.1")
    assert len(p.ahead.getData()[0]) == 13


@pytest.mark.parametrize(
    "names, lrs, plane, msg",
    [("sgd,bogus", "", "path", "unknown optimizer"), ("sgd", "x", "path", "not a number"),
     ("sgd", "", "weights:9.0.0,1.0.0", "layer 9"), ("", "", "path", "at least one"),
     ("sgd", "", "diagonal", "unknown plane")],
)  # fmt: skip
def test_bad_input_is_one_sentence_and_changes_nothing(qtbot, window, names, lrs, plane, msg):
    window.open_network(RAVINE)
    before = window.explainer.net
    p = race(qtbot, window, names, lrs, plane)
    assert msg in p.status.text() and "Traceback" not in p.status.text()
    assert window.explainer.net is before and window.landscape.result is None


def test_a_result_for_another_network_is_dropped(qtbot, window):
    window.open_network(RAVINE)
    dock = window.landscape
    net = window.explainer.net
    window.open_network(str(PRESETS / "xor_momentum.json"))
    dock._done(net, (None, [], 0.0))  # the race of the ravine ends after the switch
    assert dock.result is None and "changed" in dock.panel.status.text()


def test_the_layer_strip_follows_the_deep_sigmoid(qtbot, window):
    window.open_network(str(PRESETS / "deep_sigmoid.json"))
    window.landscape.open()
    from engine.numpy_engine.landscape_depth import layer_strip

    want = [s.grad_norm for s in layer_strip(window.explainer.net, window.explainer.current.before)]
    line = window.landscape.panel.strip.grad_line
    qtbot.waitUntil(lambda: line.getData()[0] is not None and len(line.getData()[0]) == 7,
                    timeout=5000)  # fmt: skip
    np.testing.assert_allclose(line.yData, want)  # the values; the axis draws their logs
    assert list(line.xData) == list(range(1, 8))


def test_a_one_layer_net_gives_the_strips_room_to_the_loss_per_step(qtbot, window):
    """The ravine has one weight layer: its strip was one point and "L1: 18", and it left the loss
    per step about 20 px at 1366x768 in lecturer mode. The strip takes no room, and the loss per
    step the column's whole height, until a deeper net comes back."""
    window.resize(1366, 768)
    window.open_network(str(PRESETS / "deep_sigmoid.json"))
    window.landscape.open()
    p = window.landscape.panel
    strip, loss = p.strip, p.race
    qtbot.waitUntil(lambda: strip.plot.isVisible() and strip.plot.height() > 50, timeout=5000)
    least = strip.plot.minimumHeight()
    window.open_network(RAVINE)
    qtbot.waitUntil(lambda: not strip.plot.isVisible() and not p.places.wide, timeout=5000)
    qtbot.wait(100)
    assert not strip.label.isVisible() and strip.plot.height() == 0
    assert loss.height() > 0.85 * p.map.height()
    window.open_network(str(PRESETS / "deep_sigmoid.json"))
    qtbot.waitUntil(lambda: strip.plot.isVisible() and strip.plot.height() > 50, timeout=5000)
    assert strip.label.isVisible() and strip.plot.minimumHeight() <= least + 1


def test_the_dock_starts_closed_and_the_view_menu_opens_it(qtbot, window):
    dock = window.landscape.dock
    assert not dock.isVisible()
    act = dock.toggleViewAction()
    assert act.text() == "Landscape panel"
    act.trigger()
    assert dock.isVisible()


def test_lecturer_mode_enlarges_the_landscapes_type(qtbot, window):
    window.open_network(RAVINE)
    p = race(qtbot, window)
    small = p.map.getAxis("bottom").style["tickFont"].pointSizeF()
    window.set_lecturer(True)
    assert p.lecturer  # twice the type, or 3/4 of that in a low dock (LOW_SCENE)
    assert p.map.getAxis("bottom").style["tickFont"].pointSizeF() >= 1.5 * small
    window.set_lecturer(False)
    assert not p.lecturer


def test_a_short_dock_scrolls_its_controls_instead_of_squeezing_them(qtbot, window):
    """In lecturer mode on a 1080-line screen the dock is short: every field keeps its height
    (they were drawn one over the other) and the column scrolls."""
    window.resize(1920, 1080)
    window.open_network(RAVINE)
    p = race(qtbot, window)
    window.set_lecturer(True)
    try:
        window.landscape.dock.resize(window.width(), 260)
        qtbot.wait(50)
        for f in (p.optimizers, p.lrs, p.plane, p.pick, p.steps, p.run, p.sigma, p.inits):
            assert f.height() >= f.minimumSizeHint().height(), f
        assert p.box.height() >= p.box.minimumSizeHint().height()
    finally:
        window.set_lecturer(False)


def test_on_the_wall_no_stale_tab_bar_covers_the_landscape(qtbot, window):
    """The Landscape tabbed over the Plots, then lecturer mode: the Plots move beside the
    drawing. Qt (6.11, under X) left the group's tab bar, laid out in the lecturer's type just
    before, shown over the map; offscreen it does not, so a bar of the window's own stands in
    for it here. On the wall no dock is tabbed: it is hidden. Back in the normal look the two
    are tabbed again and their own bar is shown."""
    from PySide6.QtWidgets import QTabBar

    def bars():
        return [b for b in window.findChildren(QTabBar) if b.parent() is window and b.isVisible()]

    window.resize(1800, 1000)
    window.open_network(RAVINE)
    window.landscape.open()
    qtbot.wait(100)
    assert window.tabifiedDockWidgets(window.docks["Plots"]) and len(bars()) == 1
    stale = QTabBar(window)  # what Qt left: a bar of the window's, over the dock's bottom
    stale.addTab("Plots")
    stale.addTab("Landscape")
    stale.setGeometry(0, 960, 1800, 40)
    stale.show()
    window.set_lecturer(True)
    try:
        qtbot.waitUntil(lambda: not stale.isVisible(), timeout=2000)
        assert not window.tabifiedDockWidgets(window.docks["Plots"]) and bars() == []
    finally:
        window.set_lecturer(False)
    qtbot.wait(100)
    assert window.tabifiedDockWidgets(window.docks["Plots"])
    assert len(bars()) == 1 and not stale.isVisible()


def test_the_standardise_switch_trains_on_standardised_inputs_and_switches_back(qtbot, window):
    from engine.numpy_engine.landscape_data import standardise

    window.open_network(RAVINE)
    raw = window.explainer.net
    sw = window.standardise
    assert "x1: mean" in sw.stats.text() and "sd 3.07" in sw.stats.text()
    sw.box.setChecked(True)
    net = window.explainer.net
    assert net is not raw and sw.box.isChecked()
    np.testing.assert_allclose(net.data.inputs, standardise(raw.data)[0].inputs)
    np.testing.assert_allclose(net.spec.data.inputs, net.data.inputs)  # saved with the session
    assert "sd 1" in sw.stats.text()
    sw.box.setChecked(False)
    assert window.explainer.net is raw and "sd 3.07" in sw.stats.text()
    sw.box.setChecked(True)
    window.open_network(str(PRESETS / "xor_momentum.json"))  # another network: the box follows
    assert not sw.box.isChecked() and sw.before is None


def test_data_standardised_already_shows_the_box_ticked_and_greyed(qtbot, window):
    """ravine_standardised's inputs are standardised in its file: the box said "off" while the
    stats said mean 0, sd 1. It is ticked and cannot be switched; another network frees it."""
    sw = window.standardise
    window.open_network(str(PRESETS / "ravine_standardised.json"))
    assert sw.box.isChecked() and not sw.box.isEnabled() and sw.before is None
    assert sw.stats.text().startswith("already standardised: x1: mean")
    assert "already" in sw.box.toolTip()
    window.open_network(RAVINE)
    assert not sw.box.isChecked() and sw.box.isEnabled()
    assert sw.stats.text().startswith("x1: mean")
    sw.box.setChecked(True)  # standardised by the switch: it can be switched back
    assert sw.box.isEnabled() and sw.box.isChecked() and sw.before is not None


def test_zooming_the_map_refines_the_grid_over_the_view(qtbot, window):
    from engine.numpy_engine.landscape_race import grid_over

    window.open_network(RAVINE)
    p = race(qtbot, window)
    plane = window.landscape.result[0].plane
    p.map.setRange(xRange=(0.5, 1.5), yRange=(-0.2, 0.6), padding=0)
    qtbot.waitUntil(lambda: abs(p.image.mapRectToParent(p.image.boundingRect()).left() - 0.5)
                    < 1e-9 and window.landscape.worker is None, timeout=10_000)  # fmt: skip
    (x0, x1), (y0, y1) = p.map.viewRange()
    a, b, g = grid_over(window.explainer.net, plane, (x0, x1), (y0, y1))
    np.testing.assert_allclose(p.image.image, np.log10(g), rtol=1e-12)


def test_the_inits_are_compared_side_by_side_at_step_0(qtbot, window):
    from engine.numpy_engine.landscape_depth import init_compare

    window.open_network(str(PRESETS / "deep_relu_he.json"))
    p = window.landscape.panel
    window.landscape.open()
    p.sigma.setValue(0.05)
    p.inits.click()
    v = p.inits_view
    qtbot.waitUntil(lambda: len(v.curves) == 8 and window.landscape.worker is None,
                    timeout=10_000)  # fmt: skip
    assert p.tabs.currentWidget() is v and p.run.isEnabled() and not p.cancel.isEnabled()
    want = init_compare(window.explainer.net, sigma=0.05)
    for scheme, layers in want.items():
        for row, attr in (("act", "act_hist"), ("grad", "grad_hist")):
            lines = v.curves[(scheme, row)]
            assert len(lines) == len(layers)
            for line, lay in zip(lines, layers, strict=True):
                counts, edges = getattr(lay, attr)
                np.testing.assert_allclose(line.xData, edges)  # the engine's bins, drawn as shares
                np.testing.assert_allclose(line.yData, counts / counts.sum())
    assert "every unit alike" in v.plots[("zeros", "act")].titleLabel.text
    assert "every unit alike" not in v.plots[("he_normal", "act")].titleLabel.text
    assert "zeros" in p.status.text() and "σ = 0.05" in p.status.text()
    assert v.plots[("he_normal", "grad")].getAxis("bottom").labelText == "∂L/∂W entry"


def test_on_the_wall_the_landscape_leaves_the_formula_its_room(qtbot, window):
    """Lecturer mode with the Lesson and the Landscape docks open: the side plot's minimum
    height left the formula two lines (69 of 1,080 pixels). The Landscape's own plots stand in
    for the side plot then (S says so), and the formula takes the column's rest; closed, the
    side plot is back."""
    window.open_network(RAVINE)
    window.resize(1920, 1080)
    window.landscape.open()
    window.lessons.toggle_free()  # the Lesson dock shows
    qtbot.wait(50)
    window.lecture.set(True, QRect(0, 0, 1920, 1080))  # a projector's screen
    try:
        qtbot.wait(100)
        plots, formula = window.docks["Plots"], window.docks["Formula"]
        assert not plots.isVisible() and formula.height() > 200
        window.lecture.cycle_side()
        assert not plots.isVisible()
        window.landscape.dock.hide()  # closed on the wall: the side plot is back
        qtbot.waitUntil(plots.isVisible, timeout=3000)
        window.landscape.open()  # and opened again: it gives way
        qtbot.waitUntil(lambda: not plots.isVisible(), timeout=3000)
    finally:
        window.set_lecturer(False)
    assert window.docks["Plots"].isVisible() or window.tabifiedDockWidgets(window.docks["Plots"])


def test_view_menu_opens_the_landscape_over_the_plots_full_width(qtbot, window):
    """Ticked in View, Qt alone put the dock beside the Plots, a third of their width (its map
    150 px wide at 1366 × 768); it opens as `open` opens it: tabbed over them, half the height.
    Moved to another side by the user, it stays there."""
    window.resize(1366, 768)
    window.open_network(RAVINE)
    qtbot.wait(20)
    dock, plots = window.landscape.dock, window.docks["Plots"]
    act = next(a for a in window.findChildren(QAction) if a.text() == "Landscape panel")
    act.trigger()
    qtbot.waitUntil(lambda: dock.height() >= 0.4 * window.height(), timeout=3000)
    assert dock in window.tabifiedDockWidgets(plots)
    assert dock.width() >= 0.9 * window.width()
    act.trigger()  # closed, moved to the right by the user, opened: it stays on the right
    assert not dock.isVisible()
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    act.trigger()
    qtbot.wait(20)
    assert dock.isVisible() and window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea


def test_the_race_key_never_breaks_inside_an_entry():
    """A wrapped key left a swatch at one line's end and its optimizer's name on the next."""
    import re
    from types import SimpleNamespace as NS

    from app.explainer.landscape_race_view import key_entry

    entries = [
        NS(racer=NS(name=n, lr=lr), diverged=d)
        for n, lr, d in (("sgd", 0.1, False), ("momentum", 0.05, False), ("adam", 0.01, True))
    ]
    text = "  ".join(key_entry(p, "#e6194b") for p in entries)
    plain = re.sub(r"<[^>]+>", "", text)
    assert plain.count(" ") == 2 * (len(entries) - 1)  # only the two spaces between entries
    assert "adam\u00a0η=0.01\u00a0(diverged)" in plain and "■\u00a0sgd" in plain


def test_space_after_race_steps_and_leaves_the_fields_alone(qtbot, window):
    """Race pressed with the keyboard's focus on it: the button is disabled while the race
    runs, and Qt gave the focus to the σ field, where Space (the step key) wiped it."""
    from PySide6.QtTest import QTest

    w = window
    assert w.open_network(RAVINE) is not False
    p = w.landscape.panel
    w.landscape.open()
    sigma = p.sigma.text()
    p.run.setFocus()
    qtbot.waitUntil(p.run.hasFocus, timeout=5000)
    race(qtbot, w)
    focused = w.focusWidget()
    assert focused is None or not focused.inherits("QAbstractSpinBox"), focused
    before = w.explainer.event_index
    QTest.keyClick(w.focusWidget() or w, Qt.Key.Key_Space)
    assert p.sigma.text() == sigma and w.explainer.event_index == before + 1


def test_a_preset_with_a_race_fills_the_fields_and_race_runs_what_it_describes(qtbot, window):
    """The ravine's description says what SGD does beside momentum, RMSProp and Adam at their
    rates; Race ran sgd, momentum and adam at the usual rates on the path plane, and momentum
    zig-zagged instead. The file's race fills the fields; a file without one gets the usual
    fields back, unless the user typed their own."""
    w = window
    p = w.landscape.panel
    assert w.open_network(RAVINE) is not False
    assert p.race_fields() == ("sgd,momentum,rmsprop,adam", "0.1,0.002,0.02,0.05", 40,
                               "weights:1.0.0,1.0.1")  # fmt: skip
    w.landscape.open()
    p.run.click()
    qtbot.waitUntil(lambda: w.landscape.worker is None and p.run.isEnabled(), timeout=20_000)
    net = w.explainer.net
    want = landscape(net, parse_racers("sgd,momentum,rmsprop,adam", "0.1,0.002,0.02,0.05", net),
                     40, "weights:1.0.0,1.0.1", side=41)  # fmt: skip
    assert p.table.rowCount() == 4 and [p.table.item(r, 0).text() for r in range(4)] == [
        "sgd", "momentum", "rmsprop", "adam"]  # fmt: skip
    for item, (a, b) in zip(p.race_view.paths, want.coords, strict=True):
        np.testing.assert_allclose(item.getData(), (a, b))
    p.optimizers.setText("adam,nadam")  # typed over the file's race, then the network is
    p.steps.setValue(100)  # rebuilt (standardised, edited, a lesson's step): what was typed stays
    w.standardise.box.setChecked(True)
    assert w.explainer.net is not net and p.race_fields()[::2] == ("adam,nadam", 100)
    w.standardise.box.setChecked(False)
    assert p.race_fields()[::2] == ("adam,nadam", 100)
    p.optimizers.setText("sgd,momentum,rmsprop,adam")
    p.steps.setValue(40)
    assert w.open_network(str(PRESETS / "xor_2_2_1.json")) is not False
    assert p.race_fields() == ("sgd,momentum,adam", "", 40, "path")  # the usual fields again
    p.optimizers.setText("adam,nadam")  # the user's own race stays over a file without one
    assert w.open_network(str(PRESETS / "perceptron_and.json")) is not False
    assert p.race_fields()[0] == "adam,nadam"
    assert w.open_network(RAVINE) is not False  # and a file's race replaces it
    assert p.race_fields()[0] == "sgd,momentum,rmsprop,adam"


def test_on_a_low_wall_the_landscape_takes_the_room_the_drawing_can_give(qtbot, window):
    """A 1366 x 768 projector: the drawing with its controls' strip kept 443 pixels and the
    Landscape 319, its loss per step a line. With the Landscape open the drawing may shrink to
    200 pixels; closing the Landscape or leaving lecturer mode gives it its 300 back. The
    controls' strip is not kept below the drawing while the Landscape is open (a 180-px black
    band under a 200-px drawing): the drawing has the height, the controls float over it."""
    from PySide6.QtCore import QRect

    from app.explainer.lecturer_layout import landscape_height

    assert [landscape_height(h) for h in (768, 1080, 2160, 0)] == [476, 486, 972, 0]
    window.open_network(RAVINE)
    window.landscape.open()
    window.set_lecturer(True)
    try:
        window.lecture.fill(QRect(0, 0, 1366, 768))
        # the drawing gives what it can: its 200 px and the controls' strip (three rows and the
        # position on a 1366 wall, where the two rows cut "1 Forward" to " Forwar"), which
        # it fills, with no band kept for the controls
        stack = window.stack
        qtbot.waitUntil(lambda: stack.contentsMargins().bottom() == 0, timeout=3000)
        qtbot.waitUntil(lambda: window.landscape.dock.height() >= 360, timeout=3000)
        assert window.view.height() >= stack.height() - 4 and window.view.height() >= 300
        assert window.view.minimumHeight() == 200 and window.conv_view.minimumHeight() == 200
        scene = window.landscape.panel.scene  # the strip's title in two lines: nothing cut off
        qtbot.waitUntil(
            lambda: scene.ci.effectiveSizeHint(Qt.SizeHint.MinimumSize).width() <= scene.width(),
            timeout=3000,
        )
        assert "<br>" in window.landscape.panel.strip.plot.titleLabel.text
        window.landscape.dock.close()
        qtbot.waitUntil(lambda: window.view.minimumHeight() == 300, timeout=3000)
    finally:
        window.set_lecturer(False)
    assert window.view.minimumHeight() == 300 and window.conv_view.minimumHeight() == 300
    assert "<br>" not in window.landscape.panel.strip.plot.titleLabel.text


@pytest.mark.parametrize("wall", [(1366, 768), (1920, 1080)])
def test_on_a_wall_the_deep_nets_plots_fit_side_by_side(qtbot, window, wall):
    """Stacked at lecturer type in a 308-px scene, the loss per step and the layer strip were flat
    lines, and four norms a line made the scene 1,151 px wide in 863 (cut at the right). In a
    wide, low scene the three plots stand side by side; on a 768-line wall at 3/4 of the
    lecturer's type, so that they fit; the norms take as many a line as their column fits."""
    from PySide6.QtCore import Qt

    from app.explainer.landscape_panel import LOW_SCALE
    from app.shared.plot_style import plot_scale

    window.open_network(str(PRESETS / "deep_sigmoid.json"))
    window.landscape.open()
    p = window.landscape.panel
    window.lecture.set(True, QRect(0, 0, *wall))
    try:
        qtbot.waitUntil(lambda: window.height() == wall[1] and p.places.wide, timeout=3000)
        qtbot.wait(100)
        least = p.scene.ci.effectiveSizeHint(Qt.SizeHint.MinimumSize)
        assert least.width() <= p.scene.width() + 1 and least.height() <= p.scene.height() + 1
        assert p.race.x() > p.map.x() and p.strip.plot.x() > p.race.x()
        assert min(p.race.height(), p.strip.plot.height()) > 0.6 * p.scene.height()
        low = wall[1] < 800
        assert p.type_scale() == plot_scale(True) * (LOW_SCALE if low else 1.0)
        label = p.strip.label
        assert label.item.boundingRect().width() <= p.strip.plot.width() + 20
        lines = -(-7 // p.strip._written)  # seven norms, k a line
        assert "L7: 0.11" in label.text and label.text.count("<br>") == lines - 1
        lecture_least = p.strip.plot.minimumHeight()
        window.open_network(RAVINE)  # one weight layer: its loss per step takes the column
        qtbot.waitUntil(lambda: not p.places.wide, timeout=3000)
        window.open_network(str(PRESETS / "deep_sigmoid.json"))  # the strip back, on the wall
        qtbot.waitUntil(p.strip.plot.isVisible, timeout=3000)
    finally:
        window.lecture.set(False)
    qtbot.waitUntil(lambda: p.type_scale() == 1.0, timeout=3000)
    qtbot.wait(100)
    # its least height is the normal type's again: a saved lecturer least height (131 px)
    # had stayed a fixed floor after Esc
    assert p.strip.plot.minimumHeight() < 0.8 * lecture_least


def test_another_network_starts_a_clean_landscape(qtbot, window):
    """After a race at η 1000 the next network's map kept ±20000, "PC1/PC2" and the colour bar;
    after a cancelled race its "Cancelled" stayed, and the step axis its 800."""
    w = window
    w.open_network(RAVINE)
    p = race(qtbot, w, names="sgd", lrs="0.1", plane="path")
    assert p.map.getAxis("bottom").label.isVisible() and p.bar.levels() != (0, 1)
    w.open_network(str(PRESETS / "xor_momentum.json"))
    assert p.map.viewRange() == [[-0.5, 0.5], [-0.5, 0.5]]
    assert not p.map.getAxis("bottom").label.isVisible() and tuple(p.bar.levels()) == (0, 1)
    assert p.race.viewRange()[0] == [0, 1] and p.table.rowCount() == 0
    p.show_error("Cancelled; the landscape is as it was.")  # a cancel, with nothing drawn
    w.open_network(RAVINE)
    assert p.status.text() == "Race the optimizers to draw the landscape."


def test_a_nearly_flat_plane_keeps_numbers_on_its_colour_bar_and_in_its_summary(qtbot, window):
    """Deep sigmoid's plane of two first-layer weights is flat to 7e-9: the bar showed no
    numbers and the summary read "loss 0.703 to 0.703"."""
    from app.explainer.landscape_panel import LEAST_BAR
    from engine.numpy_engine.fmt import apart

    w = window
    w.open_network(str(PRESETS / "deep_sigmoid.json"))
    p = race(qtbot, w, names="sgd", lrs="0.5")
    lo, hi = p.bar.levels()
    assert hi - lo >= LEAST_BAR - 1e-12
    img = p.image.image
    assert lo <= np.nanmin(img) and np.nanmax(img) <= hi  # the whole map within the bar
    assert "loss flat at 0.703 (to 8 digits)" in p.status.text()  # flat to 7e-9: said so
    assert apart(0.70291, 0.70297) == ("0.7029", "0.7030") and apart(0.1, 5.0) == ("0.1", "5")
    assert apart(1.0, 1.0) == ("1", "1")
    ticks = p.bar.axis.tickValues(lo, hi, p.bar.axis.height() or 200)
    assert sum(len(t) for _, t in ticks) >= 2  # numbers on the bar


def test_comparing_the_inits_again_keeps_the_share_axis_numbers(qtbot, window):
    """The second comparison's plots had their ticks fitted while a few pixels tall: the share
    axis kept "0" alone. Both times the same labelled ticks."""
    window.open_network(str(PRESETS / "deep_sigmoid.json"))
    window.resize(1366, 768)
    p = window.landscape.panel
    window.landscape.open()
    v, seen = p.inits_view, []
    for _ in range(2):
        p.inits.click()
        qtbot.waitUntil(lambda: len(v.curves) == 8 and window.landscape.worker is None,
                        timeout=10_000)  # fmt: skip
        qtbot.wait(100)
        plot = v.plots[("he_normal", "act")]
        axis, (y0, y1) = plot.getAxis("left"), plot.viewRange()[1]
        major = axis.tickValues(y0, y1, plot.getViewBox().height())[0][1]
        seen.append([round(t, 6) for t in major if y0 <= t <= y1])
    assert seen[0] == seen[1] and len(seen[1]) >= 2


def test_a_refused_race_is_red_and_says_the_map_shown_is_the_last_races(qtbot, window):
    w = window
    w.open_network(RAVINE)
    p = race(qtbot, w, names="sgd", lrs="0.1")
    image = p.image.image.copy()
    p.plane.setCurrentText("weights:9.9.9,1.0.0")
    p.run.click()
    qtbot.waitUntil(lambda: w.landscape.worker is None and p.run.isEnabled(), timeout=10_000)
    text = p.status.text()
    assert "color:#c0392b" in text and "The landscape shown is the last race's." in text
    np.testing.assert_array_equal(p.image.image, image)  # nothing changed
    p.lrs.setText("0")
    p.plane.setCurrentText("weights:1.0.0,1.0.1")
    p.run.click()
    qtbot.waitUntil(lambda: w.landscape.worker is None and p.run.isEnabled(), timeout=10_000)
    assert "], not 0</span>" in p.status.text()  # "0", not "0.0"
