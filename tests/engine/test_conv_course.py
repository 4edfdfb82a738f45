"""The course's CNN examples as tests, finite differences through conv nets, the gradient check,
the trace of image layers (kind, layer, index; index-addressable) and the network file's checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.numpy_engine import Network, NetworkFileError, core, parse_network, spec_to_dict
from engine.numpy_engine.gradcheck import gradient_check
from tests.engine.test_conv_vs_torch import make_conv_net

PRESETS = Path(__file__).parents[2] / "assets" / "presets"
CNN_PRESETS = sorted(p.name for p in PRESETS.glob("cnn_*.json"))


def _net(name: str) -> Network:
    return Network.from_file(PRESETS / name)


def test_maxpool_course_example_forward_and_routing():
    net = _net("cnn_maxpool_4x4.json")
    state = net.initial_state()
    fw = core.forward(net.model, state.params, net.data.inputs)
    assert fw.A[1][0, 0].tolist() == [[3, 5], [2, 4]]
    r = net.step(state)
    pooled = [e for e in r.events if e.kind == "pool"]
    assert [e.value for e in pooled] == [3, 5, 2, 4]
    assert [e.detail["winner"] for e in pooled] == [[1, 0], [0, 2], [2, 0], [2, 3]]
    routed = [e for e in r.events if e.kind == "da" and e.layer == 0]
    assert len(routed) == 16
    got = np.array([e.value for e in routed]).reshape(4, 4)
    # δ of the four windows is w·δ_out = 0.1, 0.2, 0.3, 0.4 times 3.5; only the winners get it
    want = np.zeros((4, 4))
    for (y, x), d in zip([(1, 0), (0, 2), (2, 0), (2, 3)], [0.35, 0.7, 1.05, 1.4], strict=True):
        want[y, x] = d
    np.testing.assert_allclose(got, want, atol=1e-12)
    losers = [e for e in routed if e.value == 0]
    assert all("not the max" in e.note for e in losers)


def test_avgpool_spreads_evenly():
    spec = json.loads((PRESETS / "cnn_maxpool_4x4.json").read_text())
    spec["layers"][1]["type"] = "avgpool"
    net = Network(parse_network(spec))
    r = net.step(net.initial_state())
    means = [e.value for e in r.events if e.kind == "pool"]
    assert means == [1.5, 2.75, 1.25, 2.25]
    w = np.array([0.1, 0.2, 0.3, 0.4])
    d_out = w @ means  # half_sse with target 0 and one sample: ∂L/∂ŷ = ŷ
    routed = np.array([e.value for e in r.events if e.kind == "da" and e.layer == 0])
    want = np.kron((w * d_out).reshape(2, 2), np.ones((2, 2))) / 4  # each cell: δ/4
    np.testing.assert_allclose(routed.reshape(4, 4), want, atol=1e-12)


def test_frozen_conv_filters_keep_their_values():
    net = _net("cnn_edges_digit.json")
    st = net.initial_state()
    r = net.step(st)
    np.testing.assert_array_equal(r.after.params[0][0], st.params[0][0])
    np.testing.assert_array_equal(r.after.params[0][1], st.params[0][1])
    assert np.abs(r.grads[0][0]).sum() > 0  # the gradient is computed and shown
    assert not np.array_equal(r.after.params[3][0], st.params[3][0])  # the dense layer learns
    lay = r.events.layout
    assert r.events[lay.index("update_w", 1, None, 0)].note == "frozen"


def test_conv_4x3_course_example():
    net = _net("cnn_conv_4x3.json")
    x = np.array([[1, 2, 0], [3, 1, 2], [0, 2, 1], [1, 0, 3]], float)
    w = np.array([[1, 0], [-1, 2]], float)
    want = np.array([[x[y:y + 2, c:c + 2].ravel() @ w.ravel() for c in range(2)]
                     for y in range(3)])  # fmt: skip
    r = net.step(net.initial_state())
    zs = [e for e in r.events if e.kind == "z" and e.layer == 1]
    np.testing.assert_allclose(np.array([e.value for e in zs]).reshape(3, 2), want)
    assert zs[0].substituted.startswith("1·1 + 0·2 + (−1)·3 + 2·1")
    assert zs[0].index == (0, 0, 0) and zs[0].detail["top"] == 0
    # each filter weight's gradient is the sum over positions of δ times the cell under it
    delta = np.array([e.value for e in r.events if e.kind == "delta" and e.layer == 1])
    delta = delta.reshape(3, 2)
    gw = [e for e in r.events if e.kind == "grad_w" and e.layer == 1]
    for e in gw:
        _, _, i, j = e.index
        assert e.value == pytest.approx((delta * x[i : i + 3, j : j + 2]).sum(), abs=1e-12)


def test_symbolic_preset_names_cells_and_filter():
    r = _net("cnn_conv_4x3_symbols.json").step(_net("cnn_conv_4x3_symbols.json").initial_state())
    z0 = next(e for e in r.events if e.kind == "z" and e.layer == 1)
    assert z0.formula == "z[1][0][0][0] = α·a + β·b + γ·d + δ·e + b"
    g = next(e for e in r.events if e.kind == "grad_w" and e.layer == 1)
    assert g.formula.startswith("∂L/∂α = δ[1][0][0][0]·a + δ[1][0][0][1]·b + δ[1][0][1][0]·d")


@pytest.mark.parametrize("case", [0, 1, 3])
def test_finite_differences_through_conv_nets(case):
    from tests.engine.test_conv_vs_torch import CASES

    shape, layers, seed = CASES[case]
    net = make_conv_net(shape, layers, seed, loss="mse", n=3)
    rows = gradient_check(net, net.initial_state())
    assert len(rows) == sum(d.n_params for d in net.model.layers)
    assert max(r.abs_error for r in rows) < 1e-7
    assert any(r.symbol.count("[") == 5 for r in rows)  # conv weights w[l][f][c][i][j]


@pytest.mark.parametrize("name", CNN_PRESETS)
def test_cnn_presets_trace_and_round_trip(name):
    net = _net(name)
    assert net.spec.description and net.spec.name
    r = net.step(net.initial_state())
    n = len(r.events)
    for i in {0, n // 3, n // 2, n - 1}:
        e = r.events[i]
        assert e.kind and e.layer >= 0 and e.symbol
    again = Network(parse_network(spec_to_dict(net.spec)))
    np.testing.assert_array_equal(again.step(again.initial_state()).loss, r.loss)


def test_trace_positions_of_image_layers():
    net = make_conv_net(*[[2, 7, 7], [{"type": "conv", "filters": 3, "kernel": 3, "stride": 2,
                        "padding": 1, "activation": "relu"}, {"type": "maxpool", "size": 2}], 1],
                        n=2)  # fmt: skip
    r = net.step(net.initial_state())
    lay, ev = r.events.layout, r.events
    d = net.model.layer(0)
    for j in (0, 5, d.units - 1):
        assert ev[lay.index("z", 1, 1, j)].kind == "z" and ev[lay.index("a", 1, 1, j)].kind == "a"
        assert ev[lay.index("delta", 1, 1, j)].kind == "delta"
        assert ev[lay.index("da", 1, 1, j)].kind == "da"
    assert (
        ev[lay.index("pool", 2, 0, 3)].kind == "pool" and ev[lay.index("da", 2, 0, 3)].kind == "da"
    )
    first = lay.index("update_w", 1, None, 0)  # every weight, then every bias
    ups = [ev[first + q] for q in range(d.n_params)]
    assert [u.index for u in ups[:2]] == [(0, 0, 0, 0), (0, 0, 0, 1)] and ups[54].index == (0,)


BAD = [  # (change to the tiny CNN's layers, words the message must hold)
    (lambda L: L[1].update(kernel=15), ["layers[1]", "15×15 kernel", "14×14 input"]),
    (lambda L: L.pop(3), ["layers[3]", "dense", "3×6×6 maps", "flatten"]),
    (lambda L: L[1].update(stride=0), ["layers[1].stride", "at least 1"]),
    (lambda L: L[2].update(size=13), ["layers[2]", "13×13 window", "12×12 input"]),
    (lambda L: L.insert(1, {"type": "flatten"}), ["layers[2]", "conv", "196 units"]),
    (lambda L: L[1].update(weights=[[[[1]]]]), ["layers[1].weights"]),
    (lambda L: L[1].update(filters=65), ["layers[1].filters", "at most 64"]),
    (lambda L: L[1].update(dropout=0.5), ["layers[1].dropout", "unknown key"]),
    (lambda L: L[0].update(shape=[1, 0, 3]), ["layers[0].shape[1]"]),
    (lambda L: L.__setitem__(4, {"type": "maxpool"}), ["layers[4]", "output layer must be dense"]),
]


@pytest.mark.parametrize("k", range(len(BAD)))
def test_bad_image_layers_are_refused_with_names_and_shapes(k):
    obj = json.loads((PRESETS / "cnn_tiny_digits.json").read_text())
    change, words = BAD[k]
    change(obj["layers"])
    with pytest.raises(NetworkFileError) as e:
        parse_network(obj)
    for w in words:
        assert w in str(e.value), (str(e.value), w)


def test_image_data_shapes_checked():
    obj = json.loads((PRESETS / "cnn_maxpool_4x4.json").read_text())
    obj["data"]["inputs"] = [[[1, 2, 5], [3, 0, 1], [2, 1, 3], [1, 1, 2]]]
    with pytest.raises(NetworkFileError, match=r"data.inputs\[0\]\[0\]"):
        parse_network(obj)
    obj["data"]["inputs"] = [list(range(16))]  # a flat row of the right length is fine
    assert parse_network(obj).data.inputs[0][15] == 15


def test_trace_command_on_a_conv_file(capsys):
    from app.cli import main

    assert main(["trace", str(PRESETS / "cnn_maxpool_4x4.json"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    kinds = {(e["kind"], e["layer"]) for e in out["events"]}
    assert {("pool", 1), ("flatten", 2), ("da", 0), ("update", 3)} <= kinds
    first = out["events"][0]
    assert first["index"] == [0, 0, 0] and first["value"] == 3
    assert main(["trace", str(PRESETS / "cnn_tiny_digits.json"), "--steps", "3"]) == 0
    assert "∂L/∂w[1][0][0][0][0]" in capsys.readouterr().out


HOSTILE = [  # a network file's image parts, each broken once
    ({"shape": [1, 2, True]}, "layers[0].shape[2]"),
    ({"shape": "28x28"}, "layers[0].shape"),
    ({"shape": [1, 4, 4], "symbols": ["a"] * 15}, "layers[0].symbols"),
    ({"shape": [1, 4, 4], "symbols": [""] * 16}, "layers[0].symbols[0]"),
]


@pytest.mark.parametrize("k", range(len(HOSTILE)))
def test_hostile_image_fields(k):
    obj = json.loads((PRESETS / "cnn_maxpool_4x4.json").read_text())
    obj["layers"][0], where = HOSTILE[k]
    with pytest.raises(NetworkFileError) as e:
        parse_network(obj)
    assert e.value.field == where


def test_hostile_conv_weights_and_image_rows():
    obj = json.loads((PRESETS / "cnn_conv_4x3.json").read_text())
    obj["layers"][1]["weights"] = [[[[1, 0], [-1, True]]]]
    with pytest.raises(NetworkFileError, match=r"layers\[1\].weights\[0\]\[0\]\[1\]"):
        parse_network(obj)
    obj["layers"][1]["weights"] = [[[[1, 0], [-1, 1e400]]]]
    with pytest.raises(NetworkFileError, match="weights"):
        parse_network(obj)
    obj["layers"][1]["weights"] = [[[[1, 0], [-1, 2]]]]
    obj["data"]["inputs"] = [[[1, 2, 0], [3, 1, 2], [0, 2, "x"], [1, 0, 3]]]
    with pytest.raises(NetworkFileError, match=r"data.inputs\[0\]\[2\]\[2\]"):
        parse_network(obj)


def test_reading_one_event_builds_only_that_event():
    net = _net("cnn_tiny_digits.json")
    r = net.step(net.initial_state())
    n = len(r.events)
    assert n > 8000
    for i in (n // 2, n - 1, 7):
        e = r.events[i]
        assert r.events[i] is e  # kept once built
    assert len(r.events._cache) == 3


def test_tiny_cnn_learns_to_tell_0_from_1():
    net = _net("cnn_tiny_digits.json")
    state, losses = net.train(net.initial_state(), 60)
    assert net.accuracy(state) == 1.0 and losses[-1] < losses[0] / 4
