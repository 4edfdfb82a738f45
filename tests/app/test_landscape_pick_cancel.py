"""The landscape's two weights picked by clicking edges (and filter cells), and Cancel: a race,
a grid or a comparison stopped by the learner leaves the landscape as it was."""

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from app.explainer.landscape_pick import kernel_weight, spelled
from app.shared.theme import LECTURER
from engine.numpy_engine import ids
from engine.numpy_engine.landscape_depth import init_compare
from engine.numpy_engine.landscape_forward import Cancelled
from engine.numpy_engine.landscape_race import grid_over, landscape, parse_racers

PRESETS = Path(__file__).parents[2] / "assets" / "presets"
MAZUR = str(PRESETS / "mazur_2_2_2.json")


def edge_point(w, key) -> QPoint:
    item = next(e for e in w.view.edges.values() if tuple(e.key) == key)
    return w.view.mapFromScene(item.mapToScene(item.line().pointAt(0.2)))  # not where edges cross


def test_two_clicked_edges_become_the_weights_plane_and_no_dialog_opens(qtbot, window, monkeypatch):
    w = window
    assert w.open_network(MAZUR) is not False
    w.landscape.open()
    p = w.landscape.panel
    opened = []
    monkeypatch.setattr(
        "app.explainer.window.QInputDialog.getDouble",
        lambda *a, **k: opened.append(a[2]) or (0.0, False),
    )
    p.pick.setChecked(True)
    assert "first weight" in p.status.text()
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=edge_point(w, (2, 0, 0)))
    assert "α: w[2][0][0]" in p.status.text() and p.pick.isChecked()
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=edge_point(w, (2, 0, 1)))
    assert p.plane.currentText() == "weights:2.0.0,2.0.1"
    assert not p.pick.isChecked() and not w.landscape.pick.armed and opened == []
    p.steps.setValue(5)
    p.run.click()
    qtbot.waitUntil(lambda: w.landscape.worker is None and p.run.isEnabled(), timeout=20_000)
    ls = w.landscape.result[0]
    # the w5-w6 plane of the 2-2-2 net, in the weights' own units: the start at (0, 0), each
    # path's α and β the two weights' changes
    for path, (a, b) in zip(ls.paths, ls.coords, strict=True):
        W = path.thetas[
            :, 6:8
        ]  # layer 2's W is after layer 1's W (4) and b (2): w[2][0][0], w[2][0][1]
        np.testing.assert_allclose(a, W[:, 0] - W[0, 0], atol=1e-12)
        np.testing.assert_allclose(b, W[:, 1] - W[0, 1], atol=1e-12)
    # another network: nothing of this landscape stays drawn
    w.open_network(MAZUR)
    assert p.race_view.paths == [] and p.table.rowCount() == 0 and p.image.image is None
    # after picking, a click on an edge opens the editor again
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=edge_point(w, (1, 1, 0)))
    assert opened == ["w[1][1][0] ="]


def test_esc_or_the_button_cancels_picking_and_the_plane_stays(qtbot, window):
    w = window
    w.open_network(MAZUR)
    w.landscape.open()
    p = w.landscape.panel
    p.plane.setCurrentText("random")
    w.set_lecturer(True)
    p.pick.setChecked(True)
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=edge_point(w, (1, 0, 0)))
    qtbot.keyClick(w.view, Qt.Key.Key_Escape)
    assert not w.landscape.pick.armed and not p.pick.isChecked()
    assert p.plane.currentText() == "random" and "cancelled" in p.status.text()
    assert w.theme is LECTURER  # Esc cancelled the picking, not lecturer mode
    w.set_lecturer(False)
    p.pick.setChecked(True)
    p.pick.setChecked(False)
    assert not w.landscape.pick.armed
    # clicking the same edge twice does not make a plane of one weight
    p.pick.setChecked(True)
    for _ in range(2):
        qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=edge_point(w, (1, 0, 0)))
    assert w.landscape.pick.armed and "already" in p.status.text()
    w.open_network(str(PRESETS / "xor_2_2_1.json"))  # a new network ends the picking
    assert not w.landscape.pick.armed and p.plane.currentText() == "random"


def test_filter_cells_and_unit_pairs_name_their_weights():
    assert kernel_weight(ids.filter_grid(1, 0, 0), 1, 2) == (1, 0, 0, 1, 2)
    assert kernel_weight(ids.filter_grid(2, 3, 1), 0, 1) == (2, 3, 1, 0, 1)  # L, F, C in order
    assert kernel_weight(ids.units_grid(2), 0, 1) is None
    assert kernel_weight(ids.map_grid(1, 0), 0, 0) is None
    assert spelled((2, 0, 1)) == "w[2][0][1]" and spelled((1, 0, 0, 1, 2)) == "k[1][0][0][1][2]"


def test_a_filter_cell_is_picked_on_the_image_drawing(qtbot, window):
    w = window
    assert w.open_network(str(PRESETS / "cnn_conv_4x3.json")) is not False
    w.landscape.open()
    qtbot.waitUntil(lambda: w.conv_view.isVisible(), timeout=5000)
    pick = w.landscape.pick
    pick.start()
    spots = [
        (x, y) for x in range(0, w.conv_view.width(), 6) for y in range(0, w.conv_view.height(), 6)
    ]
    cells = [w.conv_view.cell_at(x, y) for x, y in spots]
    kernel = next(
        (xy, c) for xy, c in zip(spots, cells, strict=True) if c and c[0].kind == ids.FILTER
    )
    (x, y), (grid, r, c, _) = kernel
    qtbot.mouseClick(w.conv_view, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    assert pick.chosen == [(grid.l, grid.f, grid.ch, r, c)]
    pick.cancel()


@pytest.fixture
def ravine():
    from engine.numpy_engine.network import Network

    return Network.from_file(str(PRESETS / "ravine_unnormalised.json"))


def test_the_engine_stops_when_asked(ravine):
    racers = parse_racers("sgd,adam", "", ravine)
    with pytest.raises(Cancelled):
        landscape(ravine, racers, 30, stop=lambda: True)
    calls = []

    def later():  # yes on the 10th question: mid-race
        calls.append(1)
        return len(calls) >= 10

    with pytest.raises(Cancelled):
        landscape(ravine, racers, 30, stop=later)
    ls = landscape(ravine, racers, 5, stop=lambda: False)  # never asked to stop: the whole result
    with pytest.raises(Cancelled):
        grid_over(ravine, ls.plane, (-1, 1), (-1, 1), stop=lambda: True)
    with pytest.raises(Cancelled):
        init_compare(ravine, stop=lambda: True)


def test_cancel_in_the_window_leaves_the_landscape_as_it_was(qtbot, window, monkeypatch):
    import app.explainer.landscape_dock as dock

    w = window
    w.open_network(str(PRESETS / "ravine_unnormalised.json"))
    w.landscape.open()
    p = w.landscape.panel
    go = threading.Event()
    real = dock.compute

    def slow(*a, stop=None, **k):  # waits for Cancel, then lets the engine see it
        go.wait(5)
        return real(*a, stop=stop, **k)

    monkeypatch.setattr(dock, "compute", slow)
    p.steps.setValue(5)
    p.run.click()
    assert p.cancel.isEnabled() and not p.run.isEnabled() and not p.inits.isEnabled()
    p.cancel.click()
    go.set()
    qtbot.waitUntil(lambda: w.landscape.worker is None, timeout=10_000)
    assert "Cancelled" in p.status.text() and w.landscape.result is None
    assert p.run.isEnabled() and not p.cancel.isEnabled() and p.race_view.paths == []
    monkeypatch.setattr(dock, "compute", real)
    p.run.click()  # the next race is not cancelled by the last one's flag
    qtbot.waitUntil(lambda: w.landscape.worker is None and p.run.isEnabled(), timeout=20_000)
    assert w.landscape.result is not None and len(p.race_view.paths) == 4  # the file's race


def test_a_batch_norms_gamma_edges_are_picked_as_its_one_weight_per_unit(qtbot, window):
    w = window
    assert w.open_network(str(PRESETS / "batchnorm_relu.json")) is not False
    w.landscape.open()
    p = w.landscape.panel
    p.pick.setChecked(True)
    for j in (0, 1):
        qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=edge_point(w, (2, j, j)))
    assert p.plane.currentText() == "weights:2.0,2.1" and "γ[2][0] (α)" in p.status.text()
    p.steps.setValue(3)
    p.run.click()
    qtbot.waitUntil(lambda: w.landscape.worker is None and p.run.isEnabled(), timeout=20_000)
    assert w.landscape.result is not None, p.status.text()


def test_the_small_normal_keeps_a_batch_norms_gamma_and_beta():
    from engine.numpy_engine.landscape_depth import init_params_as
    from engine.numpy_engine.network import Network

    net = Network.from_file(str(PRESETS / "batchnorm_relu.json"))
    params = init_params_as(net, "normal_sigma", sigma=0.01)
    gamma, beta = params[1]  # layer 2 is the batch norm
    np.testing.assert_array_equal(gamma, 1.0)
    np.testing.assert_array_equal(beta, 0.0)
    assert 0 < np.abs(params[0][0]).max() < 0.1  # the dense layers' weights are N(0, σ²)
