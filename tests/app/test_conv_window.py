"""The explainer on image networks: conv and pooling presets step on the same screen, the maps fill
in as the forward pass steps, the gradient maps flow back, the filter sits over the input, the
max-pool winner is marked, and the gradient check, continuous training, exports and sessions work."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.explainer.data_panel import PRESET_DIR

CONV = str(PRESET_DIR / "cnn_conv_4x3.json")
POOL = str(PRESET_DIR / "cnn_maxpool_4x4.json")
TINY = str(PRESET_DIR / "cnn_tiny_digits.json")


def _grid(w, title_start: str, label_start: str = ""):
    for col in w.conv_view.state.columns:
        if col.title.startswith(title_start):
            return next(g for g in col.grids if g.label.startswith(label_start))
    raise AssertionError(f"no column {title_start!r}")


def test_conv_preset_uses_the_map_drawing_and_fills_the_output_as_it_steps(qtbot, window):
    w, ex = window, window.explainer
    assert w.open_network(CONV)
    assert w.stack.currentWidget() is w.conv_view
    for _ in range(3):
        qtbot.keyClick(w, Qt.Key.Key_Space)
    ev = ex.event
    assert ev.kind == "z" and ev.index == (0, 1, 1)
    assert w.conv_view.highlighted[0] == ev.nodes[0] == "c1_0_1_1"
    out = _grid(w, "conv 1").values
    assert np.isfinite(out).sum() == 4 and out[1, 1] == ev.value
    ov = w.conv_view.state.overlays
    assert [(o.gid, o.top, o.left) for o in ov] == [("c0_0", 1, 1)]
    assert ov[0].weights.tolist() == [[1, 0], [-1, 2]]
    assert ev.substituted in w.formula.plain_text()
    w.repaint()  # the painter draws every kind of cell without error


def test_backward_shows_delta_maps_and_filter_gradients(window):
    w, ex = window, window.explainer
    w.open_network(CONV)
    ex.jump_phase("update")
    ex.goto(ex.step_index, ex.event_index - 1)  # the last backward event: ∂L/∂b of the filter
    assert ex.event.kind == "grad_b" and ex.event.layer == 1
    delta = _grid(w, "δ[1]").values
    assert np.isfinite(delta).all()
    grads = _grid(w, "∂L/∂w[1]").values
    want = ex.current.grads[0][0][0, 0]
    np.testing.assert_allclose(grads, want)
    w.repaint()


def test_maxpool_backward_routes_to_the_winner(window):
    w, ex = window, window.explainer
    w.open_network(POOL)
    ex.jump_phase("forward")
    assert ex.event.kind == "pool"
    assert _grid(w, "input", "ch").marks == {(1, 0): "max"}
    first = next(i for i, e in enumerate(ex.current.events) if e.kind == "da" and e.layer == 0)
    ex.goto(ex.step_index, first + 7)  # cell (1, 3): not the max of its window
    ev = ex.event
    assert ev.value == 0 and "not the max" in ev.note
    routed = _grid(w, "∂L/∂x").values
    assert np.isfinite(routed).sum() == 8 and routed[0, 2] == pytest.approx(0.7)
    assert _grid(w, "input", "ch").marks == {(0, 2): "max"}
    w.repaint()


def test_gradient_check_dialog_on_a_conv_net(qtbot, window):
    window.open_network(TINY)
    window.show_gradient_check()
    dlg = window.dialogs[-1]
    qtbot.waitUntil(lambda: not dlg.running, timeout=20000)
    assert dlg.table.rowCount() == sum(d.n_params for d in window.explainer.net.model.layers)
    assert "agree" in dlg.summary.text()
    dlg.close()


def test_tiny_cnn_trains_continuously_and_shows_its_filters(qtbot, window):
    w, ex = window, window.explainer
    w.open_network(TINY)
    ex.start_training()
    qtbot.waitUntil(lambda: len(ex.loss_t) > 20, timeout=20000)
    for _ in range(3):
        w._redraw_live()
    ex.stop_training()
    assert not ex.training
    assert ex.loss_v[-1] < ex.loss_v[0]
    w.refresh()
    assert w.stack.currentWidget() is w.conv_view


def test_exports_and_session_of_a_conv_net(qtbot, window, tmp_path):
    from app.explainer.export_actions import write_export
    from app.explainer.window import ExplainerWindow

    w, ex = window, window.explainer
    w.open_network(POOL)
    for kind in ("png", "svg", "tex", "csv", "frames"):
        write_export(w, kind, str(tmp_path / f"x.{kind}"))
    assert len(list((tmp_path / "x.frames").glob("*.png"))) == len(ex.current.events)
    assert "<svg" in (tmp_path / "x.svg").read_text()
    w2 = ExplainerWindow(tmp_path / "s", restore=False)
    qtbot.addWidget(w2)
    w2.open_network(TINY)
    w2.explainer.next_training_step()
    w2.close()
    w3 = ExplainerWindow(tmp_path / "s", restore=True)
    qtbot.addWidget(w3)
    assert w3.explainer.current.t == 2 and w3.stack.currentWidget() is w3.conv_view
    w3.close()


def test_back_to_a_dense_preset_shows_the_network(window):
    window.open_network(POOL)
    assert window.open_network(str(PRESET_DIR / "xor_2_2_1.json"))
    assert window.stack.currentWidget() is window.view
    assert window.editor.isEnabled()


def test_a_dataset_is_refused_for_an_image_network_and_nothing_changes(window):
    w, ex = window, window.explainer
    w.open_network(POOL)
    before = ex.current
    assert not ex.use_dataset("xor")
    assert "image layers" in w.last_error and ex.current is before


def test_image_data_is_drawn_as_the_images_with_their_labels(window):
    w = window
    assert w.open_network(TINY)
    d = w.explainer.net.data
    side = int(round(d.inputs.shape[1] ** 0.5))
    assert side * side == d.inputs.shape[1]
    title = w.plots.data_plot.plotItem.titleLabel.text
    labels = ", ".join(str(int(k)) for k in d.targets.argmax(1)[:6])
    assert f"{side}×{side} images, labels {labels}" in title
    img = w.plots.image.image
    assert img is not None and img.shape[1] == side  # col-major: x across, y down the digit
    assert w.plots.data_plot.plotItem.vb.yInverted()
    assert w.open_network(str(PRESET_DIR / "xor_2_2_1.json"))  # a 2-D set: a scatter again
    assert not w.plots.data_plot.plotItem.vb.yInverted()
    assert "decision" in w.plots.data_plot.plotItem.titleLabel.text


def test_a_conv_nets_images_that_are_not_square_are_drawn_too(window):
    """Lesson 13's 4 x 3 image said "12-D inputs: no picture" over empty axes; the net says the
    inputs' shape, so any one-channel image is drawn, as the drawing's input grid shows it."""
    w = window
    assert w.open_network(CONV)  # lesson 13's net
    c, h, wd = w.explainer.net.model.layers[0].in_shape
    assert (c, h * wd) == (1, w.explainer.net.data.inputs.shape[1]) and h != wd
    title = w.plots.data_plot.plotItem.titleLabel.text
    n = len(w.explainer.net.data.inputs)
    assert f"{h}×{wd} image" in title and "no picture" not in title
    img = w.plots.image.image  # x across, y down: (W, H) for one image
    assert img.shape == (n * (wd + 1) - 1, h)
    first = w.explainer.net.data.inputs[0].reshape(h, wd)
    np.testing.assert_array_equal(img[:wd, :].T, first)  # the pixels where they are


def test_a_cells_text_is_made_smaller_to_fit_its_cell_in_both_looks(qtbot):
    """A long sum's index ("i=165") and a number in a 44 px cell: the type shrinks until the
    text fits (lecturer mode's larger type cut "i=165" to "i=16"); text that fits keeps it."""
    from PySide6.QtGui import QFont, QFontMetricsF

    from app.explainer.cell_type import fitted_font
    from app.shared.theme import LECTURER, NORMAL

    for theme in (NORMAL, LECTURER):
        for text in ("i=165", "k=1023", "+777", "−0.1161", "0.0003"):
            font = QFont(theme.font_family)
            font.setPointSizeF(8 * theme.scale)
            font.setBold(True)
            room = 44 - 6 - 3
            got = fitted_font(font, text, room)
            assert QFontMetricsF(got).horizontalAdvance(text) <= room or got.pointSizeF() == 4.5
            assert got.pointSizeF() <= font.pointSizeF()
        short = QFont(theme.font_family)
        short.setPointSizeF(8)
        assert fitted_font(short, "i", 40) is short


def test_a_filter_overlay_cell_fits_its_value_over_its_weight(qtbot):
    """Under the filter's frame a cell writes its value in its top half and the weight in its
    bottom half: in lecturer type the weight had been written over the centred value (".26"
    over "0.51"). Each line fits its half; where a weight would not fit at 6 pt (small cells)
    only the frame is drawn (the weights are in the filter's own grid)."""
    from PySide6.QtGui import QFont, QFontMetricsF

    from app.explainer.cell_type import fits_whole, fitted_font, half_font

    for cell in (22.0, 32.0, 48.0, 90.0):
        for pt in (9.0, 12.0, 19.2, 24.0):  # the normal type to the lecturer's
            base = QFont()
            base.setPointSizeF(pt)
            base.setBold(True)
            f = half_font(base, cell)
            assert QFontMetricsF(f).height() <= 0.45 * cell + 0.5, (cell, pt)
            texts = ("0.51", "×−0.094")
            if not fits_whole(f, texts, cell - 6):
                assert cell < 48, (cell, pt)  # large cells always write them
                continue
            for text in texts:
                m = QFontMetricsF(fitted_font(f, text, cell - 6))
                assert m.horizontalAdvance(text) <= cell - 6 + 0.5
                assert m.height() <= 0.45 * cell + 0.5
