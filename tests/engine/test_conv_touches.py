"""A dense weight after a flatten reads a cell of the maps before it: ∂L/∂w[4][0][99] of the tiny
CNN preset = Σ_s δ[4][0]·a[3][99], and a[3][99] is cell (2, 4, 3) of the pooled 3×6×6 maps. The
event's touches name that cell (c2_2_4_3) as well as the flattened unit, so the drawing, which
shows maps and not the flat vector, can outline it."""

from pathlib import Path

import numpy as np

from engine.numpy_engine import Network

CNN = Path(__file__).resolve().parents[2] / "assets" / "presets" / "cnn_tiny_digits.json"
CELL = "c2_2_4_3"  # flat position 99 of (3, 6, 6): 99 = (2·6 + 4)·6 + 3


def test_the_events_touches_include_the_pooled_cell():
    net = Network.from_file(CNN)
    r = net.step(net.initial_state())
    e = r.events[r.events.layout.index("grad_w", 4, None, 99)]
    assert e.symbol == "∂L/∂w[4][0][99]" and "a[3][99]" in e.formula
    assert e.nodes == ("n4_0", "n3_99", CELL)
    assert np.unravel_index(99, (3, 6, 6)) == (2, 4, 3)
    c = r.events.arrays
    pooled = c.fw.A[2]  # (n, 3, 6, 6): the maxpool layer's maps
    assert np.array_equal(c.fw.A[3][:, 99], pooled[:, 2, 4, 3])  # what flatten moved there
    # the gradient is the sum over the batch of δ[4][0] times exactly that value
    assert np.isclose(e.value, c.bw.delta[3][:, 0] @ pooled[:, 2, 4, 3])


def test_a_dense_weight_after_a_dense_layer_touches_no_map():
    net = Network.from_file(CNN)
    r = net.step(net.initial_state())
    e = r.events[r.events.layout.index("grad_b", 4, None, 0)]  # the bias of unit 0: no input read
    assert e.kind == "grad_b" and e.nodes == ("n4_0",)
