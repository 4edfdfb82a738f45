"""One digit through a trained MNIST model in the explainer: the exported file opens in the maps
drawing (the 28×28 input in grey levels, hundreds of units in rows of cells), the long sums show
their largest terms and the rest's sum, and the jumps reach a hidden unit, the output δ, a hidden
δ, the largest gradient and that weight's update, each number checked against the step's arrays.
Tiny synthetic digits and briefly trained models only (never the real MNIST)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PySide6.QtCore import Qt

from app.explainer import jumps
from engine.torch_engine.export import export_network, write_network_file
from engine.torch_engine.mnist import normalise
from engine.torch_engine.models import ModelConfig, build_model
from tests.engine.mnist_fixtures import synthetic_digits


def _model(name: str):
    torch.manual_seed(0)
    model = build_model(ModelConfig(name))
    x, y = synthetic_digits(32, seed=2)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    model.train()
    for s in range(4):
        opt.zero_grad()
        xb, yb = normalise(x[s * 8 : s * 8 + 8]), torch.as_tensor(y[s * 8 : s * 8 + 8]).long()
        F.cross_entropy(model(xb), yb).backward()
        opt.step()
    return model.eval()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("digits")
    x, y = synthetic_digits(3, seed=5)
    out = {}
    for name in ("mlp", "fast-cnn"):
        out[name] = str(write_network_file(folder / f"{name}.json",
                                           export_network(_model(name), x[2:], y[2:], lr=0.1)))  # fmt: skip
    return out


def _column(w, title: str):
    return next(c for c in w.conv_view.state.columns if c.title.startswith(title))


def _follows(w):
    ev = w.explainer.event
    want = (ev.nodes[0], *sorted(set(ev.nodes[1:] + ev.edges))) if ev.nodes else ()
    assert w.conv_view.highlighted == want
    assert ev.substituted in w.formula.plain_text()


def test_mlp_file_opens_as_an_image_with_units_in_rows(window, files):
    w = window
    assert w.open_network(files["mlp"])
    assert w.stack.currentWidget() is w.conv_view
    img = _column(w, "input x").grids[0]
    assert img.values.shape == (28, 28) and not img.signed  # grey levels: paper and ink
    hidden = _column(w, "dense 2").grids[0]
    assert hidden.wrap == 16 and hidden.values.shape == (16, 16)
    assert _column(w, "dense 4").grids[0].values.shape == (10, 1)
    assert w.explainer.event.kind == "flatten"
    w.repaint()


def test_a_hidden_unit_shows_its_largest_terms_and_the_rest(qtbot, window, files):
    w, ex = window, window.explainer
    w.open_network(files["mlp"])
    qtbot.keyClick(w, Qt.Key.Key_BracketRight)  # past the flatten: z of the first hidden unit
    assert ex.event.kind == "z" and ex.event.layer == 2
    qtbot.keyClick(w, Qt.Key.Key_M)  # the most active hidden unit
    ev, c = ex.event, ex.current.events.arrays
    j = ev.index[0]
    assert j == int(np.argmax(np.abs(c.fw.A[2][0])))
    W, b = ex.current.before.params[1]
    terms = ev.detail["terms"]
    assert len(terms) == 7 and ev.detail["rest_count"] == 777
    sizes = [abs(t[1]) for t in terms]
    assert (
        sizes == sorted(sizes, reverse=True)
        and sizes[-1] >= np.sort(np.abs(W[j] * c.fw.A[1][0]))[-8]
    )
    assert sum(t[1] for t in terms) + ev.detail["rest"] + b[j] == pytest.approx(ev.value, abs=1e-9)
    assert "(777 more terms)" in ev.substituted and "777" in ev.note
    st = w.conv_view.state
    assert len(st.ranks) == 7 and all(cid.startswith("c0_0_") for cid in st.ranks)
    listed = _column(w, "largest terms").grids[0].values
    np.testing.assert_allclose(listed[:7, 2], [t[1] for t in terms])
    assert listed[7, 2] == ev.detail["rest"]
    _follows(w)
    w.repaint()


def test_softmax_loss_output_delta_hidden_delta_gradient_and_update(qtbot, window, files):
    w, ex = window, window.explainer
    w.open_network(files["mlp"])
    r, lay = ex.current, ex.current.events.layout
    c = r.events.arrays
    a, y = c.fw.A[4][0], c.Y[0]
    ex.goto(0, lay.phase_range("backward").start - 1)
    assert ex.event.kind == "loss" and ex.event.value == pytest.approx(-np.log(a[y.argmax()]))
    qtbot.keyClick(w, Qt.Key.Key_3)  # backward: the output's ∂L/∂a, then δ = a − y
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert ex.event.kind == "delta" and ex.event.value == pytest.approx(a[0] - y[0])
    for _ in range(2):  # past the output layer's gradients to the hidden layer's δ block
        qtbot.keyClick(w, Qt.Key.Key_BracketRight)
    assert ex.event.kind == "da" and ex.event.layer == 3
    qtbot.keyClick(w, Qt.Key.Key_M)
    i = ex.event.index[0]
    W4 = r.before.params[3][0]
    assert ex.event.value == pytest.approx(float(W4[:, i] @ c.bw.delta[3][0]), abs=1e-12)
    qtbot.keyClick(w, Qt.Key.Key_BracketRight)  # layer 3's gradients; M: the largest
    qtbot.keyClick(w, Qt.Key.Key_M)
    ev = ex.event
    G = r.grads[2][0]
    assert ev.kind == "grad_w" and abs(ev.value) == np.abs(G).max()
    j, i = ev.index
    assert ev.value == pytest.approx(c.bw.delta[2][0, j] * c.fw.A[2][0, i], abs=1e-12)
    assert ev.substituted.count("·") == 2  # ∂L/∂a · g'(z) · a: the chain rule, factor by factor
    _follows(w)
    qtbot.keyClick(w, Qt.Key.Key_4)
    qtbot.keyClick(w, Qt.Key.Key_BracketRight)  # past layer 2's updates to layer 3's
    qtbot.keyClick(w, Qt.Key.Key_M)
    up = ex.event
    assert up.kind == "update" and up.layer == 3 and up.index == (j, i)
    assert up.value == pytest.approx(r.before.params[2][0][j, i] - 0.1 * G[j, i], abs=1e-15)
    w.repaint()


def test_a_hidden_delta_over_128_units_lists_its_largest_terms(window, files):
    w, ex = window, window.explainer
    w.open_network(files["mlp"])
    lay = ex.current.events.layout
    ex.goto(0, lay.index("da", 2, 0, 3))  # ∂L/∂a of a unit of layer 2: a sum over layer 3's 128 δ
    ev = ex.event
    assert ev.kind == "da" and ev.detail["rest_count"] == 121
    assert sum(t[1] for t in ev.detail["terms"]) + ev.detail["rest"] == pytest.approx(ev.value)
    assert _column(w, "largest terms").grids[0].label.startswith("w · δ")
    _follows(w)


def test_fast_cnn_file_steps_and_jumps(qtbot, window, files):
    w, ex = window, window.explainer
    assert w.open_network(files["fast-cnn"])
    assert ex.event.kind == "z" and ex.event.layer == 1
    qtbot.keyClick(w, Qt.Key.Key_M)
    c = ex.current.events.arrays
    assert abs(ex.event.value) <= np.abs(c.fw.A[1][0]).max() + np.abs(c.fw.Z[0][0]).max()
    qtbot.keyClick(w, Qt.Key.Key_3)
    starts = jumps.part_starts(ex.current.events.layout)
    while ex.event.kind != "grad_w" or ex.event.layer != 1:
        before = ex.event_index
        qtbot.keyClick(w, Qt.Key.Key_BracketRight)
        assert ex.event_index in starts and ex.event_index > before
    qtbot.keyClick(w, Qt.Key.Key_M)
    assert abs(ex.event.value) == np.abs(ex.current.grads[0][0]).max()
    qtbot.keyClick(w, Qt.Key.Key_BracketLeft)
    assert ex.event_index in starts
    _follows(w)
    w.repaint()


def _centre(w, prefix: str, r: int, c: int):
    """The view position of cell (r, c) of the grid `prefix`, found by the view's own hit test."""
    from PySide6.QtCore import QPoint

    view = w.conv_view
    for x in range(0, view.width(), 2):
        for y in range(0, view.height(), 2):
            hit = view.cell_at(x, y)
            if hit is not None and hit[:3] == (prefix, r, c):
                return QPoint(x + 1, y + 1)
    raise AssertionError(f"no cell {prefix} ({r}, {c}) on the drawing")


def test_clicking_a_pixel_and_a_hidden_unit_shows_that_weights_gradient(qtbot, window, files):
    """Pick a pixel of the input image and a unit of the first dense layer: the explainer goes to
    ∂L/∂w for exactly that weight, worked out by the chain rule."""
    w = window
    assert w.open_network(files["mlp"])
    w.resize(1600, 1000)
    qtbot.wait(50)
    qtbot.mouseClick(w.conv_view, Qt.MouseButton.LeftButton, pos=_centre(w, "c0_0", 14, 10))
    assert "layer 0 chosen" in w.statusBar().currentMessage()
    qtbot.mouseClick(w.conv_view, Qt.MouseButton.LeftButton, pos=_centre(w, "n2", 1, 3))
    ev = w.explainer.event
    pixel, unit = 14 * 28 + 10, 1 * 16 + 3  # the first dense layer is laid out 16 a row
    assert ev.phase == "backward" and ev.layer == 2 and ev.index == (unit, pixel)
    c = w.explainer.current.events.arrays
    assert ev.value == pytest.approx(float(c.bw.grads[1][0][unit, pixel]), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("name", ["fast-cnn", "mlp"])
def test_every_map_and_label_of_a_digit_stays_in_its_column_above_the_caption(window, files, name):
    """Issue 23, defect 10: on the fast CNN "8 of 16 maps" showed 5, map ch 5 ran over the
    caption and the column headers collided; the MLP's "256 units, 16 a row" was cut."""
    from PySide6.QtGui import QFontMetricsF

    from app.explainer.conv_layout import spots

    w = window
    w.open_network(files[name])
    jumps.next_part(w.explainer)
    jumps.next_part(w.explainer)
    cv = w.conv_view
    label = cv._label_room()
    bottom = cv.height() - label - 4  # the caption's top
    gap = cv._gap()
    x, right_edges = gap, []
    for col, (cell, width, per) in zip(cv.state.columns, cv._layout(), strict=True):
        for g, gx, top in spots(col, x, cell, per, label):
            h, wd = g.values.shape
            assert top + h * cell <= bottom + 0.5, (col.title, g.label)
            assert gx + wd * cell <= x + width + 0.5, (col.title, g.label)
            if g.label:
                room = max(width, width + gap * 0.8 - (gx - x))
                f = QFontMetricsF(cv._fitting_label(g.label, room))
                assert f.horizontalAdvance(g.label) <= room, g.label
        right_edges.append((x, x + width))
        x += width + gap
    assert all(a[1] < b[0] for a, b in zip(right_edges, right_edges[1:], strict=False))
    assert x - gap <= cv.width() + 0.5
