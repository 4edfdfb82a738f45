"""The batch-norm preset in the explainer: its column titled BN, unit j joined to unit j only
(γ_j on the edge), every event of a step shown without error, the edges' values γ or ∂L/∂γ."""

from pathlib import Path

import pytest

from app.explainer.scene_state import tooltip, view_state
from engine.numpy_engine import ids

PRESET = str(Path(__file__).resolve().parents[2] / "assets" / "presets" / "batchnorm_relu.json")


def test_the_batch_norm_column_and_its_pairs(window):
    assert window.open_network(PRESET)
    v = window.view
    assert any("BN · relu" in t.text() for t in v.titles)
    into_bn = [e for e in v.edges if e.startswith("w2_")]
    assert sorted(into_bn) == [ids.edge(2, j, j) for j in range(3)]
    assert len([e for e in v.edges if e.startswith("w3_")]) == 6  # the dense layer after: all


def test_every_event_draws_and_the_edges_carry_gamma_then_its_gradient(window):
    assert window.open_network(PRESET)
    ex = window.explainer
    r = ex.current
    lay = r.events.layout
    for i in range(len(r.events)):
        ex.goto(0, i)
        vs = view_state(ex)
        assert set(e for e in vs.edge_values if e.startswith("w2_")) <= {
            ids.edge(2, j, j) for j in range(3)
        }
    ex.goto(0, lay.index("grad_w", 2, None, 1))
    vs = view_state(ex)
    assert vs.edge_values[ids.edge(2, 1, 1)] == pytest.approx(r.grads[1][0][1], rel=1e-12)
    ex.goto(0, lay.index("xhat", 2, 0, 0))
    vs = view_state(ex)
    assert vs.edge_values[ids.edge(2, 2, 2)] == pytest.approx(r.before.params[1][0][2])
    assert "γ[2][2]" in tooltip(ex, ids.edge(2, 2, 2))


def test_a_conv_batch_norm_draws_as_maps_titled_bn(window, tmp_path):
    import json

    from app.explainer.conv_state import conv_view_state
    from tests.engine.test_batchnorm_file import CONV  # conv 3×3 → batch norm relu → dense 2

    data = {"inputs": [[0.1 * i for i in range(16)], [0.5] * 16], "targets": [[1, 0], [0, 1]]}
    net = {**CONV, "data": data}
    path = tmp_path / "bn_cnn.json"
    path.write_text(json.dumps(net))
    assert window.open_network(str(path))
    ex = window.explainer
    for i in range(len(ex.current.events)):
        ex.goto(0, i)
        st = conv_view_state(ex)
    ex.goto(0, ex.current.events.layout.index("a", 2, 0, 7))
    assert any(c.title.startswith("BN 2 · relu") for c in conv_view_state(ex).columns)
    assert st.columns and window.stack.currentWidget() is window.conv_view
