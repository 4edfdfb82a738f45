import json
from pathlib import Path

import numpy as np

from engine.numpy_engine import Network, make_dataset, parse_network
from engine.numpy_engine.adapt import adapt_to_data
from engine.numpy_engine.export_text import events_csv
from engine.numpy_engine.handout import event_tex
from engine.numpy_engine.latex import to_latex
from engine.numpy_engine.stream import Diverged, Progress, train_in_process, train_stream
from engine.numpy_engine.views import decision_grid, fit_curve

PRESETS = Path(__file__).parents[2] / "assets" / "presets"


def test_train_stream_is_the_same_training_as_direct_steps():
    net = Network.from_file(PRESETS / "xor_2_2_1.json")
    st = net.initial_state()
    recs = list(train_stream(net, st, max_rate=0, max_steps=25))
    assert all(isinstance(r, Progress) for r in recs)
    steps = [s for r in recs for s in r.steps]
    assert steps == list(range(1, 26))
    direct, losses = net.train(st, 25)
    np.testing.assert_array_equal(recs[-1].state.params[0][0], direct.params[0][0])
    assert [x for r in recs for x in r.losses] == losses


def test_an_exploding_learning_rate_stops_with_the_last_good_state():
    d = json.loads((PRESETS / "sine_regression.json").read_text())
    d["optimizer"] = {"name": "sgd", "lr": 500.0}
    net = Network(parse_network(d))
    recs = list(train_stream(net, net.initial_state(), max_rate=0, max_steps=10_000))
    div = recs[-1]
    assert isinstance(div, Diverged) and "diverged at step" in div.message
    assert div.state.t == div.step - 1
    assert all(np.isfinite(W).all() for W, _ in div.state.params)


def test_training_in_a_child_process_yields_records_and_stops_when_closed():
    net = Network.from_file(PRESETS / "xor_2_2_1.json")
    gen = train_in_process(net, net.initial_state(), max_rate=50)
    got = []
    for rec in gen:
        if isinstance(rec, Progress):
            got.append(rec)
        if len(got) >= 3:
            break
    gen.close()
    assert got[-1].state.t == got[-1].steps[-1] and got[-1].steps_per_s > 0


def test_adapting_a_network_to_datasets():
    spec = parse_network(json.loads((PRESETS / "xor_2_2_1.json").read_text()))
    s3 = adapt_to_data(spec, make_dataset("blobs3"))
    assert s3.layers[-1].units == 3 and s3.layers[-1].activation == "softmax" and s3.loss == "cce"
    s1 = adapt_to_data(spec, make_dataset("sine"))
    assert s1.layers[0].units == 1 and s1.layers[-1].activation == "linear" and s1.loss == "mse"
    assert s1.layers[1].weights is None  # its input width changed


def test_decision_grid_and_fit_curve_come_from_predict():
    net = Network.from_file(PRESETS / "circle_relu.json")
    st = net.initial_state()
    g = decision_grid(net, st, 20)
    assert g.values.shape == (20, 20) and g.classes == 0
    assert g.values[3, 7] == net.predict(st, np.array([[g.x[3], g.y[7]]]))[0, 0]
    net1 = Network.from_file(PRESETS / "sine_regression.json")
    x, y = fit_curve(net1, net1.initial_state(), 50)
    np.testing.assert_allclose(y, net1.predict(net1.initial_state(), x[:, None])[:, 0])


def test_latex_and_csv_exports():
    assert to_latex("∂L/∂w[2][0][1]") == r"\frac{\partial L}{\partial w^{(2)}_{01}}"
    assert to_latex("σ(z[1][0])") == r"\sigma(z^{(1)}_{0})"
    net = Network.from_file(PRESETS / "mazur_2_2_2.json")
    r = net.step(net.initial_state())
    tex = event_tex(r.events[0])
    assert tex.symbol == "z^{(1)}_{0}" and "0.3775" in tex.numbers[-1]
    csv_text = events_csv(r.events)
    assert csv_text.splitlines()[0].startswith("step,phase,sample,symbol")
    assert len(csv_text.splitlines()) == len(r.events) + 1


def test_a_paced_stream_waits_between_steps_and_full_speed_does_not(monkeypatch):
    """Issue 23: continuous training at 36,000 steps/s left the loss curve flat after its first
    1%; a pace (steps a second) makes each step last 1/pace. time.sleep is recorded, not timed."""
    from engine.numpy_engine import stream

    net = Network.from_file(PRESETS / "xor_2_2_1.json")
    waits: list[float] = []
    monkeypatch.setattr(stream.time, "sleep", waits.append)
    speed = [2.0]  # half a second a step: each step waits, however slow the machine
    recs = list(train_stream(net, net.initial_state(), 0, max_steps=20, pace=lambda: speed[0]))
    assert [s for r in recs for s in r.steps] == list(range(1, 21))  # the same training
    assert len(waits) == 20 and all(0.25 < w <= 0.5 for w in waits)
    waits.clear()
    for bad in (0.0, -5.0, float("nan"), float("inf")):  # full speed: no wait at all
        speed[0] = bad
        list(train_stream(net, net.initial_state(), 0, max_steps=5, pace=lambda: speed[0]))
    assert waits == []
    assert stream.DEFAULT_SPEED in stream.SPEEDS and 0 in stream.SPEEDS


def test_the_child_reads_the_shared_speed():
    from engine.numpy_engine.stream import shared_speed

    net = Network.from_file(PRESETS / "xor_2_2_1.json")
    speed = shared_speed(0)  # full speed, then changed while it runs
    gen = train_in_process(net, net.initial_state(), max_rate=50, speed=speed)
    got = []
    for rec in gen:
        if isinstance(rec, Progress):
            got.append(rec)
            speed.value = 50.0
        if len(got) >= 3:
            break
    gen.close()
    assert got[-1].state.t == got[-1].steps[-1]
